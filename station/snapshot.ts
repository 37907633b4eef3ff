/**
 * The station as `GET /api/status` shows it: plain JSON built from the core state and the
 * last meter readings.
 * @module
 */
import type { ConnectorState } from "./core/mod.ts";
import type { Station } from "./runtime.ts";

/** Facts of the station that do not change while it runs. */
export interface StationInfo {
  serial: string;
  vendor: string;
  model: string;
  firmwareVersion: string;
  hardware: "sim" | "device";
  connectors: 1 | 2;
}

const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits;

function connectorSnapshot(station: Station, c: ConnectorState) {
  const reading = station.reading(c.id);
  const phases = reading?.phases ?? [];
  const currentsA = phases.map((p) => round(p.currentA));
  return {
    id: c.id,
    status: c.status,
    errorCode: c.errorCode,
    vendorErrorCode: c.vendorErrorCode ?? null,
    statusSince: new Date(c.statusSinceMs).toISOString(),
    pilot: c.pilot,
    operative: c.operative,
    faults: [...c.faults],
    offeredMa: c.offeredMa,
    offeredA: round(c.offeredMa / 1000),
    /** Highest measured phase current. */
    currentA: currentsA.length ? Math.max(...currentsA) : 0,
    currentsA,
    voltagesV: phases.map((p) => round(p.voltageV, 1)),
    powerW: round(c.powerW, 1),
    energyWh: round(c.energyWh, 1),
    contactorClosed: c.contactorClosed,
    cableLocked: c.locked,
    limitsMa: { ...c.limits },
    session: c.session
      ? {
        idTag: c.session.idTag,
        authSource: c.session.authSource,
        startedAt: new Date(c.session.startedAtMs).toISOString(),
        meterStartWh: c.session.meterStartWh,
        energyWh: round(c.energyWh - c.session.meterStartWh, 1),
      }
      : null,
  };
}

/** The JSON of `GET /api/status`. */
export function statusSnapshot(station: Station, info: StationInfo) {
  const state = station.state;
  const nowMs = station.hardware.clock.nowMs();
  return {
    serial: info.serial,
    vendor: info.vendor,
    model: info.model,
    firmwareVersion: info.firmwareVersion,
    hardware: info.hardware,
    time: new Date(nowMs).toISOString(),
    uptimeS: Math.floor((nowMs - station.startedAtMs) / 1000),
    station: {
      status: state.station.status,
      errorCode: state.station.errorCode,
      vendorErrorCode: state.station.vendorErrorCode ?? null,
      statusSince: new Date(state.station.statusSinceMs).toISOString(),
      faults: [...state.stationFaults],
      stationMaxCurrentMa: state.config.stationMaxCurrentMa,
      pendingAuthorization: state.pendingAuth
        ? {
          idTag: state.pendingAuth.idTag,
          connectorId: state.pendingAuth.connectorId ?? null,
          expiresAt: new Date(
            state.pendingAuth.atMs + state.config.connectionTimeoutS * 1000,
          ).toISOString(),
        }
        : null,
    },
    connectors: state.connectors.map((c) => connectorSnapshot(station, c)),
    ...station.adapterStatus(),
  };
}

/** The type of the status JSON. */
export type StatusSnapshot = ReturnType<typeof statusSnapshot>;
