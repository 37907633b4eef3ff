/**
 * Smart charging as the vehicle sees it: a schedule's limit reaches the offered current
 * within one second (GET /api/status, MeterValues Current.Offered, GetCompositeSchedule);
 * a ChargePointMaxProfile is shared; profiles survive a restart, expire, pause below 6 A.
 */
import assert from "node:assert/strict";
import { type Json, type OcppStation, ocppStation } from "./helpers/ocpp_station.ts";
import {
  charge,
  clearProfiles,
  composite,
  offeredA,
  profile,
  setProfile,
} from "./helpers/smart.ts";

/** The Current.Offered of a MeterValues call, in A. */
function currentOffered(params: Json): number | undefined {
  const sv = params.meterValue?.[0]?.sampledValue?.find((v: Json) =>
    v.measurand === "Current.Offered"
  );
  return sv ? Number(sv.value) : undefined;
}

async function sampleEverySecond(t: OcppStation): Promise<void> {
  const res = await t.backend.call<Json>("ChangeConfiguration", {
    key: "MeterValueSampleInterval",
    value: "1",
  });
  assert.equal(res.status, "Accepted");
}

Deno.test("a TxProfile of 10 A: offered current, MeterValues and composite follow within one second", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  await sampleEverySecond(t);
  const txId = await charge(t, 1);
  assert.deepEqual(await offeredA(t), [32]);
  const from = t.backend.calls.length;
  const sentAt = Date.now();
  const status = await setProfile(
    t,
    1,
    profile(1, "TxProfile", 0, [[0, 10]], { transactionId: txId }),
  );
  assert.equal(status, "Accepted");
  const s = await t.st.waitFor((s: Json) => s.connectors[0].offeredA === 10, { timeoutMs: 1000 });
  assert.ok(Date.now() - sentAt < 1000, `offered 10 A after ${Date.now() - sentAt} ms`);
  assert.equal(s.connectors[0].status, "Charging");
  assert.deepEqual(s.connectors[0].limitsMa, { ocpp: 10_000 });
  await t.st.waitFor((s: Json) => s.connectors[0].currentA <= 10, { timeoutMs: 2000 });
  const mv = await t.next(
    "MeterValues",
    (p) => Date.parse(p.meterValue[0].timestamp) > sentAt + 200,
    { from, timeoutMs: 3000 },
  );
  assert.equal(currentOffered(mv.params), 10);
  assert.equal(mv.params.transactionId, txId);
  assert.deepEqual(await composite(t, 1, 300), [[0, 10]]);
  assert.deepEqual(t.backend.problems, []);
});

Deno.test("a schedule's next period reaches the vehicle within one second of its start", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  await charge(t, 1);
  const startMs = Math.ceil(Date.now() / 1000) * 1000 + 1000;
  const p = profile(1, "TxDefaultProfile", 0, [[0, 10], [3, 16]], {
    kind: "Absolute",
    startSchedule: new Date(startMs).toISOString(),
  });
  assert.equal(await setProfile(t, 0, p), "Accepted");
  await t.st.waitFor((s: Json) => s.connectors[0].offeredA === 10, { timeoutMs: 3000 });
  await t.st.waitFor((s: Json) => s.connectors[0].offeredA === 16, { timeoutMs: 6000 });
  const late = Date.now() - (startMs + 3000);
  assert.ok(late >= 0 && late < 1000, `16 A ${late} ms after the period began`);
});

Deno.test("a ChargePointMaxProfile of 16 A with two sessions: 8 A each, and back when cleared", async () => {
  await using t = await ocppStation();
  await t.booted();
  await charge(t, 1);
  await charge(t, 2);
  assert.deepEqual(await offeredA(t), [31.5, 31.5]);
  assert.equal(
    await setProfile(t, 0, profile(1, "ChargePointMaxProfile", 0, [[0, 16]])),
    "Accepted",
  );
  const s = await t.st.waitFor(
    (s: Json) => s.connectors.every((c: Json) => c.offeredA === 8),
    { timeoutMs: 1000 },
  );
  assert.deepEqual(s.connectors.map((c: Json) => c.status), ["Charging", "Charging"]);
  assert.deepEqual(await composite(t, 0, 60), [[0, 16]]);
  assert.equal(
    await clearProfiles(t, { chargingProfilePurpose: "ChargePointMaxProfile" }),
    "Accepted",
  );
  await t.st.waitFor((s: Json) => s.connectors.every((c: Json) => c.offeredA === 31.5), {
    timeoutMs: 1000,
  });
});

Deno.test("a TxDefaultProfile on connector 0 limits every connector, on connector 2 only that one", async () => {
  await using t = await ocppStation();
  await t.booted();
  await charge(t, 1);
  await charge(t, 2);
  assert.equal(await setProfile(t, 0, profile(1, "TxDefaultProfile", 0, [[0, 20]])), "Accepted");
  await t.st.waitFor((s: Json) => s.connectors.every((c: Json) => c.offeredA === 20));
  assert.equal(await setProfile(t, 2, profile(2, "TxDefaultProfile", 0, [[0, 12]])), "Accepted");
  await t.st.waitFor((s: Json) =>
    s.connectors[0].offeredA === 20 && s.connectors[1].offeredA === 12
  );
});

Deno.test("profiles survive a restart on the same data directory", async () => {
  await using t = await ocppStation();
  await t.booted();
  assert.equal(
    await setProfile(t, 0, profile(1, "ChargePointMaxProfile", 0, [[0, 20]])),
    "Accepted",
  );
  assert.equal(await setProfile(t, 2, profile(2, "TxDefaultProfile", 1, [[0, 12]])), "Accepted");
  assert.equal(await setProfile(t, 0, profile(3, "TxDefaultProfile", 0, [[0, 14]])), "Accepted");
  await t.st.stop();
  const before = t.backend.calls.length;
  await t.restart();
  await t.next("BootNotification", () => true, { from: before });
  await t.booted();
  assert.deepEqual(await composite(t, 0, 60), [[0, 20]]);
  assert.deepEqual(await composite(t, 1, 60), [[0, 14]]);
  assert.deepEqual(await composite(t, 2, 60), [[0, 12]]);
  await charge(t, 2);
  const s = await t.st.waitFor((s: Json) => s.connectors[1].offeredA === 12);
  assert.deepEqual(s.connectors[1].limitsMa, { ocpp: 12_000 });
  assert.equal(await clearProfiles(t, { stackLevel: 1 }), "Accepted", "profile 2 was stored");
});

Deno.test("an expired profile is removed and its limit lifted", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  await charge(t, 1);
  const validTo = new Date(Date.now() + 2500).toISOString();
  assert.equal(
    await setProfile(t, 0, profile(1, "TxDefaultProfile", 0, [[0, 10]], { validTo })),
    "Accepted",
  );
  await t.st.waitFor((s: Json) => s.connectors[0].offeredA === 10, { timeoutMs: 1000 });
  await t.st.waitFor((s: Json) => s.connectors[0].offeredA === 32, { timeoutMs: 5000 });
  assert.ok(Date.now() < Date.parse(validTo) + 1500, "lifted within a second of validTo");
  assert.equal(await clearProfiles(t, { id: 1 }), "Unknown", "removed");
});

Deno.test("a TxProfile below 6 A pauses the session (SuspendedEVSE) until it is cleared", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  await charge(t, 1);
  const from = t.backend.calls.length;
  assert.equal(await setProfile(t, 1, profile(1, "TxProfile", 0, [[0, 0]])), "Accepted");
  await t.next("StatusNotification", (p) => p.status === "SuspendedEVSE", { from });
  const s = await t.st.waitFor((s: Json) => s.connectors[0].status === "SuspendedEVSE");
  assert.equal(s.connectors[0].offeredA, 0);
  assert.equal(
    await clearProfiles(t, { connectorId: 1, chargingProfilePurpose: "TxProfile" }),
    "Accepted",
  );
  await t.st.waitFor((s: Json) =>
    s.connectors[0].status === "Charging" && s.connectors[0].offeredA === 32
  );
});

Deno.test("a W limit is converted with the vehicle's real phases at 230 V", async () => {
  await using t = await ocppStation();
  await t.booted();
  await charge(t, 1, { phases: 1 });
  await charge(t, 2, { phases: 3 });
  await t.st.waitFor((s: Json) => s.connectors.every((c: Json) => c.currentA > 0));
  assert.equal(
    await setProfile(t, 0, profile(1, "TxDefaultProfile", 0, [[0, 2300]], { unit: "W" })),
    "Accepted",
  );
  // 2300 W: 10 A on one phase; 3.3 A on three, which pauses.
  await t.st.waitFor((s: Json) =>
    s.connectors[0].offeredA === 10 && s.connectors[1].offeredA === 0
  );
  assert.equal(
    await setProfile(t, 0, profile(1, "TxDefaultProfile", 0, [[0, 6900]], { unit: "W" })),
    "Accepted",
  );
  await t.st.waitFor((s: Json) =>
    s.connectors[0].offeredA === 30 && s.connectors[1].offeredA === 10
  );
  assert.deepEqual(await composite(t, 1, 60, "W"), [[0, 6900]]);
});
