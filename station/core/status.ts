/**
 * The OCPP status of a charge point and of the station, derived from pilot, session, faults
 * and availability.
 * @module
 */
import { type FaultCode, faultDefinition, type OcppErrorCode } from "../faults.ts";
import type { ConnectorStatus } from "../types.ts";
import { MIN_CURRENT_MA } from "./allocate.ts";
import type { ConnectorState, StationState, StationStatus } from "./state.ts";

/** The status, error code and vendor error code of one charge point or the station. */
export interface DerivedStatus<S extends string = ConnectorStatus> {
  status: S;
  errorCode: OcppErrorCode;
  vendorErrorCode?: string;
}

/** Faults that affect a charge point: its own, the station's, and a vehicle in state E/F. */
export function faultsOf(c: ConnectorState, stationFaults: readonly FaultCode[]): FaultCode[] {
  const all = [...c.faults, ...stationFaults];
  if ((c.pilot === "E" || c.pilot === "F") && !all.includes("EVCommunicationError")) {
    all.push("EVCommunicationError");
  }
  return all;
}

/** Whether any of the faults stops charging. */
export function isFaulted(faults: readonly FaultCode[]): boolean {
  return faults.some((f) => faultDefinition(f).effect === "Faulted");
}

function errorOf(faults: readonly FaultCode[]): Omit<DerivedStatus, "status"> {
  const worst = faults.find((f) => faultDefinition(f).effect === "Faulted") ?? faults[0];
  if (worst === undefined) return { errorCode: "NoError" };
  const def = faultDefinition(worst);
  return {
    errorCode: def.ocppErrorCode,
    ...(def.vendorErrorCode ? { vendorErrorCode: def.vendorErrorCode } : {}),
  };
}

/** Whether a pending authorization shows on this charge point as Preparing. */
export function pendingTargets(state: StationState, c: ConnectorState): boolean {
  const p = state.pendingAuth;
  if (!p) return false;
  if (p.connectorId !== undefined) return p.connectorId === c.id;
  return state.connectors.filter(canTakeVehicle).length === 1 && canTakeVehicle(c);
}

/** A charge point that is free for a new vehicle: nothing plugged, operative, not faulted. */
export function canTakeVehicle(c: ConnectorState): boolean {
  return c.pilot === "A" && c.session === null && c.operative && c.faults.length === 0;
}

/**
 * How long a vehicle may take to answer the offered current before its session counts as
 * SuspendedEV; until then the point stays Preparing (IEC 61851 gives the vehicle time).
 */
export const EV_RESPONSE_GRACE_MS = 10_000;

/** The OCPP status of a charge point. */
export function connectorStatus(
  state: StationState,
  c: ConnectorState,
  nowMs: number,
): DerivedStatus {
  const faults = faultsOf(c, state.stationFaults);
  const error = errorOf(faults);
  if (isFaulted(faults)) return { status: "Faulted", ...error };
  let status: ConnectorStatus;
  if (c.session) {
    if (c.offeredMa < MIN_CURRENT_MA) status = "SuspendedEVSE";
    else if (c.pilot === "C" && c.contactorClosed) status = "Charging";
    else if (!c.session.evCharged && nowMs < c.session.startedAtMs + EV_RESPONSE_GRACE_MS) {
      status = "Preparing";
    } else status = "SuspendedEV";
  } else if (c.finishing) status = "Finishing";
  else if (!c.operative) status = "Unavailable";
  else if (c.pilot !== "A") status = "Preparing";
  else if (pendingTargets(state, c)) status = "Preparing";
  else status = state.reservations.some((r) => r.connectorId === c.id) ? "Reserved" : "Available";
  return { status, ...error };
}

/** The OCPP status of the station as a whole (connector 0). */
export function stationStatus(state: StationState): DerivedStatus<StationStatus["status"]> {
  const error = errorOf(state.stationFaults);
  if (isFaulted(state.stationFaults)) return { status: "Faulted", ...error };
  if (state.connectors.every((c) => !c.operative)) return { status: "Unavailable", ...error };
  return { status: "Available", ...error };
}
