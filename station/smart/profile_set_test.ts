import assert from "node:assert/strict";
import {
  bindToSession,
  clear,
  type ClearCriteria,
  endTransactions,
  expire,
  install,
} from "./profile_set.ts";
import type { InstalledProfile, ProfilePurpose } from "./profiles.ts";

const NOW = Date.parse("2026-11-24T08:00:00Z");

function ip(
  id: number,
  purpose: ProfilePurpose,
  stackLevel: number,
  connectorId: number,
  extra: { sessionId?: number; validTo?: string; installedAtMs?: number } = {},
): InstalledProfile {
  return {
    connectorId,
    installedAtMs: extra.installedAtMs ?? NOW,
    ...(extra.sessionId !== undefined ? { sessionId: extra.sessionId } : {}),
    profile: {
      chargingProfileId: id,
      stackLevel,
      chargingProfilePurpose: purpose,
      chargingProfileKind: "Relative",
      ...(extra.validTo ? { validTo: extra.validTo } : {}),
      chargingSchedule: {
        chargingRateUnit: "A",
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }],
      },
    },
  };
}

const ids = (list: readonly InstalledProfile[]) => list.map((x) => x.profile.chargingProfileId);

const INSTALLED = [
  ip(1, "ChargePointMaxProfile", 0, 0),
  ip(2, "TxDefaultProfile", 0, 0),
  ip(3, "TxDefaultProfile", 1, 0),
  ip(4, "TxDefaultProfile", 0, 1),
  ip(5, "TxProfile", 2, 1, { sessionId: 9 }),
  ip(6, "TxDefaultProfile", 2, 2),
];

const INSTALL_CASES: [string, InstalledProfile, number[] | undefined, number[]][] = [
  ["a new stack level is added", ip(7, "TxDefaultProfile", 3, 0), [1, 2, 3, 4, 5, 6, 7], []],
  ["the same id replaces, wherever it was", ip(4, "TxDefaultProfile", 5, 2), [1, 2, 3, 5, 6, 4], [
    4,
  ]],
  [
    "the same purpose and stack level on the same connector replaces",
    ip(8, "TxDefaultProfile", 1, 0),
    [1, 2, 4, 5, 6, 8],
    [3],
  ],
  [
    "the same purpose and stack level on another connector is added",
    ip(8, "TxDefaultProfile", 1, 2),
    [1, 2, 3, 4, 5, 6, 8],
    [],
  ],
  [
    "the same stack level of another purpose is added",
    ip(8, "ChargePointMaxProfile", 1, 0),
    [1, 2, 3, 4, 5, 6, 8],
    [],
  ],
  [
    "same id and same stack level: both go",
    ip(2, "TxDefaultProfile", 1, 0),
    [1, 4, 5, 6, 2],
    [2, 3],
  ],
];

for (const [name, next, expected, removed] of INSTALL_CASES) {
  Deno.test(`install(): ${name}`, () => {
    const r = install(INSTALLED, next, 7);
    assert.deepEqual(r && ids(r.profiles), expected);
    assert.deepEqual(r && ids(r.removed), removed);
  });
}

Deno.test("install() refuses beyond MaxChargingProfilesInstalled, but a replacement fits", () => {
  assert.equal(install(INSTALLED, ip(7, "TxDefaultProfile", 3, 0), 6), undefined);
  assert.deepEqual(ids(install(INSTALLED, ip(8, "TxDefaultProfile", 1, 0), 6)!.profiles), [
    1,
    2,
    4,
    5,
    6,
    8,
  ]);
});

const CLEAR_CASES: [string, ClearCriteria, number[]][] = [
  ["no criteria: everything", {}, [1, 2, 3, 4, 5, 6]],
  ["by id", { id: 4 }, [4]],
  ["by an unknown id", { id: 40 }, []],
  ["by connector 0: the station's profiles only", { connectorId: 0 }, [1, 2, 3]],
  ["by connector", { connectorId: 1 }, [4, 5]],
  ["by purpose", { purpose: "TxDefaultProfile" }, [2, 3, 4, 6]],
  ["by stack level", { stackLevel: 0 }, [1, 2, 4]],
  ["by purpose and stack level", { purpose: "TxDefaultProfile", stackLevel: 2 }, [6]],
  ["by connector, purpose and stack level", {
    connectorId: 0,
    purpose: "TxDefaultProfile",
    stackLevel: 0,
  }, [2]],
  ["by id and a connector it is not on", { id: 4, connectorId: 2 }, []],
  ["by id and its connector", { id: 4, connectorId: 1 }, [4]],
];

for (const [name, criteria, removed] of CLEAR_CASES) {
  Deno.test(`clear(): ${name}`, () => {
    const r = clear(INSTALLED, criteria);
    assert.deepEqual(ids(r.removed), removed);
    assert.equal(r.profiles.length + r.removed.length, INSTALLED.length);
  });
}

Deno.test("expire() removes profiles whose validTo has come, no others", () => {
  const list = [
    ip(1, "TxDefaultProfile", 0, 0, { validTo: "2026-11-24T07:59:59Z" }),
    ip(2, "TxDefaultProfile", 1, 0, { validTo: "2026-11-24T08:00:00Z" }),
    ip(3, "TxDefaultProfile", 2, 0, { validTo: "2026-11-24T08:00:01Z" }),
    ip(4, "TxDefaultProfile", 3, 0),
  ];
  const r = expire(list, NOW);
  assert.deepEqual(ids(r.removed), [1, 2]);
  assert.deepEqual(ids(r.profiles), [3, 4]);
});

Deno.test("endTransactions() removes TxProfiles of ended sessions and lapsed remote starts", () => {
  const list = [
    ip(1, "TxProfile", 0, 1, { sessionId: 9 }),
    ip(2, "TxProfile", 0, 2, { sessionId: 3 }),
    ip(3, "TxProfile", 1, 2, { installedAtMs: NOW - 70_000 }),
    ip(4, "TxProfile", 2, 2, { installedAtMs: NOW - 10_000 }),
    ip(5, "TxDefaultProfile", 0, 1),
  ];
  const r = endTransactions(list, new Map([[1, 9]]), NOW, 65_000);
  assert.deepEqual(ids(r.removed), [2, 3]);
  assert.deepEqual(ids(r.profiles), [1, 4, 5]);
});

Deno.test("bindToSession() binds the connector's waiting TxProfiles only", () => {
  const list = [
    ip(1, "TxProfile", 0, 1),
    ip(2, "TxProfile", 0, 2),
    ip(3, "TxProfile", 1, 1, { sessionId: 4 }),
    ip(4, "TxDefaultProfile", 0, 1),
  ];
  const r = bindToSession(list, 1, 12);
  assert.deepEqual(r.bound.map((x) => [x.profile.chargingProfileId, x.sessionId]), [[1, 12]]);
  assert.deepEqual(r.profiles.map((x) => x.sessionId), [12, undefined, 4, undefined]);
});
