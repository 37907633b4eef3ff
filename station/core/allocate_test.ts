import assert from "node:assert/strict";
import { allocate, type Demand, MIN_CURRENT_MA } from "./allocate.ts";

/** An active session on a point: started at `startedAtMs`, capped at `capMa`. */
function session(connectorId: number, startedAtMs: number, capMa = 32_000): Demand {
  return { connectorId, active: true, startedAtMs, capMa };
}

/** A point without a session. */
function idle(connectorId: number, capMa = 32_000): Demand {
  return { connectorId, active: false, startedAtMs: 0, capMa };
}

/** Name, demands, station limit in mA, mA per connector id. */
const CASES: [string, Demand[], number, Record<number, number>][] = [
  ["one session gets the whole 32 A station", [session(1, 0)], 32_000, { 1: 32_000 }],
  [
    "one session of two points gets its 32 A hardware cap of 63 A",
    [session(1, 0), idle(2)],
    63_000,
    {
      1: 32_000,
      2: 0,
    },
  ],
  ["two sessions share 63 A equally", [session(1, 0), session(2, 5)], 63_000, {
    1: 31_500,
    2: 31_500,
  }],
  ["two sessions share 32 A equally", [session(1, 0), session(2, 5)], 32_000, {
    1: 16_000,
    2: 16_000,
  }],
  ["one session gets a lower station limit", [session(1, 0)], 10_000, { 1: 10_000 }],
  [
    "a 10 A station limit with two sessions pauses the later one",
    [session(1, 0), session(2, 5)],
    10_000,
    {
      1: 10_000,
      2: 0,
    },
  ],
  ["12 A is just enough for two sessions of 6 A", [session(1, 0), session(2, 5)], 12_000, {
    1: 6_000,
    2: 6_000,
  }],
  ["11.999 A is not: the later session pauses", [session(1, 0), session(2, 5)], 11_999, {
    1: 11_999,
    2: 0,
  }],
  ["a session alone below 6 A pauses", [session(1, 0)], 5_999, { 1: 0 }],
  [
    "a point capped below its share gives the rest to the other",
    [
      session(1, 0, 10_000),
      session(2, 5),
    ],
    32_000,
    { 1: 10_000, 2: 22_000 },
  ],
  [
    "the rest given to the other stays within its own cap",
    [
      session(1, 0, 16_000),
      session(2, 5, 32_000),
    ],
    63_000,
    { 1: 16_000, 2: 32_000 },
  ],
  [
    "a cap below 6 A pauses only that point, the other gets it all",
    [
      session(1, 0),
      session(2, 5, 5_999),
    ],
    32_000,
    { 1: 32_000, 2: 0 },
  ],
  [
    "a cap below 6 A on the earlier session pauses it, not the later",
    [
      session(1, 0, 3_000),
      session(2, 5),
    ],
    10_000,
    { 1: 0, 2: 10_000 },
  ],
  [
    "the earlier session keeps its current whatever its connector id",
    [
      session(1, 500),
      session(2, 100),
    ],
    10_000,
    { 1: 0, 2: 10_000 },
  ],
  [
    "with equal start times the lower connector id keeps its current",
    [
      session(2, 100),
      session(1, 100),
    ],
    10_000,
    { 1: 10_000, 2: 0 },
  ],
  [
    "three sessions on 16 A: the third pauses, two share",
    [
      session(1, 0),
      session(2, 1),
      session(3, 2),
    ],
    16_000,
    { 1: 8_000, 2: 8_000, 3: 0 },
  ],
  [
    "points without a session get nothing and take nothing",
    [idle(1), session(2, 0), idle(3)],
    32_000,
    {
      1: 0,
      2: 32_000,
      3: 0,
    },
  ],
  ["no session, nothing offered", [idle(1), idle(2)], 63_000, { 1: 0, 2: 0 }],
  ["no points, an empty allocation", [], 63_000, {}],
];

for (const [name, demands, stationMaxMa, expected] of CASES) {
  Deno.test(`allocate(): ${name}`, () => {
    const result = allocate(demands, stationMaxMa);
    assert.deepEqual(Object.fromEntries(result), expected);
  });
}

Deno.test("allocate() never offers more than the station limit nor a share between 0 and 6 A", () => {
  for (let stationMaxMa = 0; stationMaxMa <= 70_000; stationMaxMa += 997) {
    for (const caps of [[32_000, 32_000], [7_000, 32_000], [5_000, 20_000, 32_000]]) {
      const demands = caps.map((capMa, i) => session(i + 1, i, capMa));
      const result = allocate(demands, stationMaxMa);
      const total = [...result.values()].reduce((a, b) => a + b, 0);
      assert.ok(total <= stationMaxMa, `${stationMaxMa}: ${total}`);
      demands.forEach((d) => {
        const ma = result.get(d.connectorId) ?? -1;
        assert.ok(ma === 0 || (ma >= MIN_CURRENT_MA && ma <= d.capMa), `${stationMaxMa}: ${ma}`);
      });
    }
  }
});

Deno.test("allocate() does not reorder or change its input", () => {
  const demands = [session(2, 100), session(1, 100)];
  const before = structuredClone(demands);
  allocate(demands, 10_000);
  assert.deepEqual(demands, before);
});
