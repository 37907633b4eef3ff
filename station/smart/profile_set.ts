/**
 * The installed profiles as a value: installing (with replacement), clearing, expiry and the
 * end of a transaction each return the new list and what left it. Pure; the OCPP service
 * stores the difference.
 * @module
 */
import { type InstalledProfile, parseMs, type ProfilePurpose } from "./profiles.ts";

/** A new list and the profiles that left the old one. */
export interface Change {
  profiles: InstalledProfile[];
  removed: InstalledProfile[];
}

/** ClearChargingProfile's criteria; every one given must match. */
export interface ClearCriteria {
  id?: number;
  connectorId?: number;
  purpose?: ProfilePurpose;
  stackLevel?: number;
}

function split(
  list: readonly InstalledProfile[],
  leaves: (ip: InstalledProfile) => boolean,
): Change {
  const profiles: InstalledProfile[] = [];
  const removed: InstalledProfile[] = [];
  for (const ip of list) (leaves(ip) ? removed : profiles).push(ip);
  return { profiles, removed };
}

/** Whether `next` replaces `old`: the same id, or the same purpose and stack level on the same
 * connector (OCPP 1.6 SetChargingProfile). */
export function replaces(next: InstalledProfile, old: InstalledProfile): boolean {
  const a = next.profile;
  const b = old.profile;
  return a.chargingProfileId === b.chargingProfileId ||
    (a.chargingProfilePurpose === b.chargingProfilePurpose && a.stackLevel === b.stackLevel &&
      next.connectorId === old.connectorId);
}

/**
 * Installs `next`, replacing what it replaces; undefined when more than `maxInstalled`
 * profiles would be installed then.
 */
export function install(
  list: readonly InstalledProfile[],
  next: InstalledProfile,
  maxInstalled: number,
): (Change & { installed: InstalledProfile }) | undefined {
  const { profiles, removed } = split(list, (old) => replaces(next, old));
  if (profiles.length + 1 > maxInstalled) return undefined;
  return { profiles: [...profiles, next], removed, installed: next };
}

/** Removes the profiles that match every given criterion (all of them when none is given). */
export function clear(list: readonly InstalledProfile[], c: ClearCriteria): Change {
  return split(
    list,
    ({ connectorId, profile: p }) =>
      (c.id === undefined || p.chargingProfileId === c.id) &&
      (c.connectorId === undefined || connectorId === c.connectorId) &&
      (c.purpose === undefined || p.chargingProfilePurpose === c.purpose) &&
      (c.stackLevel === undefined || p.stackLevel === c.stackLevel),
  );
}

/** Removes the profiles whose validTo has passed at `nowMs`. */
export function expire(list: readonly InstalledProfile[], nowMs: number): Change {
  return split(list, (ip) => {
    const to = parseMs(ip.profile.validTo);
    return to !== undefined && to <= nowMs;
  });
}

/**
 * Removes the TxProfiles whose transaction is over: bound to another session than the one
 * open on their connector (`open`: connector id → session id), or waiting for a remote start
 * that did not come within `pendingForMs` of their installation.
 */
export function endTransactions(
  list: readonly InstalledProfile[],
  open: ReadonlyMap<number, number>,
  nowMs: number,
  pendingForMs: number,
): Change {
  return split(list, (ip) => {
    if (ip.profile.chargingProfilePurpose !== "TxProfile") return false;
    if (ip.sessionId === undefined) {
      return !open.has(ip.connectorId) && nowMs >= ip.installedAtMs + pendingForMs;
    }
    return open.get(ip.connectorId) !== ip.sessionId;
  });
}

/** Binds the connector's waiting TxProfiles to the session that just started there. */
export function bindToSession(
  list: readonly InstalledProfile[],
  connectorId: number,
  sessionId: number,
): { profiles: InstalledProfile[]; bound: InstalledProfile[] } {
  const bound: InstalledProfile[] = [];
  const profiles = list.map((ip) => {
    if (
      ip.profile.chargingProfilePurpose !== "TxProfile" || ip.connectorId !== connectorId ||
      ip.sessionId !== undefined
    ) return ip;
    const next = { ...ip, sessionId };
    bound.push(next);
    return next;
  });
  return { profiles, bound };
}
