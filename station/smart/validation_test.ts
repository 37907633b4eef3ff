import assert from "node:assert/strict";
import type { ChargingProfile } from "./profiles.ts";
import { allowedUnits, profileProblem, type ProfileTarget } from "./validation.ts";

const NOW = Date.parse("2026-11-24T08:00:00Z");
const LIMITS = { maxStackLevel: 10, maxPeriods: 3, allowedUnits: ["A", "W"] as const };

const base: ChargingProfile = {
  chargingProfileId: 1,
  stackLevel: 0,
  chargingProfilePurpose: "TxDefaultProfile",
  chargingProfileKind: "Absolute",
  chargingSchedule: {
    startSchedule: "2026-11-24T08:00:00Z",
    chargingRateUnit: "A",
    chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }],
  },
};

const schedule = (s: Partial<ChargingProfile["chargingSchedule"]>) => ({
  chargingSchedule: { ...base.chargingSchedule, ...s },
});
const periods = (...list: [number, number, number?][]) =>
  schedule({
    chargingSchedulePeriod: list.map(([startPeriod, limit, numberPhases]) => ({
      startPeriod,
      limit,
      ...(numberPhases !== undefined ? { numberPhases } : {}),
    })),
  });

const conn = (connectorId: number, extra: Partial<ProfileTarget> = {}): ProfileTarget => ({
  connectorId,
  connectors: 2,
  nowMs: NOW,
  ...extra,
});

const CASES: [string, Partial<ChargingProfile>, ProfileTarget, string | undefined][] = [
  ["a plain TxDefaultProfile on connector 0", {}, conn(0), undefined],
  ["a TxDefaultProfile on connector 2", {}, conn(2), undefined],
  ["an unknown connector", {}, conn(3), "unknown connector 3"],
  ["stack level at the maximum", { stackLevel: 10 }, conn(0), undefined],
  ["stack level above the maximum", { stackLevel: 11 }, conn(0), "stack level 11 outside 0..10"],
  ["negative stack level", { stackLevel: -1 }, conn(0), "stack level -1 outside 0..10"],
  [
    "ChargePointMaxProfile on connector 0",
    { chargingProfilePurpose: "ChargePointMaxProfile" },
    conn(0),
    undefined,
  ],
  [
    "ChargePointMaxProfile on a connector",
    { chargingProfilePurpose: "ChargePointMaxProfile" },
    conn(1),
    "ChargePointMaxProfile only on connector 0",
  ],
  [
    "TxProfile without a transaction",
    { chargingProfilePurpose: "TxProfile" },
    conn(1),
    "no transaction on connector 1",
  ],
  [
    "TxProfile on connector 0",
    { chargingProfilePurpose: "TxProfile" },
    conn(0, { transaction: {} }),
    "TxProfile on connector 0",
  ],
  [
    "TxProfile during a transaction",
    { chargingProfilePurpose: "TxProfile" },
    conn(1, { transaction: { transactionId: 5 } }),
    undefined,
  ],
  [
    "TxProfile naming the running transaction",
    { chargingProfilePurpose: "TxProfile", transactionId: 5 },
    conn(1, { transaction: { transactionId: 5 } }),
    undefined,
  ],
  [
    "TxProfile naming another transaction",
    { chargingProfilePurpose: "TxProfile", transactionId: 6 },
    conn(1, { transaction: { transactionId: 5 } }),
    "transaction 6 does not run on connector 1",
  ],
  [
    "TxProfile naming a transaction the backend has not numbered yet",
    { chargingProfilePurpose: "TxProfile", transactionId: 6 },
    conn(1, { transaction: {} }),
    "transaction 6 does not run on connector 1",
  ],
  [
    "RemoteStartTransaction's TxProfile",
    { chargingProfilePurpose: "TxProfile" },
    conn(1, { transaction: "remoteStart" }),
    undefined,
  ],
  [
    "RemoteStartTransaction's TxProfile with a transactionId",
    { chargingProfilePurpose: "TxProfile", transactionId: 1 },
    conn(1, { transaction: "remoteStart" }),
    "transactionId in RemoteStartTransaction",
  ],
  [
    "RemoteStartTransaction with a TxDefaultProfile",
    {},
    conn(1, { transaction: "remoteStart" }),
    "TxDefaultProfile in RemoteStartTransaction",
  ],
  ["three periods (the maximum)", periods([0, 16], [60, 10], [120, 6]), conn(0), undefined],
  [
    "four periods",
    periods([0, 16], [60, 10], [120, 6], [180, 8]),
    conn(0),
    "4 periods, at most 3",
  ],
  ["no periods", periods(), conn(0), "no periods"],
  ["first period after 0", periods([10, 16]), conn(0), "the first period does not start at 0"],
  [
    "periods out of order",
    periods([0, 16], [60, 10], [30, 6]),
    conn(0),
    "startPeriod not ascending",
  ],
  [
    "two periods at the same second",
    periods([0, 16], [0, 10]),
    conn(0),
    "startPeriod not ascending",
  ],
  ["negative limit", periods([0, -1]), conn(0), "negative limit -1"],
  ["numberPhases 4", periods([0, 16, 4]), conn(0), "numberPhases 4"],
  ["numberPhases 1", periods([0, 16, 1]), conn(0), undefined],
  ["negative duration", schedule({ duration: -1 }), conn(0), "negative duration -1"],
  ["duration 0", schedule({ duration: 0 }), conn(0), undefined],
  [
    "negative minChargingRate",
    schedule({ minChargingRate: -1 }),
    conn(0),
    "negative minChargingRate",
  ],
  [
    "Recurring without recurrencyKind",
    { chargingProfileKind: "Recurring" },
    conn(0),
    "Recurring without recurrencyKind",
  ],
  [
    "Recurring without startSchedule",
    {
      chargingProfileKind: "Recurring",
      recurrencyKind: "Daily",
      chargingSchedule: {
        chargingRateUnit: "A",
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }],
      },
    },
    conn(0),
    "Recurring without startSchedule",
  ],
  [
    "Daily recurrence longer than a day",
    { chargingProfileKind: "Recurring", recurrencyKind: "Daily", ...schedule({ duration: 90000 }) },
    conn(0),
    "duration 90000 s longer than one Daily recurrence",
  ],
  [
    "Weekly recurrence of two days",
    {
      chargingProfileKind: "Recurring",
      recurrencyKind: "Weekly",
      ...schedule({ duration: 172800 }),
    },
    conn(0),
    undefined,
  ],
  [
    "validTo before validFrom",
    { validFrom: "2026-11-25T00:00:00Z", validTo: "2026-11-24T12:00:00Z" },
    conn(0),
    "validTo not after validFrom",
  ],
  ["validTo passed", { validTo: "2026-11-24T07:00:00Z" }, conn(0), "validTo has passed"],
  ["validFrom in the future", { validFrom: "2026-12-24T07:00:00Z" }, conn(0), undefined],
];

for (const [name, change, target, expected] of CASES) {
  Deno.test(`profileProblem(): ${name}`, () => {
    assert.equal(profileProblem({ ...base, ...change }, target, LIMITS), expected);
  });
}

Deno.test("profileProblem() refuses a unit ChargingScheduleAllowedChargingRateUnit leaves out", () => {
  const watts = { ...base, ...schedule({ chargingRateUnit: "W" }) };
  const currentOnly = { ...LIMITS, allowedUnits: allowedUnits("Current") };
  assert.equal(profileProblem(watts, conn(0), currentOnly), "unit W not allowed");
  assert.equal(profileProblem(base, conn(0), currentOnly), undefined);
  assert.equal(
    profileProblem(base, conn(0), { ...LIMITS, allowedUnits: allowedUnits("Power") }),
    "unit A not allowed",
  );
});

Deno.test("allowedUnits() reads the OCPP key's list", () => {
  assert.deepEqual(allowedUnits("Current,Power"), ["A", "W"]);
  assert.deepEqual(allowedUnits(" power "), ["W"]);
  assert.deepEqual(allowedUnits(""), []);
});
