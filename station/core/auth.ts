/**
 * Local authorization (M-1.8.1): master key, identification mode and whitelist. The backend
 * (OCPP) adds its own decision on top of this in its adapter.
 * @module
 */
import type { WhitelistEntry } from "../types.ts";
import type { AuthResult, IdentificationMode } from "../types.ts";

/** What a local authorization decides with. */
export interface LocalAuthInput {
  idTag: string;
  mode: IdentificationMode;
  masterKey: string;
  dummyIdTag: string;
  /** The whitelist entry of the id, if there is one. */
  entry?: WhitelistEntry;
  nowMs: number;
}

/** Id tags compare case-insensitively: readers differ in how they print hex UIDs. */
export function sameIdTag(a: string, b: string): boolean {
  return a.toUpperCase() === b.toUpperCase();
}

/** Decides an authorization without a backend. */
export function authorizeLocal(input: LocalAuthInput): AuthResult {
  const { idTag, mode, entry, nowMs } = input;
  if (sameIdTag(idTag, input.masterKey)) return { status: "Accepted", source: "masterKey" };
  if (mode === "none" && sameIdTag(idTag, input.dummyIdTag)) {
    return { status: "Accepted", source: "dummy" };
  }
  if (mode === "anyCard") return { status: "Accepted", source: "anyCard" };
  return whitelistDecision(entry, nowMs);
}

/** What the whitelist says of an entry (or its absence). */
export function whitelistDecision(entry: WhitelistEntry | undefined, nowMs: number): AuthResult {
  if (!entry || entry.deleted) return { status: "Invalid", source: "whitelist" };
  if (entry.expiryAtMs !== null && entry.expiryAtMs <= nowMs) {
    return { status: "Expired", source: "whitelist" };
  }
  switch (entry.authorization) {
    case "accepted":
      return {
        status: "Accepted",
        source: "whitelist",
        ...(entry.gid ? { parentIdTag: entry.gid } : {}),
        ...(entry.expiryAtMs !== null ? { expiresAtMs: entry.expiryAtMs } : {}),
      };
    case "blocked":
      return { status: "Blocked", source: "whitelist" };
    case "expired":
      return { status: "Expired", source: "whitelist" };
    case "concurrentTx":
      return { status: "ConcurrentTx", source: "whitelist" };
    default:
      return { status: "Invalid", source: "whitelist" };
  }
}
