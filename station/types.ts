/**
 * Vocabulary of the station core, shared by the core and its adapters.
 * @module
 */
import type { PilotState } from "../drivers/ports.ts";

export type { PilotState };

/** OCPP 1.6 ChargePointStatus. */
export type ConnectorStatus =
  | "Available"
  | "Preparing"
  | "Charging"
  | "SuspendedEV"
  | "SuspendedEVSE"
  | "Finishing"
  | "Reserved"
  | "Unavailable"
  | "Faulted";

/** OCPP 1.6 StopTransaction reasons. */
export type StopReason =
  | "DeAuthorized"
  | "EmergencyStop"
  | "EVDisconnected"
  | "HardReset"
  | "Local"
  | "Other"
  | "PowerLoss"
  | "Reboot"
  | "Remote"
  | "SoftReset"
  | "UnlockCommand";

/** OCPP 1.6 AuthorizationStatus. */
export type AuthorizationStatus = "Accepted" | "Blocked" | "Expired" | "Invalid" | "ConcurrentTx";

/** The outcome of an authorization: accepted, or refused with the reason. */
export type AuthResult =
  | { status: "Accepted"; parentIdTag?: string; expiresAtMs?: number; source: AuthSource }
  | {
    status: Exclude<AuthorizationStatus, "Accepted">;
    source: AuthSource;
  };

/** Who decided an authorization. */
export type AuthSource =
  | "masterKey"
  | "whitelist"
  | "anyCard"
  | "dummy"
  | "backend"
  | "cache"
  | "remote";

/** Identification modes of M-1.8.1. */
export type IdentificationMode = "anyCard" | "none" | "validCard";

/** Authorization of a whitelist entry: the manual's two, plus what an OCPP local list may hold. */
export type WhitelistAuthorization =
  | "accepted"
  | "blocked"
  | "expired"
  | "invalid"
  | "concurrentTx";

/** A whitelist (local list) entry as the station uses it. */
export interface WhitelistEntry {
  uid: string;
  gid: string | null;
  expiryAtMs: number | null;
  authorization: WhitelistAuthorization;
  deleted: boolean;
}

/** Who a change is recorded for in the audit log: a web user's role, a protocol, the station. */
export const ACTORS = ["installer", "owner", "ocpp", "modbus", "mqtt", "station"] as const;
export type Actor = typeof ACTORS[number];
