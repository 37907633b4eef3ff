/**
 * The station core: `step(state, event, nowMs) → { state, effects }`. Pure: no I/O, no
 * timers, time passed in. Sessions start when a vehicle is plugged in and an identification
 * is accepted, in either order, and stop on unplug, the same card again, remotely, or a fault.
 * @module
 */
import { faultDefinition, isFaultCode } from "../faults.ts";
import type { AuthSource, StopReason } from "../types.ts";
import { allocate, MIN_CURRENT_MA } from "./allocate.ts";
import { sameIdTag } from "./auth.ts";
import { endReservation, expireReservations, reservationFor } from "./reservations.ts";
import type { CoreEffect, CoreEvent, StepResult } from "./events.ts";
import type { ConnectorState, PendingAuth, StationState } from "./state.ts";
import { canTakeVehicle, connectorStatus, faultsOf, isFaulted, stationStatus } from "./status.ts";

/** Applies one event and returns the new state and the effects to perform, in order. */
export function step(
  state: StationState,
  event: CoreEvent,
  nowMs: number,
): StepResult<StationState> {
  const s = structuredClone(state);
  const effects: CoreEffect[] = [];
  // A card lapses at its timeout, whatever the event that brings the time.
  lapsePendingAuth(s, nowMs);
  apply(s, event, nowMs, effects);
  settle(s, nowMs, effects);
  return { state: s, effects: ordered(effects) };
}

function connector(s: StationState, id: number): ConnectorState | undefined {
  return s.connectors.find((c) => c.id === id);
}

/** A plugged-in charge point that can start a session now. */
function canStart(c: ConnectorState, s: StationState): boolean {
  return (c.pilot === "B" || c.pilot === "C") && c.session === null && !c.finishing &&
    c.operative && !isFaulted(faultsOf(c, s.stationFaults));
}

function startSession(
  s: StationState,
  c: ConnectorState,
  auth: Omit<PendingAuth, "atMs">,
  nowMs: number,
  effects: CoreEffect[],
): void {
  const reservation = reservationFor(s, c, auth);
  if (reservation === undefined) return;
  if (reservation) endReservation(s, reservation.id, "used", effects);
  c.session = {
    idTag: auth.idTag,
    ...(auth.parentIdTag ? { parentIdTag: auth.parentIdTag } : {}),
    authSource: auth.authSource,
    startedAtMs: nowMs,
    meterStartWh: c.energyWh,
    evCharged: c.pilot === "C",
    ...(reservation ? { reservationId: reservation.id } : {}),
  };
  if (s.pendingAuth && sameIdTag(s.pendingAuth.idTag, auth.idTag)) s.pendingAuth = null;
  effects.push({ type: "sessionStarted", connectorId: c.id, session: c.session });
}

function stopSession(
  c: ConnectorState,
  reason: StopReason,
  nowMs: number,
  effects: CoreEffect[],
  stopIdTag?: string,
): void {
  if (!c.session) return;
  effects.push({
    type: "sessionStopped",
    connectorId: c.id,
    session: c.session,
    reason,
    meterStopWh: c.energyWh,
    stoppedAtMs: nowMs,
    ...(stopIdTag ? { stopIdTag } : {}),
  });
  c.session = null;
  c.finishing = true;
  c.closing = true;
  // A deauthorized session's hold on the current ends with it.
  delete c.limits.deauthorized;
}

/** An accepted identification: start where a vehicle waits, else wait for one. */
function accept(
  s: StationState,
  auth: Omit<PendingAuth, "atMs">,
  nowMs: number,
  effects: CoreEffect[],
): void {
  const usable = (c: ConnectorState) => reservationFor(s, c, auth) !== undefined;
  const target = auth.connectorId === undefined
    ? s.connectors.find((c) => canStart(c, s) && usable(c))
    : connector(s, auth.connectorId);
  if (target && canStart(target, s) && usable(target)) {
    startSession(s, target, auth, nowMs, effects);
  } else if (
    target
      ? canTakeVehicle(target) && usable(target)
      : s.connectors.some((c) => canTakeVehicle(c) && usable(c))
  ) {
    s.pendingAuth = { ...auth, atMs: nowMs };
  }
}

function onToken(s: StationState, idTag: string, nowMs: number, effects: CoreEffect[]): void {
  const own = s.connectors.find((c) => c.session && sameIdTag(c.session.idTag, idTag));
  if (own) return stopSession(own, "Local", nowMs, effects, idTag);
  if (s.config.identification === "none") {
    const running = s.connectors.filter((c) => c.session);
    if (s.config.dummyAllowStop && running.length === 1) {
      stopSession(running[0]!, "Local", nowMs, effects, idTag);
    }
    return;
  }
  if (s.pendingAuth && sameIdTag(s.pendingAuth.idTag, idTag)) return;
  effects.push({ type: "authorize", idTag });
}

function onPilot(
  s: StationState,
  c: ConnectorState,
  pilot: ConnectorState["pilot"],
  effects: CoreEffect[],
  nowMs: number,
): void {
  const wasPlugged = c.pilot !== "A";
  c.pilot = pilot;
  if (pilot === "C" && c.session) c.session.evCharged = true;
  if (wasPlugged || pilot === "A" || !canStart(c, s)) return;
  const pending = s.pendingAuth;
  if (
    pending && (pending.connectorId === undefined || pending.connectorId === c.id) &&
    reservationFor(s, c, pending) !== undefined
  ) {
    startSession(s, c, pending, nowMs, effects);
  } else if (s.config.identification === "none") {
    effects.push({ type: "authorize", idTag: s.config.dummyIdTag, connectorId: c.id });
  }
}

function apply(s: StationState, e: CoreEvent, nowMs: number, effects: CoreEffect[]): void {
  switch (e.type) {
    case "pilot": {
      const c = connector(s, e.connectorId);
      if (c) onPilot(s, c, e.pilot, effects, nowMs);
      return;
    }
    case "meter": {
      const c = connector(s, e.connectorId);
      if (c) {
        c.energyWh = e.energyWh;
        c.powerW = e.powerW;
      }
      return;
    }
    case "token":
      return onToken(s, e.idTag, nowMs, effects);
    case "authorized": {
      if (e.result.status !== "Accepted") {
        effects.push({ type: "authorizationRefused", idTag: e.idTag, result: e.result });
        return;
      }
      // A card of the running session's group stops it (OCPP 1.6 §3.5.1), unless a vehicle
      // waits elsewhere for it to start.
      const group = e.result.parentIdTag;
      const ofGroup = group &&
        s.connectors.find((c) => c.session?.parentIdTag && sameIdTag(c.session.parentIdTag, group));
      if (ofGroup && !s.connectors.some((c) => canStart(c, s))) {
        return stopSession(ofGroup, "Local", nowMs, effects, e.idTag);
      }
      return accept(
        s,
        {
          idTag: e.idTag,
          authSource: e.result.source,
          ...(e.result.parentIdTag ? { parentIdTag: e.result.parentIdTag } : {}),
          ...(e.connectorId !== undefined ? { connectorId: e.connectorId } : {}),
        },
        nowMs,
        effects,
      );
    }
    case "remoteStart":
      return accept(
        s,
        {
          idTag: e.idTag,
          authSource: "remote" satisfies AuthSource,
          connectorId: e.connectorId,
          ...(e.parentIdTag ? { parentIdTag: e.parentIdTag } : {}),
        },
        nowMs,
        effects,
      );
    case "remoteStop": {
      const c = connector(s, e.connectorId);
      if (c) stopSession(c, e.reason, nowMs, effects);
      return;
    }
    case "unlock": {
      const c = connector(s, e.connectorId);
      if (!c) return;
      if (c.session) return stopSession(c, "UnlockCommand", nowMs, effects);
      // Asked without a session: release it even if the core thinks it is released.
      c.locked = false;
      effects.push({ type: "setLock", connectorId: c.id, locked: false });
      return;
    }
    case "sessionClosed": {
      const c = connector(s, e.connectorId);
      if (c) c.closing = false;
      return;
    }
    case "fault": {
      if (!isFaultCode(e.code)) return;
      const list = e.connectorId === 0 ? s.stationFaults : connector(s, e.connectorId)?.faults;
      if (!list) return;
      const at = list.indexOf(e.code);
      if (e.active && at < 0) list.push(e.code);
      if (!e.active && at >= 0) list.splice(at, 1);
      return;
    }
    case "availability":
      for (const c of s.connectors) {
        if (e.connectorId === 0 || e.connectorId === c.id) c.operative = e.operative;
      }
      return;
    case "limit": {
      const limits = e.connectorId === 0 ? s.stationLimits : connector(s, e.connectorId)?.limits;
      if (!limits) return;
      if (e.limitMa === undefined) delete limits[e.source];
      else limits[e.source] = e.limitMa;
      return;
    }
    case "config":
      s.config = { ...s.config, ...e.config };
      return;
    case "reserve":
      s.reservations = s.reservations.filter((r) => r.id !== e.reservation.id);
      s.reservations.push({ ...e.reservation });
      return;
    case "cancelReservation":
      endReservation(s, e.reservationId, "cancelled", effects);
      return;
    case "tick":
      return;
  }
}

/** Forgets an accepted card (or remote start) whose vehicle did not come in time. */
function lapsePendingAuth(s: StationState, nowMs: number): void {
  const p = s.pendingAuth;
  if (p && nowMs >= p.atMs + s.config.connectionTimeoutS * 1000) s.pendingAuth = null;
}

/** Consequences every step re-checks: forced stops, timeouts, currents, hardware, status. */
function settle(s: StationState, nowMs: number, effects: CoreEffect[]): void {
  for (const c of s.connectors) {
    if (!c.session) continue;
    const faults = faultsOf(c, s.stationFaults).filter((f) =>
      faultDefinition(f).effect === "Faulted"
    );
    if (c.pilot === "A") stopSession(c, "EVDisconnected", nowMs, effects);
    else if (faults[0]) stopSession(c, faultDefinition(faults[0]).stopReason, nowMs, effects);
  }
  for (const c of s.connectors) {
    if (c.finishing && !c.closing && c.pilot === "A") c.finishing = false;
  }
  lapsePendingAuth(s, nowMs);
  expireReservations(s, nowMs, effects);
  // A vehicle plugged in while its point could not start (fault, inoperative) meets the card
  // that still waits once the point can.
  const waiting = s.pendingAuth;
  const ready = waiting &&
    s.connectors.find((c) =>
      canStart(c, s) && (waiting.connectorId ?? c.id) === c.id &&
      reservationFor(s, c, waiting) !== undefined
    );
  if (waiting && ready) startSession(s, ready, waiting, nowMs, effects);

  const offered = allocate(
    s.connectors.map((c, i) => ({
      connectorId: c.id,
      active: c.session !== null,
      startedAtMs: c.session?.startedAtMs ?? 0,
      capMa: Math.min(s.config.hardwareMaxCurrentMa[i] ?? 0, ...Object.values(c.limits)),
    })),
    Math.min(s.config.stationMaxCurrentMa, ...Object.values(s.stationLimits)),
  );
  // Lower currents go out before raised ones: the station never exceeds its limit between.
  const changes = s.connectors.filter((c) => (offered.get(c.id) ?? 0) !== c.offeredMa)
    .map((c) => ({ c, currentMa: offered.get(c.id) ?? 0 }))
    .sort((a, b) => (a.currentMa - a.c.offeredMa) - (b.currentMa - b.c.offeredMa));
  for (const { c, currentMa } of changes) {
    c.offeredMa = currentMa;
    effects.push({ type: "setOfferedCurrent", connectorId: c.id, currentMa });
  }
  for (const c of s.connectors) {
    const currentMa = c.offeredMa;
    const closed = c.session !== null && c.pilot === "C" && currentMa >= MIN_CURRENT_MA;
    if (closed !== c.contactorClosed) {
      c.contactorClosed = closed;
      effects.push({ type: "setContactor", connectorId: c.id, closed });
    }
    const locked = c.session !== null;
    if (locked !== c.locked) {
      c.locked = locked;
      effects.push({ type: "setLock", connectorId: c.id, locked });
    }
  }
  for (const c of s.connectors) {
    const d = connectorStatus(s, c, nowMs);
    if (
      d.status !== c.status || d.errorCode !== c.errorCode ||
      d.vendorErrorCode !== c.vendorErrorCode
    ) {
      c.status = d.status;
      c.errorCode = d.errorCode;
      if (d.vendorErrorCode) c.vendorErrorCode = d.vendorErrorCode;
      else delete c.vendorErrorCode;
      c.statusSinceMs = nowMs;
      effects.push({ type: "status", connectorId: c.id, ...d, atMs: nowMs });
    }
  }
  const st = stationStatus(s);
  if (
    st.status !== s.station.status || st.errorCode !== s.station.errorCode ||
    st.vendorErrorCode !== s.station.vendorErrorCode
  ) {
    s.station = { ...st, statusSinceMs: nowMs };
    effects.push({ type: "status", connectorId: 0, ...st, atMs: nowMs });
  }
}

const RANK: Record<CoreEffect["type"], (e: CoreEffect) => number> = {
  authorize: () => 0,
  authorizationRefused: () => 0,
  reservationEnded: () => 1,
  sessionStopped: () => 1,
  sessionStarted: () => 1,
  // Safe order: lock before offering, stop current before opening, open before unlocking.
  setLock: (e) => (e as { locked: boolean }).locked ? 2 : 6,
  setContactor: (e) => (e as { closed: boolean }).closed ? 5 : 3,
  setOfferedCurrent: () => 4,
  status: () => 7,
};

function ordered(effects: CoreEffect[]): CoreEffect[] {
  return effects.map((e, i) => ({ e, i, r: RANK[e.type](e) }))
    .sort((a, b) => a.r - b.r || a.i - b.i).map((x) => x.e);
}
