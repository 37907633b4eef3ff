/**
 * The fault catalogue of the manual's error table (M-4): every fault is a named code raised
 * and cleared over time; UI, OCPP, Modbus and LEDs all read the same set.
 * @module
 */
import type { StopReason } from "./types.ts";

/** OCPP 1.6 ChargePointErrorCode values. */
export type OcppErrorCode =
  | "ConnectorLockFailure"
  | "EVCommunicationError"
  | "GroundFailure"
  | "HighTemperature"
  | "InternalError"
  | "LocalListConflict"
  | "NoError"
  | "OtherError"
  | "OverCurrentFailure"
  | "OverVoltage"
  | "PowerMeterFailure"
  | "PowerSwitchFailure"
  | "ReaderFailure"
  | "ResetFailure"
  | "UnderVoltage"
  | "WeakSignal";

/** What one fault code means. */
export interface FaultDefinition {
  /** "station": raised on connector 0; "connector": raised on one charge point. */
  scope: "station" | "connector";
  ocppErrorCode: OcppErrorCode;
  /** Sent as vendorErrorCode where the OCPP enum has no matching value. */
  vendorErrorCode?: string;
  /** Faulted stops charging and makes the affected points Faulted; Available only informs. */
  effect: "Faulted" | "Available";
  /** Red blinks per cycle on the LEDs, as the manual gives them; 0 = no blink code. */
  redBlinks: number;
  /** Stop reason of a session that this fault ends. */
  stopReason: StopReason;
  description: string;
}

/** The fault codes of M-4. */
export const FAULTS = {
  WeakSignal: {
    scope: "station",
    ocppErrorCode: "WeakSignal",
    effect: "Available",
    redBlinks: 0,
    stopReason: "Other",
    description: "Weak mobile network signal",
  },
  OverVoltageProtectionFailure: {
    scope: "station",
    ocppErrorCode: "OtherError",
    vendorErrorCode: "OverVoltageProtectionFailure",
    effect: "Available",
    redBlinks: 0,
    stopReason: "Other",
    description: "Surge protection no longer ensured",
  },
  RegulatoryComplianceFailure: {
    scope: "station",
    ocppErrorCode: "OtherError",
    vendorErrorCode: "RegulatoryComplianceFailure",
    effect: "Faulted",
    redBlinks: 7,
    stopReason: "Other",
    description: "Calibration-law meter gateway or SD card failure",
  },
  ReaderFailure: {
    scope: "station",
    ocppErrorCode: "ReaderFailure",
    effect: "Available",
    redBlinks: 0,
    stopReason: "Other",
    description: "No working RFID reader found",
  },
  UnderVoltage: {
    scope: "station",
    ocppErrorCode: "UnderVoltage",
    effect: "Faulted",
    redBlinks: 4,
    stopReason: "Other",
    description: "Phase failure: at least one phase missing",
  },
  PowerMeterFailure: {
    scope: "connector",
    ocppErrorCode: "PowerMeterFailure",
    effect: "Faulted",
    redBlinks: 6,
    stopReason: "Other",
    description: "Communication with the energy meter failed",
  },
  GroundFailure: {
    scope: "connector",
    ocppErrorCode: "GroundFailure",
    effect: "Faulted",
    redBlinks: 5,
    stopReason: "Other",
    description: "Residual current device tripped",
  },
  ConnectorLockFailure: {
    scope: "connector",
    ocppErrorCode: "ConnectorLockFailure",
    effect: "Faulted",
    redBlinks: 2,
    stopReason: "Other",
    description: "Cable lock defective or cable not fully inserted",
  },
  PowerSwitchFailure: {
    scope: "connector",
    ocppErrorCode: "PowerSwitchFailure",
    effect: "Faulted",
    // The manual gives no blink code for a welded contactor; 3 is free and ours.
    redBlinks: 3,
    stopReason: "Other",
    description: "Contactor welded",
  },
  EVCommunicationError: {
    scope: "connector",
    ocppErrorCode: "EVCommunicationError",
    effect: "Faulted",
    redBlinks: 1,
    stopReason: "Other",
    description: "Vehicle fault (pilot state E/F)",
  },
} as const satisfies Record<string, FaultDefinition>;

/** A fault code of the catalogue. */
export type FaultCode = keyof typeof FAULTS;

/** Whether `code` names a fault of the catalogue. */
export function isFaultCode(code: string): code is FaultCode {
  return Object.hasOwn(FAULTS, code);
}

/** Looks up a fault's definition. */
export function faultDefinition(code: FaultCode): FaultDefinition {
  return FAULTS[code];
}
