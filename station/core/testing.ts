/**
 * Scenario runner for tests of the station core: a scenario is a list of (event, nowMs) steps
 * with expectations after chosen steps. Effects are compared as short readable lines.
 * @module
 */
import assert from "node:assert/strict";
import type { AuthResult, AuthSource, PilotState, StopReason } from "../types.ts";
import type { CoreEffect, CoreEvent } from "./events.ts";
import {
  type CoreConfig,
  initialState,
  type LimitSource,
  type PendingAuth,
  type Session,
  type StationState,
} from "./state.ts";
import { step } from "./step.ts";

/** One charge point, 32 A, whitelist cards, a minute for the vehicle. */
export const ONE_POINT: CoreConfig = {
  stationMaxCurrentMa: 32_000,
  hardwareMaxCurrentMa: [32_000],
  connectionTimeoutS: 60,
  identification: "validCard",
  dummyIdTag: "FREE",
  dummyAllowStop: false,
};

/** Two charge points of 32 A behind a 32 A station limit. */
export const TWO_POINTS: CoreConfig = { ...ONE_POINT, hardwareMaxCurrentMa: [32_000, 32_000] };

/** What must hold after a step. Connector id 0 is the station. */
export interface Expectation {
  /** Status per connector id, with the error code when it is not NoError: "Faulted GroundFailure". */
  status?: Record<number, string>;
  /** Every effect of the step, in order, as {@linkcode describeEffect} writes them. */
  effects?: string[];
  /**
   * The effects of the kinds and connectors named here (`status 1`), in order; effects of
   * other kinds or connectors are ignored.
   */
  some?: string[];
  /** Kinds of effect the step must not produce. */
  none?: string[];
  /** Fields of the session per connector id; null = no session. */
  session?: Record<number, Partial<Session> | null>;
  /** Fields of the pending authorization; null = none. */
  pending?: Partial<PendingAuth> | null;
  /** Offered current per connector id, in mA. */
  offeredMa?: Record<number, number>;
}

/** One event at one time, and what must hold afterwards. */
export interface ScenarioStep {
  atMs: number;
  event: CoreEvent;
  expect?: Expectation;
}

/** A named list of steps from a station that just started (first tick at 0 ms). */
export interface Scenario {
  name: string;
  config?: CoreConfig;
  steps: ScenarioStep[];
}

const KIND: Record<CoreEffect["type"], string> = {
  authorize: "authorize",
  authorizationRefused: "refused",
  sessionStarted: "started",
  sessionStopped: "stopped",
  reservationEnded: "reservation",
  setOfferedCurrent: "offered",
  setContactor: "contactor",
  setLock: "lock",
  status: "status",
};

/**
 * One effect as a line: `authorize A`, `authorize FREE 1`, `refused A Blocked`, `started 1 A`,
 * `stopped 1 Local 1500Wh by A`, `offered 1 16000`, `contactor 1 closed`, `lock 1 on`,
 * `status 1 Faulted GroundFailure`.
 */
export function describeEffect(e: CoreEffect): string {
  const k = KIND[e.type];
  switch (e.type) {
    case "authorize":
      return [k, e.idTag, e.connectorId].filter((x) => x !== undefined).join(" ");
    case "authorizationRefused":
      return `${k} ${e.idTag} ${e.result.status}`;
    case "sessionStarted":
      return `${k} ${e.connectorId} ${e.session.idTag}`;
    case "sessionStopped":
      return `${k} ${e.connectorId} ${e.reason} ${e.meterStopWh}Wh` +
        (e.stopIdTag ? ` by ${e.stopIdTag}` : "");
    case "reservationEnded":
      return `${k} ${e.reservationId} ${e.reason}`;
    case "setOfferedCurrent":
      return `${k} ${e.connectorId} ${e.currentMa}`;
    case "setContactor":
      return `${k} ${e.connectorId} ${e.closed ? "closed" : "open"}`;
    case "setLock":
      return `${k} ${e.connectorId} ${e.locked ? "on" : "off"}`;
    case "status":
      return `${k} ${e.connectorId} ${statusLine(e)}`;
  }
}

function statusLine(s: { status: string; errorCode: string; vendorErrorCode?: string }): string {
  return [s.status, s.errorCode === "NoError" ? undefined : s.errorCode, s.vendorErrorCode]
    .filter((x) => x !== undefined).join(" ");
}

/** The status lines of the station (0) and each charge point, as `status` expects them. */
export function statusOf(state: StationState): Record<number, string> {
  return Object.fromEntries([
    [0, statusLine(state.station)],
    ...state.connectors.map((c) => [c.id, statusLine(c)]),
  ]);
}

/** A station after its first tick at 0 ms: every point Available. */
export function started(config: CoreConfig = ONE_POINT): StationState {
  return step(initialState(config, { nowMs: 0 }), { type: "tick" }, 0).state;
}

/**
 * Runs a scenario: checks every expectation and, at every step, that `step` leaves its input
 * untouched. Returns the final state.
 */
export function runScenario(scenario: Scenario): StationState {
  let state = started(scenario.config);
  scenario.steps.forEach((s, i) => {
    const before = structuredClone(state);
    const result = step(state, s.event, s.atMs);
    const where = `${scenario.name}, step ${i} (${s.event.type} at ${s.atMs} ms)`;
    assert.deepEqual(state, before, `${where}: the input state was mutated`);
    state = result.state;
    if (s.expect) check(state, result.effects.map(describeEffect), s.expect, where);
  });
  return state;
}

/** Kind of an effect line, with the connector id where the line has one. */
function key(line: string): string {
  const [kind, id] = line.split(" ");
  return kind === "authorize" || kind === "refused" ? kind : `${kind} ${id}`;
}

function check(state: StationState, lines: string[], e: Expectation, where: string): void {
  const kind = (line: string) => line.split(" ")[0];
  if (e.status) {
    const actual = statusOf(state);
    for (const [id, line] of Object.entries(e.status)) {
      assert.equal(actual[Number(id)], line, `${where}: status of ${id}`);
    }
  }
  if (e.effects) assert.deepEqual(lines, e.effects, `${where}: effects`);
  if (e.some) {
    const keys = new Set(e.some.map(key));
    assert.deepEqual(lines.filter((l) => keys.has(key(l))), e.some, `${where}: effects`);
  }
  for (const k of e.none ?? []) {
    assert.deepEqual(lines.filter((l) => kind(l) === k), [], `${where}: no ${k} effect`);
  }
  for (const [id, fields] of Object.entries(e.session ?? {})) {
    const session = state.connectors.find((c) => c.id === Number(id))?.session ?? null;
    if (fields === null) assert.equal(session, null, `${where}: no session on ${id}`);
    else {
      assert.ok(session, `${where}: a session on ${id}`);
      assert.deepEqual(pick(session, fields), fields, `${where}: session on ${id}`);
    }
  }
  if (e.pending === null) assert.equal(state.pendingAuth, null, `${where}: no pending card`);
  else if (e.pending) {
    assert.ok(state.pendingAuth, `${where}: a pending card`);
    assert.deepEqual(pick(state.pendingAuth, e.pending), e.pending, `${where}: pending card`);
  }
  for (const [id, ma] of Object.entries(e.offeredMa ?? {})) {
    const c = state.connectors.find((c) => c.id === Number(id));
    assert.equal(c?.offeredMa, ma, `${where}: offered current of ${id}`);
  }
}

function pick<T extends object>(value: T, like: Partial<T>): Partial<T> {
  return Object.fromEntries(
    Object.keys(like).map((k) => [k, (value as Record<string, unknown>)[k]]),
  ) as Partial<T>;
}

// Events, named as a person at the station would say them.

/** The pilot of a charge point changes. */
export function pilot(connectorId: number, state: PilotState): CoreEvent {
  return { type: "pilot", connectorId, pilot: state };
}
/** A vehicle is plugged in (pilot B). */
export const plug = (connectorId: number): CoreEvent => pilot(connectorId, "B");
/** The vehicle draws (pilot C). */
export const draw = (connectorId: number): CoreEvent => pilot(connectorId, "C");
/** The vehicle is unplugged (pilot A). */
export const unplug = (connectorId: number): CoreEvent => pilot(connectorId, "A");
/** A card at the reader. */
export const card = (idTag: string): CoreEvent => ({ type: "token", idTag });
/** The authorizer accepts an id. */
export function accepted(
  idTag: string,
  options: { source?: AuthSource; parentIdTag?: string; connectorId?: number } = {},
): CoreEvent {
  const { source = "whitelist", parentIdTag, connectorId } = options;
  const result: AuthResult = {
    status: "Accepted",
    source,
    ...(parentIdTag ? { parentIdTag } : {}),
  };
  return { type: "authorized", idTag, result, ...(connectorId ? { connectorId } : {}) };
}
/** The authorizer refuses an id. */
export function refused(
  idTag: string,
  status: "Blocked" | "Expired" | "Invalid" | "ConcurrentTx",
): CoreEvent {
  return { type: "authorized", idTag, result: { status, source: "whitelist" } };
}
/** A remote start on one charge point. */
export const remoteStart = (connectorId: number, idTag: string): CoreEvent => ({
  type: "remoteStart",
  connectorId,
  idTag,
});
/** A stop from outside with its OCPP reason. */
export const remoteStop = (connectorId: number, reason: StopReason): CoreEvent => ({
  type: "remoteStop",
  connectorId,
  reason,
});
/** The runtime has stored the stop of a session. */
export const closed = (connectorId: number): CoreEvent => ({ type: "sessionClosed", connectorId });
/** A fault is raised (connector 0 = station). */
export const raise = (code: string, connectorId: number): CoreEvent => ({
  type: "fault",
  code,
  connectorId,
  active: true,
});
/** A fault is cleared. */
export const clear = (code: string, connectorId: number): CoreEvent => ({
  type: "fault",
  code,
  connectorId,
  active: false,
});
/** ChangeAvailability. */
export const availability = (connectorId: number, operative: boolean): CoreEvent => ({
  type: "availability",
  connectorId,
  operative,
});
/** An external limit in mA; undefined removes it. */
export function limit(
  connectorId: number,
  limitMa: number | undefined,
  source: LimitSource = "ocpp",
): CoreEvent {
  return { type: "limit", source, connectorId, limitMa };
}
/** A meter reading. */
export const meter = (connectorId: number, energyWh: number, powerW = 0): CoreEvent => ({
  type: "meter",
  connectorId,
  energyWh,
  powerW,
});
/** Time passes. */
export const tick: CoreEvent = { type: "tick" };

/**
 * Steps that leave a session of `idTag` charging on a point: plug at `atMs`, card, accepted,
 * vehicle draws (at `atMs` + 3).
 */
export function chargingSteps(connectorId: number, idTag: string, atMs: number): ScenarioStep[] {
  return [
    { atMs, event: plug(connectorId) },
    { atMs: atMs + 1, event: card(idTag) },
    { atMs: atMs + 2, event: accepted(idTag) },
    {
      atMs: atMs + 3,
      event: draw(connectorId),
      expect: { status: { [connectorId]: "Charging" }, session: { [connectorId]: { idTag } } },
    },
  ];
}
