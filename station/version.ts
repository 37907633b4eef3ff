import type { StationInfo } from "./snapshot.ts";

/** Version of the station software. */
export const APP_VERSION = "0.1.0";

/** Vendor reported to backends and shown on the dashboard. */
export const VENDOR = "ladewerk";

/** Model name for a station with `connectors` charge points. */
export function modelName(connectors: 1 | 2): string {
  return connectors === 1 ? "LW-AC22-1" : "LW-AC22-2";
}

/** The fixed facts `GET /api/status`, BootNotification and Modbus report of a station. */
export function stationInfo(
  serial: string,
  connectors: 1 | 2,
  hardware: "sim" | "device",
): StationInfo {
  return {
    serial,
    vendor: VENDOR,
    model: modelName(connectors),
    firmwareVersion: APP_VERSION,
    hardware,
    connectors,
  };
}
