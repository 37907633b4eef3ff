import type { StationInfo } from "./snapshot.ts";

/** Version of the source tree; a bundled program says its own in `version.json` beside it. */
export const SOURCE_VERSION = "0.1.0";

/** `version.json` one folder up: in a slot, the bundle's `--version` (`bin/ladewerk.js`). */
function bundledVersion(): string | undefined {
  try {
    const url = new URL("../version.json", import.meta.url);
    if (
      url.protocol !== "file:" || Deno.permissions.querySync({ name: "read" }).state !== "granted"
    ) {
      return undefined;
    }
    const v = JSON.parse(Deno.readTextFileSync(url)).version;
    return typeof v === "string" && /^\d+\.\d+\.\d+$/.test(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Version of the station software. */
export const APP_VERSION: string = bundledVersion() ?? SOURCE_VERSION;

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
