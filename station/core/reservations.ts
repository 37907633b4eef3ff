/**
 * Reservations (OCPP 1.6 ReserveNow): a charge point, or any point (connector 0), held for
 * one id tag or its parent until it expires, is cancelled, or is used by a session.
 * @module
 */
import { sameIdTag } from "./auth.ts";
import type { CoreEffect } from "./events.ts";
import type { ConnectorState, PendingAuth, Reservation, StationState } from "./state.ts";

/** The reservation held on one charge point itself. */
export function reservationOn(s: StationState, connectorId: number): Reservation | undefined {
  return s.reservations.find((r) => r.connectorId === connectorId);
}

/** Whether an identification may use a reservation: its id tag, or the reservation's parent. */
export function matches(r: Reservation, auth: Pick<PendingAuth, "idTag" | "parentIdTag">): boolean {
  return sameIdTag(r.idTag, auth.idTag) ||
    (r.parentIdTag !== undefined && auth.parentIdTag !== undefined &&
      sameIdTag(r.parentIdTag, auth.parentIdTag));
}

function free(s: StationState, c: ConnectorState): boolean {
  return c.session === null && !c.finishing && c.operative && c.faults.length === 0 &&
    s.stationFaults.length === 0 && reservationOn(s, c.id) === undefined;
}

/**
 * The reservation this identification uses on charge point `c`, `null` when it may start
 * there without one, or `undefined` when reservations forbid it.
 */
export function reservationFor(
  s: StationState,
  c: ConnectorState,
  auth: Pick<PendingAuth, "idTag" | "parentIdTag">,
): Reservation | null | undefined {
  const own = reservationOn(s, c.id);
  if (own) return matches(own, auth) ? own : undefined;
  const anyPoint = s.reservations.filter((r) => r.connectorId === 0);
  const mine = anyPoint.find((r) => matches(r, auth));
  if (mine) return mine;
  // Others' reservations of "any point" keep that many free points for them.
  const freeAfter = s.connectors.filter((x) => x.id !== c.id && free(s, x)).length;
  return freeAfter >= anyPoint.length ? null : undefined;
}

/** Ends a reservation and tells why. */
export function endReservation(
  s: StationState,
  id: number,
  reason: "used" | "expired" | "cancelled",
  effects: CoreEffect[],
): boolean {
  const at = s.reservations.findIndex((r) => r.id === id);
  if (at < 0) return false;
  s.reservations.splice(at, 1);
  effects.push({ type: "reservationEnded", reservationId: id, reason });
  return true;
}

/** Drops reservations whose time is up. */
export function expireReservations(s: StationState, nowMs: number, effects: CoreEffect[]): void {
  for (const r of [...s.reservations]) {
    if (nowMs >= r.expiresAtMs) endReservation(s, r.id, "expired", effects);
  }
}
