/**
 * OCPP 1.6-J Smart Charging against a real strict-mode backend: every message and status of
 * SetChargingProfile, ClearChargingProfile, GetCompositeSchedule and RemoteStartTransaction
 * with a TxProfile; purposes, stack levels, replacement and the station's limits.
 */
import assert from "node:assert/strict";
import { type Json, ocppStation } from "./helpers/ocpp_station.ts";
import {
  charge,
  clearProfiles,
  composite,
  profile,
  setProfile,
  transactionOf,
} from "./helpers/smart.ts";

Deno.test("SetChargingProfile: where each purpose may go (Accepted or Rejected)", async () => {
  await using t = await ocppStation();
  await t.booted();
  const txId = await charge(t, 1);
  const cases: [string, number, Json, string][] = [
    [
      "ChargePointMaxProfile on 0",
      0,
      profile(1, "ChargePointMaxProfile", 0, [[0, 40]]),
      "Accepted",
    ],
    [
      "ChargePointMaxProfile on 1",
      1,
      profile(2, "ChargePointMaxProfile", 0, [[0, 40]]),
      "Rejected",
    ],
    ["TxDefaultProfile on 0", 0, profile(3, "TxDefaultProfile", 0, [[0, 30]]), "Accepted"],
    ["TxDefaultProfile on 2", 2, profile(4, "TxDefaultProfile", 0, [[0, 30]]), "Accepted"],
    [
      "TxDefaultProfile on 3 (unknown)",
      3,
      profile(5, "TxDefaultProfile", 0, [[0, 30]]),
      "Rejected",
    ],
    ["TxProfile on 0", 0, profile(6, "TxProfile", 0, [[0, 30]]), "Rejected"],
    ["TxProfile on 2 (no transaction)", 2, profile(7, "TxProfile", 0, [[0, 30]]), "Rejected"],
    ["TxProfile on 1 (transaction)", 1, profile(8, "TxProfile", 0, [[0, 30]]), "Accepted"],
    [
      "TxProfile on 1 naming its transaction",
      1,
      profile(9, "TxProfile", 1, [[0, 30]], { transactionId: txId }),
      "Accepted",
    ],
    [
      "TxProfile on 1 naming another transaction",
      1,
      profile(10, "TxProfile", 2, [[0, 30]], { transactionId: txId + 7 }),
      "Rejected",
    ],
  ];
  for (const [name, connectorId, p, expected] of cases) {
    assert.equal(await setProfile(t, connectorId, p), expected, name);
  }
  assert.deepEqual(t.backend.problems, []);
});

Deno.test("SetChargingProfile: the station's limits (stack level, periods, unit, count) reject", async () => {
  await using t = await ocppStation({
    connectors: 1,
    seed: {
      "ocpp.chargeProfileMaxStackLevel": 3,
      "ocpp.chargingScheduleMaxPeriods": 4,
      "ocpp.maxChargingProfilesInstalled": 3,
      "ocpp.chargingScheduleAllowedChargingRateUnit": "Current",
    },
  });
  await t.booted();
  const periods = (n: number) =>
    Array.from({ length: n }, (_, i) => [i * 60, 10] as [number, number]);
  assert.equal(await setProfile(t, 0, profile(1, "TxDefaultProfile", 3, [[0, 10]])), "Accepted");
  assert.equal(await setProfile(t, 0, profile(2, "TxDefaultProfile", 4, [[0, 10]])), "Rejected");
  assert.equal(await setProfile(t, 0, profile(2, "TxDefaultProfile", 2, periods(4))), "Accepted");
  assert.equal(await setProfile(t, 0, profile(3, "TxDefaultProfile", 1, periods(5))), "Rejected");
  const watts = profile(3, "TxDefaultProfile", 1, [[0, 6900]], { unit: "W" });
  assert.equal(await setProfile(t, 0, watts), "Rejected", "W not allowed");
  assert.equal(await setProfile(t, 0, profile(3, "TxDefaultProfile", 1, [[0, 10]])), "Accepted");
  assert.equal(
    await setProfile(t, 0, profile(4, "TxDefaultProfile", 0, [[0, 10]])),
    "Rejected",
    "a fourth profile",
  );
  assert.equal(
    await setProfile(t, 0, profile(5, "TxDefaultProfile", 1, [[0, 12]])),
    "Accepted",
    "a replacement does not count",
  );
  assert.equal(await clearProfiles(t, { id: 3 }), "Unknown", "replaced by stack level");
  const conf = await t.backend.call<Json>("GetConfiguration", {
    key: ["ChargeProfileMaxStackLevel", "MaxChargingProfilesInstalled"],
  });
  assert.deepEqual(conf.configurationKey.map((k: Json) => [k.key, k.value]), [
    ["ChargeProfileMaxStackLevel", "3"],
    ["MaxChargingProfilesInstalled", "3"],
  ]);
});

Deno.test("SetChargingProfile rejects incoherent schedules and expired validity", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  const bad: [string, Json][] = [
    ["first period after 0", profile(1, "TxDefaultProfile", 0, [[60, 10]])],
    ["periods out of order", profile(1, "TxDefaultProfile", 0, [[0, 10], [600, 8], [300, 6]])],
    [
      "Recurring without startSchedule",
      profile(1, "TxDefaultProfile", 0, [[0, 10]], {
        kind: "Recurring",
        recurrencyKind: "Daily",
      }),
    ],
    [
      "validTo passed",
      profile(1, "TxDefaultProfile", 0, [[0, 10]], {
        validTo: new Date(Date.now() - 1000).toISOString(),
      }),
    ],
    ["no periods", profile(1, "TxDefaultProfile", 0, [])],
  ];
  for (const [name, p] of bad) assert.equal(await setProfile(t, 0, p), "Rejected", name);
  assert.equal(await clearProfiles(t, {}), "Unknown", "nothing was installed");
});

Deno.test("stack levels: higher wins; same purpose and stack level or same id replaces", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  assert.equal(await setProfile(t, 0, profile(1, "TxDefaultProfile", 0, [[0, 20]])), "Accepted");
  assert.equal(await setProfile(t, 0, profile(2, "TxDefaultProfile", 3, [[0, 8]])), "Accepted");
  assert.deepEqual(await composite(t, 1), [[0, 8]], "stack level 3 wins");
  assert.equal(await setProfile(t, 0, profile(3, "TxDefaultProfile", 3, [[0, 12]])), "Accepted");
  assert.deepEqual(await composite(t, 1), [[0, 12]], "profile 3 replaced profile 2");
  assert.equal(await clearProfiles(t, { id: 2 }), "Unknown");
  assert.equal(await setProfile(t, 0, profile(3, "TxDefaultProfile", 1, [[0, 14]])), "Accepted");
  assert.deepEqual(await composite(t, 1), [[0, 14]], "same id, now at stack level 1");
  assert.equal(await clearProfiles(t, { stackLevel: 3 }), "Unknown", "nothing left at 3");
  assert.equal(await setProfile(t, 1, profile(4, "TxDefaultProfile", 1, [[0, 16]])), "Accepted");
  assert.deepEqual(await composite(t, 1), [[0, 16]], "connector 1's own beats connector 0's");
  assert.equal(await clearProfiles(t, { id: 3 }), "Accepted", "other connector: not replaced");
  assert.deepEqual(await composite(t, 1), [[0, 16]]);
  assert.equal(await clearProfiles(t, { id: 4 }), "Accepted");
  assert.deepEqual(await composite(t, 1), [[0, 20]], "back to stack level 0");
});

Deno.test("ClearChargingProfile by id, connector, purpose, stack level and combinations", async () => {
  await using t = await ocppStation();
  await t.booted();
  const install = async () => {
    await clearProfiles(t, {});
    const all: [number, Json][] = [
      [0, profile(1, "ChargePointMaxProfile", 0, [[0, 50]])],
      [0, profile(2, "TxDefaultProfile", 0, [[0, 30]])],
      [0, profile(3, "TxDefaultProfile", 1, [[0, 28]])],
      [1, profile(4, "TxDefaultProfile", 0, [[0, 26]])],
      [2, profile(5, "TxDefaultProfile", 1, [[0, 24]])],
    ];
    for (const [c, p] of all) assert.equal(await setProfile(t, c, p), "Accepted");
  };
  /** Which of the five are left after clearing with `criteria`. */
  const left = async (criteria: Json, expected: string) => {
    await install();
    assert.equal(await clearProfiles(t, criteria), expected, JSON.stringify(criteria));
    const remaining: number[] = [];
    for (const id of [1, 2, 3, 4, 5]) {
      if (await clearProfiles(t, { id }) === "Accepted") remaining.push(id);
    }
    return remaining;
  };
  assert.deepEqual(await left({ id: 3 }, "Accepted"), [1, 2, 4, 5]);
  assert.deepEqual(await left({ id: 9 }, "Unknown"), [1, 2, 3, 4, 5]);
  assert.deepEqual(await left({ connectorId: 0 }, "Accepted"), [4, 5]);
  assert.deepEqual(await left({ connectorId: 2 }, "Accepted"), [1, 2, 3, 4]);
  assert.deepEqual(await left({ chargingProfilePurpose: "TxDefaultProfile" }, "Accepted"), [1]);
  assert.deepEqual(await left({ stackLevel: 1 }, "Accepted"), [1, 2, 4]);
  assert.deepEqual(
    await left(
      { connectorId: 0, chargingProfilePurpose: "TxDefaultProfile", stackLevel: 0 },
      "Accepted",
    ),
    [1, 3, 4, 5],
  );
  assert.deepEqual(await left({ id: 4, connectorId: 2 }, "Unknown"), [1, 2, 3, 4, 5]);
  assert.deepEqual(await left({ chargingProfilePurpose: "TxProfile" }, "Unknown"), [1, 2, 3, 4, 5]);
  assert.deepEqual(await left({}, "Accepted"), []);
  assert.deepEqual(t.backend.problems, []);
});

Deno.test("GetCompositeSchedule: A and W, connector 0, no profile, unknown connector", async () => {
  await using t = await ocppStation();
  await t.booted();
  assert.deepEqual(await composite(t, 1, 600), [[0, 32]], "no profile: the connector's 32 A");
  assert.deepEqual(await composite(t, 0, 600), [[0, 63]], "no profile: the station's 63 A");
  assert.equal(
    await setProfile(t, 0, profile(1, "ChargePointMaxProfile", 0, [[0, 40], [300, 20]])),
    "Accepted",
  );
  assert.equal(
    await setProfile(t, 0, profile(2, "TxDefaultProfile", 0, [[0, 11040]], { unit: "W" })),
    "Accepted",
  );
  const res = await t.backend.call<Json>("GetCompositeSchedule", { connectorId: 1, duration: 600 });
  assert.equal(res.status, "Accepted");
  assert.equal(res.connectorId, 1);
  assert.ok(Math.abs(Date.parse(res.scheduleStart) - Date.now()) < 2000, res.scheduleStart);
  assert.deepEqual(res.chargingSchedule, {
    duration: 600,
    chargingRateUnit: "A",
    chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }],
  });
  assert.deepEqual(await composite(t, 1, 600, "W"), [[0, 11040]]);
  assert.deepEqual(
    await composite(t, 0, 600),
    [[0, 32], [300, 20]],
    "connector 0: both points at 16 A add up to 32 A, then the station's 20 A caps them",
  );
  for (const connectorId of [3, -1]) {
    const r = await t.backend.call<Json>("GetCompositeSchedule", { connectorId, duration: 60 });
    assert.deepEqual(r, { status: "Rejected" }, `connector ${connectorId}`);
  }
  assert.deepEqual(t.backend.problems, []);
});

Deno.test("RemoteStartTransaction with a TxProfile: the session starts under it, which ends with it", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  await t.post("/api/sim/connectors/1/plug");
  const res = await t.backend.call<Json>("RemoteStartTransaction", {
    connectorId: 1,
    idTag: "REMOTE1",
    chargingProfile: profile(7, "TxProfile", 0, [[0, 10]]),
  });
  assert.equal(res.status, "Accepted");
  await t.next("StartTransaction");
  const s = await t.st.waitFor((s: Json) => s.connectors[0].status === "Charging");
  assert.equal(s.connectors[0].offeredA, 10);
  assert.deepEqual(await composite(t, 1, 60), [[0, 10]]);
  const txId = transactionOf(t, 1);
  assert.equal(
    (await t.backend.call<Json>("RemoteStopTransaction", { transactionId: txId })).status,
    "Accepted",
  );
  await t.next("StopTransaction");
  await t.post("/api/sim/connectors/1/unplug");
  await t.st.waitFor((s: Json) => s.connectors[0].status === "Available");
  assert.equal(await clearProfiles(t, { id: 7 }), "Unknown", "removed with its transaction");
  assert.deepEqual(await composite(t, 1, 60), [[0, 32]]);
});

Deno.test("RemoteStartTransaction with another purpose or a transactionId: Rejected, nothing starts", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  await t.post("/api/sim/connectors/1/plug");
  const refused: [string, Json][] = [
    ["TxDefaultProfile", profile(1, "TxDefaultProfile", 0, [[0, 10]])],
    ["ChargePointMaxProfile", profile(1, "ChargePointMaxProfile", 0, [[0, 10]])],
    ["transactionId set", profile(1, "TxProfile", 0, [[0, 10]], { transactionId: 5 })],
    ["stack level too high", profile(1, "TxProfile", 99, [[0, 10]])],
  ];
  for (const [name, chargingProfile] of refused) {
    const res = await t.backend.call<Json>("RemoteStartTransaction", {
      connectorId: 1,
      idTag: "REMOTE1",
      chargingProfile,
    });
    assert.equal(res.status, "Rejected", name);
  }
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(t.backend.of("StartTransaction").length, 0);
  assert.equal(await clearProfiles(t, {}), "Unknown", "nothing was installed");
});

Deno.test("RemoteStartTransaction's TxProfile lapses with the start when no vehicle comes", async () => {
  await using t = await ocppStation({ connectors: 1, seed: { "ocpp.connectionTimeoutS": 10 } });
  await t.booted();
  const res = await t.backend.call<Json>("RemoteStartTransaction", {
    connectorId: 1,
    idTag: "REMOTE1",
    chargingProfile: profile(7, "TxProfile", 0, [[0, 10]]),
  });
  assert.equal(res.status, "Accepted");
  const waiting = await t.st.waitFor((s: Json) => s.connectors[0].status === "Preparing");
  assert.deepEqual(waiting.connectors[0].limitsMa, { ocpp: 10_000 }, "ready for the session");
  await t.st.waitFor((s: Json) => s.connectors[0].limitsMa.ocpp === undefined, {
    timeoutMs: 15_000,
  });
  assert.equal(await clearProfiles(t, { id: 7 }), "Unknown");
  assert.equal(t.backend.of("StartTransaction").length, 0);
});

Deno.test("a TxProfile set during a transaction is removed when the transaction ends", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  await charge(t, 1);
  assert.equal(await setProfile(t, 1, profile(3, "TxProfile", 0, [[0, 12]])), "Accepted");
  await t.st.waitFor((s: Json) => s.connectors[0].offeredA === 12, { timeoutMs: 1000 });
  await t.post("/api/sim/connectors/1/unplug");
  await t.next("StopTransaction");
  await t.st.waitFor((s: Json) => s.connectors[0].limitsMa.ocpp === undefined);
  assert.equal(await clearProfiles(t, { id: 3 }), "Unknown");
  await charge(t, 1);
  const s = await t.st.waitFor((s: Json) => s.connectors[0].status === "Charging");
  assert.equal(s.connectors[0].offeredA, 32, "the next session is not limited");
});
