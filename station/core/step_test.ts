import assert from "node:assert/strict";
import type { StopReason } from "../types.ts";
import type { CoreEvent } from "./events.ts";
import { initialState } from "./state.ts";
import { step } from "./step.ts";
import {
  accepted,
  card,
  chargingSteps,
  closed,
  draw,
  limit,
  meter,
  ONE_POINT,
  plug,
  raise,
  refused,
  remoteStart,
  remoteStop,
  runScenario,
  type Scenario,
  started,
  statusOf,
  tick,
  TWO_POINTS,
  unplug,
} from "./testing.ts";

const START_AND_STOP: Scenario[] = [
  {
    name: "plug, then card: Preparing, authorize, session, Charging when the vehicle draws",
    steps: [
      { atMs: 1000, event: plug(1), expect: { effects: ["status 1 Preparing"] } },
      { atMs: 2000, event: card("A"), expect: { effects: ["authorize A"] } },
      {
        atMs: 2500,
        event: accepted("A"),
        expect: {
          effects: ["started 1 A", "lock 1 on", "offered 1 32000"],
          status: { 1: "Preparing" },
          session: {
            1: { idTag: "A", authSource: "whitelist", startedAtMs: 2500, evCharged: false },
          },
        },
      },
      {
        atMs: 3000,
        event: draw(1),
        expect: {
          effects: ["contactor 1 closed", "status 1 Charging"],
          session: { 1: { evCharged: true } },
        },
      },
    ],
  },
  {
    name:
      "card, then plug within connectionTimeoutS: Preparing while the card waits, then a session",
    steps: [
      { atMs: 1000, event: card("A"), expect: { effects: ["authorize A"] } },
      {
        atMs: 1100,
        event: accepted("A", { parentIdTag: "G1" }),
        expect: {
          effects: ["status 1 Preparing"],
          pending: { idTag: "A", atMs: 1100, parentIdTag: "G1" },
          session: { 1: null },
        },
      },
      {
        atMs: 30_000,
        event: plug(1),
        expect: {
          effects: ["started 1 A", "lock 1 on", "offered 1 32000"],
          pending: null,
          session: { 1: { idTag: "A", parentIdTag: "G1", startedAtMs: 30_000 } },
        },
      },
      { atMs: 31_000, event: draw(1), expect: { status: { 1: "Charging" } } },
    ],
  },
  {
    name: "an accepted card still waits 1 ms before connectionTimeoutS",
    steps: [
      { atMs: 1000, event: accepted("A") },
      {
        atMs: 60_999,
        event: tick,
        expect: { effects: [], status: { 1: "Preparing" }, pending: { idTag: "A" } },
      },
      { atMs: 60_999, event: plug(1), expect: { some: ["started 1 A"] } },
    ],
  },
  {
    name: "an accepted card lapses exactly at connectionTimeoutS: Available again",
    steps: [
      { atMs: 1000, event: accepted("A") },
      {
        atMs: 61_000,
        event: tick,
        expect: { effects: ["status 1 Available"], pending: null },
      },
    ],
  },
  {
    name: "a vehicle plugged in exactly at connectionTimeoutS finds the card lapsed",
    steps: [
      { atMs: 1000, event: accepted("A") },
      {
        atMs: 61_000,
        event: plug(1),
        expect: { none: ["started"], session: { 1: null }, pending: null },
      },
    ],
  },
  {
    name: "the lapsed card at the reader exactly at connectionTimeoutS is authorized anew",
    steps: [
      { atMs: 1000, event: accepted("A") },
      {
        atMs: 61_000,
        event: card("A"),
        expect: { effects: ["authorize A", "status 1 Available"] },
      },
    ],
  },
  {
    name: "the waiting card at the reader again asks nothing and keeps its time",
    steps: [
      { atMs: 1000, event: accepted("A") },
      { atMs: 5000, event: card("a"), expect: { effects: [], pending: { atMs: 1000 } } },
    ],
  },
  {
    name:
      "unplugging stops with EVDisconnected; Finishing until the stop is stored, then Available",
    steps: [
      ...chargingSteps(1, "A", 1000),
      {
        atMs: 9000,
        event: unplug(1),
        expect: {
          effects: [
            "stopped 1 EVDisconnected 0Wh",
            "contactor 1 open",
            "offered 1 0",
            "lock 1 off",
            "status 1 Finishing",
          ],
          session: { 1: null },
        },
      },
      { atMs: 9001, event: closed(1), expect: { effects: ["status 1 Available"] } },
    ],
  },
  {
    name: "the same card again stops with Local, without authorizing, and any case of it does",
    steps: [
      ...chargingSteps(1, "a1b2", 1000),
      {
        atMs: 9000,
        event: card("A1B2"),
        expect: {
          effects: [
            "stopped 1 Local 0Wh by A1B2",
            "contactor 1 open",
            "offered 1 0",
            "lock 1 off",
            "status 1 Finishing",
          ],
        },
      },
      { atMs: 9001, event: closed(1), expect: { effects: [], status: { 1: "Finishing" } } },
      { atMs: 9500, event: card("A1B2"), expect: { effects: ["authorize A1B2"] } },
      {
        atMs: 9600,
        event: accepted("A1B2"),
        expect: { none: ["started"], status: { 1: "Finishing" } },
      },
      { atMs: 20_000, event: unplug(1), expect: { effects: ["status 1 Available"] } },
    ],
  },
  {
    name: "a stop of the vehicle's session shows Finishing until both unplug and stored stop",
    steps: [
      ...chargingSteps(1, "A", 1000),
      { atMs: 9000, event: remoteStop(1, "Remote") },
      { atMs: 9100, event: unplug(1), expect: { effects: [], status: { 1: "Finishing" } } },
      { atMs: 9200, event: closed(1), expect: { effects: ["status 1 Available"] } },
    ],
  },
  ...(["Remote", "SoftReset", "HardReset", "UnlockCommand", "DeAuthorized"] as StopReason[]).map(
    (reason): Scenario => ({
      name: `remoteStop with ${reason} stops with ${reason}; Finishing until unplugged`,
      steps: [
        ...chargingSteps(1, "A", 1000),
        {
          atMs: 9000,
          event: remoteStop(1, reason),
          expect: {
            effects: [
              `stopped 1 ${reason} 0Wh`,
              "contactor 1 open",
              "offered 1 0",
              "lock 1 off",
              "status 1 Finishing",
            ],
          },
        },
        { atMs: 9001, event: closed(1) },
        { atMs: 9500, event: unplug(1), expect: { effects: ["status 1 Available"] } },
      ],
    }),
  ),
  {
    name: "remoteStop without a session does nothing",
    steps: [
      { atMs: 1000, event: plug(1) },
      { atMs: 2000, event: remoteStop(1, "Remote"), expect: { effects: [] } },
    ],
  },
  {
    name: "a fault ends the session with the fault's stop reason Other",
    steps: [
      ...chargingSteps(1, "A", 1000),
      {
        atMs: 9000,
        event: raise("GroundFailure", 1),
        expect: {
          effects: [
            "stopped 1 Other 0Wh",
            "contactor 1 open",
            "offered 1 0",
            "lock 1 off",
            "status 1 Faulted GroundFailure",
          ],
        },
      },
    ],
  },
  {
    name: "meter start and stop are the last meter readings before start and stop",
    steps: [
      { atMs: 500, event: meter(1, 1000) },
      { atMs: 1000, event: plug(1) },
      { atMs: 1500, event: meter(1, 1200) },
      { atMs: 2000, event: accepted("A"), expect: { session: { 1: { meterStartWh: 1200 } } } },
      { atMs: 3000, event: draw(1) },
      { atMs: 4000, event: meter(1, 1500, 11_000) },
      {
        atMs: 5000,
        event: meter(1, 4200, 11_000),
        expect: { session: { 1: { meterStartWh: 1200 } } },
      },
      { atMs: 6000, event: unplug(1), expect: { some: ["stopped 1 EVDisconnected 4200Wh"] } },
    ],
  },
];

for (const scenario of START_AND_STOP) {
  Deno.test(`step(): ${scenario.name}`, () => {
    runScenario(scenario);
  });
}

Deno.test("step(): the first tick reports every point and the station Available", () => {
  const { effects, state } = step(initialState(TWO_POINTS, { nowMs: 0 }), tick, 5);
  assert.deepEqual(effects, [
    { type: "status", connectorId: 1, status: "Available", errorCode: "NoError", atMs: 5 },
    { type: "status", connectorId: 2, status: "Available", errorCode: "NoError", atMs: 5 },
    { type: "status", connectorId: 0, status: "Available", errorCode: "NoError", atMs: 5 },
  ]);
  assert.equal(state.connectors[0]?.statusSinceMs, 5);
});

Deno.test("step(): a station started inoperative reports Unavailable with its stored energy", () => {
  const s0 = initialState(ONE_POINT, { nowMs: 0, operative: [false], energyWh: [7000] });
  const { state } = step(s0, tick, 0);
  assert.deepEqual(statusOf(state), { 0: "Unavailable", 1: "Unavailable" });
  assert.equal(state.connectors[0]?.energyWh, 7000);
});

Deno.test("step(): never mutates its input state, whatever the event", () => {
  let s = runScenario({
    name: "a running session and a waiting card",
    config: TWO_POINTS,
    steps: [...chargingSteps(1, "A", 1000), { atMs: 5000, event: accepted("B") }],
  });
  s = step(s, limit(1, 20_000), 5001).state;
  const events: CoreEvent[] = [
    plug(2),
    unplug(1),
    card("A"),
    card("C"),
    accepted("C"),
    refused("C", "Blocked"),
    remoteStart(2, "R"),
    remoteStop(1, "Remote"),
    closed(1),
    raise("UnderVoltage", 0),
    raise("WeakSignal", 0),
    { type: "fault", code: "GroundFailure", connectorId: 1, active: false },
    { type: "availability", connectorId: 0, operative: false },
    limit(1, undefined),
    limit(2, 3000, "modbus"),
    meter(1, 9999),
    { type: "config", config: { stationMaxCurrentMa: 16_000 } },
    tick,
  ];
  for (const event of events) {
    const before = structuredClone(s);
    const { state } = step(s, event, 70_000);
    assert.deepEqual(s, before, event.type);
    assert.notEqual(state, s);
  }
});

Deno.test("step(): session effects carry copies that later steps do not change", () => {
  const s = runScenario({ name: "plugged", steps: [{ atMs: 1000, event: plug(1) }] });
  const { state, effects } = step(s, accepted("A"), 2000);
  const startedEffect = effects.find((e) => e.type === "sessionStarted");
  assert.ok(startedEffect?.type === "sessionStarted");
  const snapshot = structuredClone(startedEffect.session);
  step(state, draw(1), 3000);
  assert.deepEqual(startedEffect.session, snapshot);
});

Deno.test("step(): a config change applies at once: a lower station limit lowers the current", () => {
  const s = runScenario({ name: "charging", steps: chargingSteps(1, "A", 1000) });
  const { effects } = step(s, { type: "config", config: { stationMaxCurrentMa: 16_000 } }, 5000);
  assert.deepEqual(effects, [{ type: "setOfferedCurrent", connectorId: 1, currentMa: 16_000 }]);
  assert.equal(started().config.stationMaxCurrentMa, 32_000);
});
