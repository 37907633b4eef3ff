import assert from "node:assert/strict";
import { initialState } from "./state.ts";
import { step } from "./step.ts";
import {
  accepted,
  card,
  chargingSteps,
  draw,
  limit,
  ONE_POINT,
  plug,
  runScenario,
  type Scenario,
  tick,
  TWO_POINTS,
  unplug,
} from "./testing.ts";

const SCENARIOS: Scenario[] = [
  {
    name: "the vehicle back at B during a session: SuspendedEV, contactor open; at C: Charging",
    steps: [
      ...chargingSteps(1, "A", 1000),
      {
        atMs: 5000,
        event: plug(1),
        expect: { effects: ["contactor 1 open", "status 1 SuspendedEV"], offeredMa: { 1: 32_000 } },
      },
      {
        atMs: 6000,
        event: draw(1),
        expect: { effects: ["contactor 1 closed", "status 1 Charging"] },
      },
    ],
  },
  {
    name: "a vehicle that never draws is Preparing for 10 s after the start, then SuspendedEV",
    steps: [
      { atMs: 1000, event: plug(1) },
      { atMs: 2000, event: accepted("A") },
      { atMs: 11_999, event: tick, expect: { effects: [], status: { 1: "Preparing" } } },
      { atMs: 12_000, event: tick, expect: { effects: ["status 1 SuspendedEV"] } },
      { atMs: 13_000, event: draw(1), expect: { status: { 1: "Charging" } } },
    ],
  },
  {
    name: "a limit below 6 A pauses the session (SuspendedEVSE); removing it resumes",
    steps: [
      ...chargingSteps(1, "A", 1000),
      {
        atMs: 5000,
        event: limit(1, 5999),
        expect: { effects: ["contactor 1 open", "offered 1 0", "status 1 SuspendedEVSE"] },
      },
      {
        atMs: 6000,
        event: limit(1, undefined),
        expect: { effects: ["offered 1 32000", "contactor 1 closed", "status 1 Charging"] },
      },
    ],
  },
  {
    name: "a limit of exactly 6 A lowers the offered current and the vehicle charges on",
    steps: [
      ...chargingSteps(1, "A", 1000),
      { atMs: 5000, event: limit(1, 6000), expect: { effects: ["offered 1 6000"] } },
    ],
  },
  {
    name: "the smallest of the limits of every source applies",
    steps: [
      ...chargingSteps(1, "A", 1000),
      { atMs: 5000, event: limit(1, 16_000, "ocpp"), expect: { effects: ["offered 1 16000"] } },
      { atMs: 5100, event: limit(1, 10_000, "modbus"), expect: { effects: ["offered 1 10000"] } },
      { atMs: 5200, event: limit(1, 20_000, "cluster"), expect: { effects: [] } },
      {
        atMs: 5300,
        event: limit(1, undefined, "modbus"),
        expect: { effects: ["offered 1 16000"] },
      },
      { atMs: 5400, event: limit(1, undefined, "ocpp"), expect: { effects: ["offered 1 20000"] } },
      { atMs: 5500, event: limit(9, 1000), expect: { effects: [] } },
    ],
  },
  {
    name: "a session started under a 5 A limit is SuspendedEVSE, the contactor stays open",
    steps: [
      { atMs: 500, event: limit(1, 5000), expect: { effects: [] } },
      { atMs: 1000, event: plug(1) },
      {
        atMs: 2000,
        event: accepted("A"),
        expect: { effects: ["started 1 A", "lock 1 on", "status 1 SuspendedEVSE"] },
      },
      { atMs: 3000, event: draw(1), expect: { effects: [], status: { 1: "SuspendedEVSE" } } },
    ],
  },
  {
    name:
      "effects in safe order: lock, current, contactor at start; contactor, current, unlock at stop",
    steps: [
      { atMs: 1000, event: draw(1), expect: { effects: ["status 1 Preparing"] } },
      { atMs: 2000, event: card("A"), expect: { effects: ["authorize A"] } },
      {
        atMs: 3000,
        event: accepted("A"),
        expect: {
          effects: [
            "started 1 A",
            "lock 1 on",
            "offered 1 32000",
            "contactor 1 closed",
            "status 1 Charging",
          ],
        },
      },
      {
        atMs: 9000,
        event: card("A"),
        expect: {
          effects: [
            "stopped 1 Local 0Wh by A",
            "contactor 1 open",
            "offered 1 0",
            "lock 1 off",
            "status 1 Finishing",
          ],
        },
      },
    ],
  },
  {
    name: "a second session halves the current of both; the first ending gives it all back",
    config: TWO_POINTS,
    steps: [
      ...chargingSteps(1, "A", 1000),
      { atMs: 2000, event: plug(2) },
      { atMs: 2100, event: card("B"), expect: { effects: ["authorize B"] } },
      {
        atMs: 2200,
        event: accepted("B"),
        expect: {
          effects: ["started 2 B", "lock 2 on", "offered 1 16000", "offered 2 16000"],
          status: { 1: "Charging", 2: "Preparing" },
        },
      },
      {
        atMs: 2300,
        event: draw(2),
        expect: { effects: ["contactor 2 closed", "status 2 Charging"] },
      },
      {
        atMs: 9000,
        event: unplug(1),
        expect: {
          effects: [
            "stopped 1 EVDisconnected 0Wh",
            "contactor 1 open",
            "offered 1 0",
            "offered 2 32000",
            "lock 1 off",
            "status 1 Finishing",
          ],
        },
      },
    ],
  },
  {
    name: "a 10 A station limit with two sessions pauses the later one until the first ends",
    config: { ...TWO_POINTS, stationMaxCurrentMa: 10_000 },
    steps: [
      ...chargingSteps(1, "A", 1000),
      { atMs: 2000, event: plug(2) },
      {
        atMs: 2100,
        event: accepted("B"),
        expect: {
          effects: ["started 2 B", "lock 2 on", "status 2 SuspendedEVSE"],
          offeredMa: { 1: 10_000, 2: 0 },
        },
      },
      { atMs: 2200, event: draw(2), expect: { effects: [], status: { 2: "SuspendedEVSE" } } },
      {
        atMs: 9000,
        event: card("A"),
        expect: {
          effects: [
            "stopped 1 Local 0Wh by A",
            "contactor 1 open",
            "offered 1 0",
            "offered 2 10000",
            "contactor 2 closed",
            "lock 1 off",
            "status 1 Finishing",
            "status 2 Charging",
          ],
        },
      },
    ],
  },
  {
    name: "a point capped below its share leaves the rest to the other",
    config: { ...TWO_POINTS, hardwareMaxCurrentMa: [10_000, 32_000] },
    steps: [
      ...chargingSteps(1, "A", 1000),
      ...chargingSteps(2, "B", 2000),
      { atMs: 3000, event: tick, expect: { offeredMa: { 1: 10_000, 2: 22_000 } } },
    ],
  },
  {
    name: "63 A for two points: one session gets its 32 A hardware maximum, two get 31.5 A",
    config: { ...TWO_POINTS, stationMaxCurrentMa: 63_000 },
    steps: [
      ...chargingSteps(1, "A", 1000),
      { atMs: 1500, event: tick, expect: { offeredMa: { 1: 32_000, 2: 0 } } },
      ...chargingSteps(2, "B", 2000),
      { atMs: 3000, event: tick, expect: { offeredMa: { 1: 31_500, 2: 31_500 } } },
    ],
  },
  {
    name: "one point alone gets the whole lower station limit",
    config: { ...ONE_POINT, stationMaxCurrentMa: 20_000 },
    steps: [...chargingSteps(1, "A", 1000), {
      atMs: 2000,
      event: tick,
      expect: { offeredMa: { 1: 20_000 } },
    }],
  },
];

for (const scenario of SCENARIOS) {
  Deno.test(`step(): ${scenario.name}`, () => {
    runScenario(scenario);
  });
}

/** Two points, a session on each, under a station limit of `stationMaxCurrentMa`. */
function twoSessions(stationMaxCurrentMa: number) {
  const config = {
    stationMaxCurrentMa,
    hardwareMaxCurrentMa: [32_000, 32_000],
    connectionTimeoutS: 60,
    identification: "validCard" as const,
    dummyIdTag: "FREE",
    dummyAllowStop: false,
  };
  let s = step(initialState(config, { nowMs: 0 }), { type: "tick" }, 0).state;
  for (const id of [1, 2]) {
    s = step(s, { type: "pilot", connectorId: id, pilot: "B" }, id).state;
    s = step(s, { type: "remoteStart", connectorId: id, idTag: `T${id}` }, 10 + id).state;
  }
  return s;
}

Deno.test("step() lowers one point's current before it raises another's", () => {
  const s = twoSessions(20_000);
  assert.deepEqual(s.connectors.map((c) => c.offeredMa), [10_000, 10_000]);
  // Point 2's limit drops to 8 A: point 2 goes down to 8 A first, then point 1 up to 12 A.
  const { effects } = step(s, {
    type: "limit",
    source: "modbus",
    connectorId: 2,
    limitMa: 8_000,
  }, 20);
  const offers = effects.filter((e) => e.type === "setOfferedCurrent");
  assert.deepEqual(offers.map((e) => [e.connectorId, e.currentMa]), [[2, 8_000], [1, 12_000]]);
});

Deno.test("step() caps the whole station with a connector-0 limit, shared like level 1", () => {
  let s = twoSessions(63_000);
  s = step(s, { type: "limit", source: "ocpp", connectorId: 0, limitMa: 20_000 }, 20).state;
  assert.deepEqual(s.connectors.map((c) => c.offeredMa), [10_000, 10_000]);
  s = step(s, { type: "limit", source: "ocpp", connectorId: 0, limitMa: undefined }, 21).state;
  assert.deepEqual(s.connectors.map((c) => c.offeredMa), [31_500, 31_500]);
});
