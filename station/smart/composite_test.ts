import assert from "node:assert/strict";
import {
  type CompositeInput,
  compositeSchedule,
  limitsAt,
  MAX_COMPOSITE_PERIODS,
  MAX_COMPOSITE_S,
  stationCompositeSchedule,
} from "./composite.ts";
import type { ChargingProfile, InstalledProfile, ProfilePurpose } from "./profiles.ts";

/** Tuesday 2026-11-24 08:00 UTC. */
const T0 = Date.parse("2026-11-24T08:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();
const H = 3600;

type Period = [startS: number, limit: number, numberPhases?: number];

interface Options extends Partial<Omit<ChargingProfile, "chargingSchedule">> {
  connectorId?: number;
  sessionId?: number;
  unit?: "A" | "W";
  duration?: number;
  startSchedule?: string;
  minChargingRate?: number;
  /** An Absolute profile without startSchedule. */
  noStart?: boolean;
}

let nextId = 1;

/** An installed profile; Absolute from T0 unless told otherwise. */
function p(
  purpose: ProfilePurpose,
  stackLevel: number,
  periods: Period[],
  o: Options = {},
): InstalledProfile {
  const {
    connectorId,
    sessionId,
    unit,
    duration,
    startSchedule,
    minChargingRate,
    noStart,
    ...rest
  } = o;
  const kind = rest.chargingProfileKind ?? "Absolute";
  return {
    connectorId: connectorId ?? (purpose === "TxProfile" ? 1 : 0),
    ...(sessionId !== undefined ? { sessionId } : {}),
    installedAtMs: T0 - 60_000,
    profile: {
      chargingProfileId: nextId++,
      stackLevel,
      chargingProfilePurpose: purpose,
      chargingProfileKind: kind,
      ...rest,
      chargingSchedule: {
        chargingRateUnit: unit ?? "A",
        chargingSchedulePeriod: periods.map(([startPeriod, limit, numberPhases]) => ({
          startPeriod,
          limit,
          ...(numberPhases !== undefined ? { numberPhases } : {}),
        })),
        ...(duration !== undefined ? { duration } : {}),
        ...(startSchedule !== undefined
          ? { startSchedule }
          : kind === "Absolute" && !noStart
          ? { startSchedule: iso(T0) }
          : {}),
        ...(minChargingRate !== undefined ? { minChargingRate } : {}),
      },
    },
  };
}

const maxP = (periods: Period[], o: Options = {}) => p("ChargePointMaxProfile", 0, periods, o);
const txDefault = (level: number, periods: Period[], o: Options = {}) =>
  p("TxDefaultProfile", level, periods, o);
const tx = (level: number, periods: Period[], o: Options = {}) =>
  p("TxProfile", level, periods, { sessionId: 7, ...o });

interface Case {
  name: string;
  profiles: InstalledProfile[];
  input?: Partial<CompositeInput>;
  expect: Period[];
}

const running = { transaction: { sessionId: 7, startedAtMs: T0 - 600_000 } };

const CASES: Case[] = [
  { name: "no profile at all: the connector's maximum", profiles: [], expect: [[0, 32]] },
  {
    name: "one absolute TxDefaultProfile on connector 0 applies to connector 1",
    profiles: [txDefault(0, [[0, 16], [H, 10]])],
    expect: [[0, 16], [H, 10]],
  },
  {
    name: "a limit above the connector's maximum is capped",
    profiles: [txDefault(0, [[0, 40], [H, 20]])],
    expect: [[0, 32], [H, 20]],
  },
  {
    name: "overlapping stack levels: the higher wins while it has a period",
    profiles: [
      txDefault(0, [[0, 20]]),
      txDefault(1, [[0, 10]], { startSchedule: iso(T0 + 1800_000), duration: 1800 }),
      txDefault(2, [[0, 8]], { startSchedule: iso(T0 + 5400_000), duration: 600 }),
    ],
    expect: [[0, 20], [1800, 10], [H, 20], [5400, 8], [6000, 20]],
    input: { durationS: 2 * H },
  },
  {
    name: "at the same stack level the connector's own profile wins over connector 0's",
    profiles: [txDefault(3, [[0, 20]]), txDefault(3, [[0, 12]], { connectorId: 1 })],
    expect: [[0, 12]],
  },
  {
    name: "a lower stack level on the connector loses to a higher one on connector 0",
    profiles: [txDefault(3, [[0, 20]]), txDefault(2, [[0, 12]], { connectorId: 1 })],
    expect: [[0, 20]],
  },
  {
    name: "another connector's TxDefaultProfile does not apply",
    profiles: [txDefault(0, [[0, 20]]), txDefault(5, [[0, 12]], { connectorId: 2 })],
    expect: [[0, 20]],
  },
  {
    name: "recurring daily across midnight (22:00 to 06:00), from 20:00",
    profiles: [
      txDefault(0, [[0, 16]]),
      txDefault(1, [[0, 10]], {
        chargingProfileKind: "Recurring",
        recurrencyKind: "Daily",
        startSchedule: "2026-11-23T22:00:00Z",
        duration: 8 * H,
      }),
    ],
    input: { nowMs: Date.parse("2026-11-24T20:00:00Z"), durationS: 14 * H },
    expect: [[0, 16], [2 * H, 10], [10 * H, 16]],
  },
  {
    name: "recurring daily: from 01:00 inside the run that began before midnight",
    profiles: [
      txDefault(0, [[0, 16]]),
      txDefault(1, [[0, 10], [4 * H, 6]], {
        chargingProfileKind: "Recurring",
        recurrencyKind: "Daily",
        startSchedule: "2026-11-23T22:00:00Z",
        duration: 8 * H,
      }),
    ],
    input: { nowMs: Date.parse("2026-11-26T01:00:00Z"), durationS: 24 * H },
    expect: [[0, 10], [H, 6], [5 * H, 16], [21 * H, 10]],
  },
  {
    name: "recurring daily without duration: the last period runs until the next day's start",
    profiles: [
      txDefault(0, [[0, 6], [8 * H, 32]], {
        chargingProfileKind: "Recurring",
        recurrencyKind: "Daily",
        startSchedule: "2026-01-01T00:00:00Z",
      }),
    ],
    input: { nowMs: Date.parse("2026-11-24T20:00:00Z"), durationS: 24 * H },
    expect: [[0, 32], [4 * H, 6], [12 * H, 32]],
  },
  {
    name: "recurring weekly across the week boundary (Sunday 22:00 to Monday 02:00)",
    profiles: [
      txDefault(0, [[0, 16]]),
      txDefault(1, [[0, 6]], {
        chargingProfileKind: "Recurring",
        recurrencyKind: "Weekly",
        startSchedule: "2026-11-29T22:00:00Z",
        duration: 4 * H,
      }),
    ],
    input: { nowMs: Date.parse("2026-12-06T21:00:00Z"), durationS: 6 * H },
    expect: [[0, 16], [H, 6], [5 * H, 16]],
  },
  {
    name: "recurring weekly: a week later and before the anchor the same hours are limited",
    profiles: [
      txDefault(0, [[0, 16]], { startSchedule: "2026-01-01T00:00:00Z" }),
      txDefault(1, [[0, 6]], {
        chargingProfileKind: "Recurring",
        recurrencyKind: "Weekly",
        startSchedule: "2026-11-29T22:00:00Z",
        duration: 4 * H,
      }),
    ],
    input: { nowMs: Date.parse("2026-11-22T23:00:00Z"), durationS: 8 * 24 * H },
    expect: [[0, 6], [3 * H, 16], [7 * 24 * H - H, 6], [7 * 24 * H + 3 * H, 16]],
  },
  {
    name: "validity ending mid-period: the lower stack level takes over at validTo",
    profiles: [
      txDefault(0, [[0, 20]]),
      txDefault(1, [[0, 10]], { validTo: iso(T0 + 1000_000) }),
    ],
    expect: [[0, 10], [1000, 20]],
  },
  {
    name: "validity starting mid-period: the profile applies from validFrom",
    profiles: [
      txDefault(0, [[0, 20]]),
      txDefault(1, [[0, 10], [H, 12]], {
        validFrom: iso(T0 + 500_000),
        validTo: iso(T0 + 5000_000),
      }),
    ],
    input: { durationS: 2 * H },
    expect: [[0, 20], [500, 10], [H, 12], [5000, 20]],
  },
  {
    name: "connector 0 limits combined with the connector's: the smaller of both",
    profiles: [
      maxP([[0, 16], [H, 40]]),
      txDefault(0, [[0, 20]]),
      txDefault(0, [[0, 12]], { connectorId: 1, duration: 1800 }),
    ],
    expect: [[0, 12], [1800, 16], [H, 20]],
  },
  {
    name: "connector 0's schedule is the ChargePointMaxProfile, capped by the station",
    profiles: [
      maxP([[0, 16], [H, 70]]),
      txDefault(0, [[0, 10]]),
      tx(0, [[0, 6]]),
    ],
    input: { connectorId: 0, maxCurrentA: 63, ...running },
    expect: [[0, 16], [H, 63]],
  },
  {
    name: "a ChargePointMaxProfile on a connector (not allowed) does not apply",
    profiles: [maxP([[0, 10]], { connectorId: 1 })],
    expect: [[0, 32]],
  },
  {
    name: "duration 0: the schedule sets no limit, the lower stack level applies",
    profiles: [txDefault(0, [[0, 16]]), txDefault(1, [[0, 6]], { duration: 0 })],
    expect: [[0, 16]],
  },
  {
    name: "relative profile before the transaction starts: shown as if it started now",
    profiles: [txDefault(0, [[0, 6], [600, 16]], { chargingProfileKind: "Relative" })],
    expect: [[0, 6], [600, 16]],
  },
  {
    name: "relative profile after the transaction started 300 s ago",
    profiles: [txDefault(0, [[0, 6], [600, 16]], { chargingProfileKind: "Relative" })],
    input: { transaction: { sessionId: 7, startedAtMs: T0 - 300_000 } },
    expect: [[0, 6], [300, 16]],
  },
  {
    name: "relative profile with duration, long after the transaction started",
    profiles: [
      txDefault(0, [[0, 20]]),
      txDefault(1, [[0, 6]], { chargingProfileKind: "Relative", duration: 600 }),
    ],
    input: { transaction: { sessionId: 7, startedAtMs: T0 - 1200_000 } },
    expect: [[0, 20]],
  },
  {
    name: "absolute without startSchedule starts with the transaction (OCPP 1.6)",
    profiles: [txDefault(0, [[0, 6], [900, 16]], { noStart: true })],
    input: { transaction: { sessionId: 7, startedAtMs: T0 - 600_000 } },
    expect: [[0, 6], [300, 16]],
  },
  {
    name: "TxProfile of the running transaction beats a higher TxDefaultProfile",
    profiles: [txDefault(5, [[0, 16]]), tx(0, [[0, 10]])],
    input: running,
    expect: [[0, 10]],
  },
  {
    name: "TxProfile of another session does not apply",
    profiles: [txDefault(5, [[0, 16]]), tx(0, [[0, 10]], { sessionId: 6 })],
    input: running,
    expect: [[0, 16]],
  },
  {
    name: "TxProfile without a transaction does not apply",
    profiles: [txDefault(5, [[0, 16]]), tx(0, [[0, 10]])],
    expect: [[0, 16]],
  },
  {
    name: "TxProfile waiting for its remote start applies to the transaction to come",
    profiles: [txDefault(5, [[0, 16]]), tx(0, [[0, 10]], { sessionId: undefined })],
    input: { transaction: { startedAtMs: T0 } },
    expect: [[0, 10]],
  },
  {
    name: "TxProfile's duration ends: the TxDefaultProfile takes over",
    profiles: [txDefault(0, [[0, 16]]), tx(0, [[0, 10]], { duration: 900 })],
    input: running,
    expect: [[0, 10], [900, 16]],
  },
  {
    name: "W to A with three phases at 230 V (11040 W = 16 A)",
    profiles: [txDefault(0, [[0, 11040], [H, 4140]], { unit: "W" })],
    expect: [[0, 16], [H, 6]],
  },
  {
    name: "W to A on the real phases: a one-phase vehicle gets three times the current",
    profiles: [txDefault(0, [[0, 2300]], { unit: "W" })],
    input: { phases: 1 },
    expect: [[0, 10]],
  },
  {
    name: "W to A with the period's numberPhases when the vehicle's are unknown",
    profiles: [txDefault(0, [[0, 3680, 1]], { unit: "W" })],
    expect: [[0, 16, 1]],
  },
  {
    name: "W to A rounds down to 0.1 A (11000 W = 15.94 A)",
    profiles: [txDefault(0, [[0, 11000]], { unit: "W" })],
    expect: [[0, 15.9]],
  },
  {
    name: "A to W: 16 A on three phases is 11040 W; the maximum too",
    profiles: [txDefault(0, [[0, 16]], { duration: 600 })],
    input: { unit: "W" },
    expect: [[0, 11040], [600, 22080]],
  },
  {
    name: "W in, W out: the same watts",
    profiles: [txDefault(0, [[0, 11000]], { unit: "W" })],
    input: { unit: "W" },
    expect: [[0, 11000]],
  },
  {
    name: "A to W on a one-phase vehicle",
    profiles: [txDefault(0, [[0, 16]])],
    input: { unit: "W", phases: 1 },
    expect: [[0, 3680]],
  },
  {
    name: "minChargingRate: a limit below it pauses",
    profiles: [txDefault(0, [[0, 5], [600, 8]], { minChargingRate: 6 })],
    expect: [[0, 0], [600, 8]],
  },
  {
    name: "equal neighbouring periods merge",
    profiles: [txDefault(0, [[0, 16], [600, 16], [1200, 10]])],
    expect: [[0, 16], [1200, 10]],
  },
  {
    name: "a profile that begins after the window does not show",
    profiles: [txDefault(0, [[0, 10]], { startSchedule: iso(T0 + 5 * H * 1000) })],
    expect: [[0, 32]],
  },
];

for (const c of CASES) {
  Deno.test(`compositeSchedule(): ${c.name}`, () => {
    const input: CompositeInput = {
      profiles: c.profiles,
      connectorId: 1,
      nowMs: T0,
      durationS: 2 * H,
      unit: "A",
      maxCurrentA: 32,
      ...c.input,
    };
    const schedule = compositeSchedule(input);
    const got: Period[] = schedule.periods.map((x) =>
      x.numberPhases !== undefined ? [x.startPeriod, x.limit, x.numberPhases] : [
        x.startPeriod,
        x.limit,
      ]
    );
    assert.deepEqual(got, c.expect);
    assert.equal(schedule.startMs, input.nowMs);
    assert.equal(schedule.durationS, input.durationS);
  });
}

Deno.test("compositeSchedule() starts now; a change within a second shows from the next one", () => {
  const s = compositeSchedule({
    profiles: [txDefault(0, [[0, 10]], { startSchedule: iso(T0 + 1500) })],
    connectorId: 1,
    nowMs: T0 + 400,
    durationS: 10,
    unit: "A",
    maxCurrentA: 32,
  });
  assert.equal(s.startMs, T0 + 400);
  assert.deepEqual(s.periods, [{ startPeriod: 0, limit: 32 }, { startPeriod: 2, limit: 10 }]);
});

Deno.test("limitsAt() keeps the station's limit apart from the connector's", () => {
  const input: CompositeInput = {
    profiles: [maxP([[0, 16]]), txDefault(0, [[0, 20]]), tx(0, [[0, 10]])],
    connectorId: 1,
    nowMs: T0,
    durationS: 0,
    unit: "A",
    maxCurrentA: 32,
    ...running,
  };
  assert.deepEqual(limitsAt(input, T0), { station: { amps: 16 }, connector: { amps: 10 } });
  assert.deepEqual(limitsAt({ ...input, connectorId: 0 }, T0), { station: { amps: 16 } });
  assert.deepEqual(limitsAt({ ...input, profiles: [] }, T0), {});
});

Deno.test("compositeSchedule() of 20 daily profiles asked for 10 years answers 31 days, fast", () => {
  const profiles = Array.from({ length: 20 }, (_, i) =>
    txDefault(i, [[0, 6 + i], [H, 32]], {
      chargingProfileKind: "Recurring",
      recurrencyKind: "Daily",
      startSchedule: iso(T0 + i * 600_000),
      duration: 2 * H,
    }));
  const started = performance.now();
  const s = compositeSchedule({
    profiles,
    connectorId: 1,
    nowMs: T0,
    durationS: 10 * 365 * 24 * H,
    unit: "A",
    maxCurrentA: 32,
  });
  const tookMs = performance.now() - started;
  assert.equal(s.durationS, MAX_COMPOSITE_S);
  const starts = s.periods.map((x) => x.startPeriod);
  assert.deepEqual(starts, [...starts].sort((a, b) => a - b));
  assert.equal(new Set(starts).size, starts.length);
  assert.ok(starts.every((x) => x < MAX_COMPOSITE_S));
  // Every day the same shape: the top level from 11:10 (level 19) for two hours.
  assert.equal(s.periods.filter((x) => x.limit === 25).length, 31);
  // Generous for a slow CI machine; the benchmark prints the real figure.
  assert.ok(tookMs < 2000, `${tookMs} ms`);
});

Deno.test("compositeSchedule() stops at MAX_COMPOSITE_PERIODS; the duration ends where it cut", () => {
  // A period every 10 minutes, alternating: 4464 changes in 31 days.
  const periods: Period[] = Array.from({ length: 144 }, (_, i) => [i * 600, i % 2 ? 16 : 10]);
  const s = compositeSchedule({
    profiles: [txDefault(0, periods, {
      chargingProfileKind: "Recurring",
      recurrencyKind: "Daily",
      startSchedule: iso(T0),
    })],
    connectorId: 1,
    nowMs: T0,
    durationS: MAX_COMPOSITE_S,
    unit: "A",
    maxCurrentA: 32,
  });
  assert.equal(s.periods.length, MAX_COMPOSITE_PERIODS);
  assert.equal(s.durationS, MAX_COMPOSITE_PERIODS * 600);
});

Deno.test("stationCompositeSchedule() adds the connectors up under the ChargePointMaxProfile", () => {
  const profiles = [
    maxP([[0, 40], [H, 20], [2 * H, 70]]),
    txDefault(0, [[0, 16]]),
    tx(1, [[0, 6]], { duration: 1800 }),
  ];
  const base = { profiles, nowMs: T0, durationS: 3 * H, unit: "A" as const };
  const one: CompositeInput = { ...base, connectorId: 1, maxCurrentA: 32, ...running };
  const two: CompositeInput = { ...base, connectorId: 2, maxCurrentA: 32 };
  const s = stationCompositeSchedule({ ...base, connectorId: 0, maxCurrentA: 63 }, [one, two]);
  assert.deepEqual(s.periods, [
    { startPeriod: 0, limit: 22 }, // 6 A (TxProfile) + 16 A (TxDefaultProfile)
    { startPeriod: 1800, limit: 32 }, // the TxProfile ended: 16 + 16
    { startPeriod: H, limit: 20 }, // the ChargePointMaxProfile caps the sum
    { startPeriod: 2 * H, limit: 32 }, // 70 A allowed, the connectors draw 32
  ]);
  assert.equal(s.durationS, 3 * H);
});

Deno.test("stationCompositeSchedule() in W counts each connector with its own phases", () => {
  const base = { profiles: [maxP([[0, 32]])], nowMs: T0, durationS: 600, unit: "W" as const };
  const s = stationCompositeSchedule({ ...base, connectorId: 0, maxCurrentA: 63 }, [
    { ...base, connectorId: 1, maxCurrentA: 16, phases: 1 },
    { ...base, connectorId: 2, maxCurrentA: 16, phases: 3 },
  ]);
  assert.deepEqual(s.periods, [{ startPeriod: 0, limit: 16 * 230 * 4 }]);
  const none = stationCompositeSchedule({ ...base, connectorId: 0, maxCurrentA: 63 }, []);
  assert.deepEqual(none.periods, [{ startPeriod: 0, limit: 0 }], "no connector draws nothing");
});
