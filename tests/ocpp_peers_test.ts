/**
 * The core flows against two independent backends: ocpp-rpc's strict server and a raw
 * WebSocket central system validating every frame with typed-ocpp against the official OCPP
 * 1.6 schemas. Both route on the exact path `/ocpp/<chargeBoxId>`, insist on the `ocpp1.6`
 * subprotocol and check basic auth as real central systems do; a refused handshake or a frame
 * off the schema fails the test.
 */
import assert from "node:assert/strict";
import { BACKENDS, type Json, type OcppStation, ocppStation } from "./helpers/ocpp_station.ts";
import { profile } from "./helpers/smart.ts";
import { freePort } from "./helpers/station_process.ts";

/** A session on connector 1 with the master key; resolves with its transactionId. */
async function charge(t: OcppStation): Promise<number> {
  const from = t.backend.calls.length;
  await t.post("/api/sim/connectors/1/plug");
  await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
  await t.next("StartTransaction", undefined, { from });
  const s = await t.st.waitFor((s: Json) => s.connectors[0].status === "Charging");
  assert.ok(s.connectors[0].session);
  return await transactionOf(t, from);
}

async function transactionOf(t: OcppStation, from: number): Promise<number> {
  // Both backends number transactions 1000, 1001, ... in the order of StartTransaction.
  await t.next("StartTransaction", undefined, { from });
  return 1000 + t.backend.of("StartTransaction").length - 1;
}

function clean(t: OcppStation): void {
  assert.deepEqual(t.backend.problems, [], "every frame met the OCPP 1.6 schemas");
  assert.deepEqual(t.backend.refusals, [], "every handshake was one a real backend accepts");
}

for (const kind of BACKENDS) {
  Deno.test(`[${kind}] boot: the station dials <url>/<chargeBoxId> exactly once and says so`, async () => {
    await using t = await ocppStation({ backend: kind, connectors: 1 });
    await t.booted();
    const s = await t.st.waitFor((s: Json) => s.ocpp.registration === "Accepted");
    assert.equal(s.ocpp.url, t.backend.url);
    assert.equal(s.ocpp.dialledUrl, `${t.backend.url}/TE24110001`);
    assert.deepEqual(t.backend.handshakes, [{ identity: "TE24110001" }]);
    assert.equal(t.backend.calls[0]!.action, "BootNotification");
    clean(t);
  });

  Deno.test(`[${kind}] a URL that already ends with the charge box id is dialled as it is`, async () => {
    await using t = await ocppStation({ backend: kind, connectors: 1, urlSuffix: "/TE24110001" });
    await t.booted();
    const s = await t.st.waitFor((s: Json) => s.ocpp.registration === "Accepted");
    assert.equal(s.ocpp.dialledUrl, `${t.backend.url}/TE24110001`);
    clean(t);
  });

  Deno.test(`[${kind}] remote start and remote stop`, async () => {
    await using t = await ocppStation({ backend: kind, connectors: 1 });
    await t.booted();
    const res = await t.backend.call<Json>("RemoteStartTransaction", {
      connectorId: 1,
      idTag: "REMOTE1",
    });
    assert.equal(res.status, "Accepted");
    const from = t.backend.calls.length;
    await t.post("/api/sim/connectors/1/plug");
    const start = await t.next("StartTransaction", undefined, { from });
    assert.equal(start.params.idTag, "REMOTE1");
    const tx = await transactionOf(t, from);
    await t.st.waitFor((s: Json) => s.connectors[0].status === "Charging");
    const stopRes = await t.backend.call<Json>("RemoteStopTransaction", { transactionId: tx });
    assert.equal(stopRes.status, "Accepted");
    const stop = await t.next("StopTransaction", undefined, { from });
    assert.deepEqual([stop.params.transactionId, stop.params.reason], [tx, "Remote"]);
    clean(t);
  });

  Deno.test(`[${kind}] offline queue: a session while the backend is down arrives in order after`, async () => {
    await using t = await ocppStation({ backend: kind, connectors: 1 });
    await t.booted();
    await t.backend.stop();
    await t.st.waitFor((s: Json) => s.ocpp.connected === false);
    await t.post("/api/sim/connectors/1/plug");
    await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
    await t.st.waitFor((s: Json) => s.connectors[0].status === "Charging");
    await t.post("/api/sim/connectors/1/unplug");
    await t.st.waitFor((s: Json) => s.ocpp.queue === 2, { timeoutMs: 10_000 });
    const from = t.backend.calls.length;
    await t.backend.start();
    const stop = await t.next("StopTransaction", undefined, { from, timeoutMs: 20_000 });
    const actions = t.backend.calls.slice(from).map((c) => c.action)
      .filter((a) => a === "StartTransaction" || a === "StopTransaction");
    assert.deepEqual(actions, ["StartTransaction", "StopTransaction"]);
    assert.equal(stop.params.transactionId, 1000);
    assert.equal(stop.params.reason, "EVDisconnected");
    await t.st.waitFor((s: Json) => s.ocpp.queue === 0);
    clean(t);
  });

  Deno.test(`[${kind}] local list: a listed card charges offline, a blocked one does not`, async () => {
    await using t = await ocppStation({ backend: kind, connectors: 1 });
    await t.booted();
    const res = await t.backend.call<Json>("SendLocalList", {
      listVersion: 3,
      updateType: "Full",
      localAuthorizationList: [
        { idTag: "LOCAL1", idTagInfo: { status: "Accepted" } },
        { idTag: "BLOCKED1", idTagInfo: { status: "Blocked" } },
      ],
    });
    assert.equal(res.status, "Accepted");
    assert.equal((await t.backend.call<Json>("GetLocalListVersion", {})).listVersion, 3);
    await t.backend.stop();
    await t.st.waitFor((s: Json) => s.ocpp.connected === false);
    await t.post("/api/sim/connectors/1/plug");
    await t.post("/api/sim/rfid", { idTag: "BLOCKED1" });
    await t.post("/api/sim/rfid", { idTag: "LOCAL1" });
    const s = await t.st.waitFor((s: Json) => s.connectors[0].session !== null);
    assert.equal(s.connectors[0].session.idTag, "LOCAL1");
    clean(t);
  });

  Deno.test(`[${kind}] smart charging: a TxDefaultProfile of 10 A limits the offered current`, async () => {
    await using t = await ocppStation({ backend: kind, connectors: 1 });
    await t.booted();
    const res = await t.backend.call<Json>("SetChargingProfile", {
      connectorId: 1,
      csChargingProfiles: profile(7, "TxDefaultProfile", 1, [[0, 10]]),
    });
    assert.equal(res.status, "Accepted");
    await charge(t);
    const s = await t.st.waitFor((s: Json) => s.connectors[0].offeredMa === 10_000);
    assert.equal(s.connectors[0].offeredA, 10);
    const schedule = await t.backend.call<Json>("GetCompositeSchedule", {
      connectorId: 1,
      duration: 600,
      chargingRateUnit: "A",
    });
    assert.equal(schedule.status, "Accepted");
    assert.equal(schedule.chargingSchedule.chargingSchedulePeriod[0].limit, 10);
    const station = await t.backend.call<Json>("GetCompositeSchedule", {
      connectorId: 0,
      duration: 600,
      chargingRateUnit: "W",
    });
    assert.equal(station.status, "Accepted");
    assert.deepEqual(
      station.chargingSchedule.chargingSchedulePeriod,
      [{ startPeriod: 0, limit: 6900 }],
      "connector 0: the whole station, here its one point at 10 A on 3 phases",
    );
    clean(t);
  });

  Deno.test(`[${kind}] reset: the station stops the session, reconnects and boots again`, async () => {
    await using t = await ocppStation({
      backend: kind,
      connectors: 1,
      args: ["--http-port", String(freePort())],
    });
    await t.booted();
    const tx = await charge(t);
    const from = t.backend.calls.length;
    assert.equal((await t.backend.call<Json>("Reset", { type: "Soft" })).status, "Accepted");
    const stop = await t.next("StopTransaction", undefined, { from });
    assert.deepEqual([stop.params.transactionId, stop.params.reason], [tx, "SoftReset"]);
    await t.next("BootNotification", undefined, { from, timeoutMs: 15_000 });
    assert.equal(t.backend.handshakes.length, 2);
    clean(t);
  });

  Deno.test(`[${kind}] StopTxOnReset false: a soft reset lets the session charge to its end, then restarts`, async () => {
    await using t = await ocppStation({
      backend: kind,
      connectors: 2,
      args: ["--http-port", String(freePort())],
      seed: { "ocpp.stopTxOnReset": false },
    });
    await t.booted();
    const tx = await charge(t);
    const from = t.backend.calls.length;
    assert.equal((await t.backend.call<Json>("Reset", { type: "Soft" })).status, "Accepted");
    const held = await t.st.waitFor((s: Json) => s.connectors[1].status === "Unavailable");
    assert.equal(held.connectors[0].status, "Charging", "the running session goes on");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const since = () => t.backend.calls.slice(from).map((c) => c.action);
    assert.ok(!since().includes("StopTransaction"), since().join());
    assert.ok(!since().includes("BootNotification"), since().join());
    assert.equal(
      (await t.backend.call<Json>("RemoteStopTransaction", { transactionId: tx })).status,
      "Accepted",
    );
    const stop = await t.next("StopTransaction", undefined, { from });
    assert.deepEqual([stop.params.transactionId, stop.params.reason], [tx, "Remote"]);
    await t.next("BootNotification", undefined, { from, timeoutMs: 15_000 });
    await t.st.waitFor((s: Json) => s.connectors[1].status === "Available");
    clean(t);
  });

  Deno.test(`[${kind}] security profile 1: basic auth with the charge box id and AuthorizationKey`, async () => {
    await using t = await ocppStation({
      backend: kind,
      connectors: 1,
      password: "Peer-Key-0042",
      seed: { "ocpp.authorizationKey": "Peer-Key-0042" },
    });
    await t.booted();
    assert.deepEqual(t.backend.handshakes, [{ identity: "TE24110001", password: "Peer-Key-0042" }]);
    clean(t);
  });
}

Deno.test("transaction id 0 is a value: MeterValues carry it, RemoteStop and StopTransaction use it", async () => {
  await using t = await ocppStation({
    backend: "raw",
    connectors: 1,
    setup: (b) =>
      b.handlers.StartTransaction = () => ({ transactionId: 0, idTagInfo: { status: "Accepted" } }),
  });
  await t.booted();
  assert.equal(
    (await t.backend.call<Json>("ChangeConfiguration", {
      key: "MeterValueSampleInterval",
      value: "1",
    })).status,
    "Accepted",
  );
  const from = t.backend.calls.length;
  await t.post("/api/sim/connectors/1/plug");
  await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
  await t.next("StartTransaction", undefined, { from });
  const mv = await t.next("MeterValues", undefined, { from, timeoutMs: 5000 });
  assert.equal(mv.params.transactionId, 0);
  // A triggered MeterValues of the running transaction, too.
  const before = t.backend.calls.length;
  await t.backend.call("TriggerMessage", { requestedMessage: "MeterValues", connectorId: 1 });
  const triggered = await t.next(
    "MeterValues",
    (p) => p.meterValue[0].sampledValue[0].context === "Trigger",
    { from: before },
  );
  assert.equal(triggered.params.transactionId, 0);
  const res = await t.backend.call<Json>("RemoteStopTransaction", { transactionId: 0 });
  assert.equal(res.status, "Accepted");
  const stop = await t.next("StopTransaction", undefined, { from });
  assert.deepEqual([stop.params.transactionId, stop.params.reason], [0, "Remote"]);
  assert.ok(
    t.backend.of("MeterValues").every((c) => c.params.transactionId === 0),
    "no MeterValues of the session without its id",
  );
  clean(t);
});

Deno.test("a StartTransaction the backend keeps refusing blocks no status; it is visible and later messages wait behind it", async () => {
  let refuse = true;
  await using t = await ocppStation({
    backend: "raw",
    connectors: 2,
    seed: { "ocpp.transactionMessageRetryIntervalS": 2 },
    setup: (b) => {
      const accept = b.handlers.StartTransaction!;
      b.handlers.StartTransaction = (p: Json, id: string) => {
        if (refuse) throw new Error("billing system down");
        return accept(p, id);
      };
    },
  });
  await t.booted();
  const from = t.backend.calls.length;
  await t.post("/api/sim/connectors/1/plug");
  await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
  await t.next("StartTransaction", undefined, { from });
  const s = await t.st.waitFor((s: Json) => s.ocpp.stuck?.attempts >= 1);
  assert.equal(s.ocpp.stuck.kind, "start");
  assert.match(s.ocpp.stuck.lastError, /billing system down/);
  assert.ok(Date.parse(s.ocpp.stuck.nextAttemptAt) > Date.now() - 1000);
  // Connector 2 changes while the StartTransaction is stuck: its status still goes out.
  await t.post("/api/sim/connectors/2/plug");
  await t.next("StatusNotification", (p) => p.connectorId === 2 && p.status === "Preparing", {
    from,
    timeoutMs: 3000,
  });
  await t.post("/api/sim/connectors/1/unplug");
  await t.st.waitFor((s: Json) => s.ocpp.queue === 2);
  assert.equal(t.backend.of("StopTransaction").length, 0, "the stop waits behind its start");
  refuse = false;
  const stop = await t.next("StopTransaction", undefined, { from, timeoutMs: 15_000 });
  assert.equal(stop.params.reason, "EVDisconnected");
  const after = await t.st.waitFor((s: Json) => s.ocpp.stuck === null && s.ocpp.queue === 0);
  assert.equal(after.ocpp.registration, "Accepted");
  clean(t);
});

Deno.test("UnlockConnector answers what the lock reports: UnlockFailed while it is stuck", async () => {
  await using t = await ocppStation({ backend: "raw", connectors: 1 });
  await t.booted();
  await charge(t);
  await t.post("/api/sim/faults", { code: "ConnectorLockFailure", connectorId: 1 });
  const stuck = await t.backend.call<Json>("UnlockConnector", { connectorId: 1 });
  assert.equal(stuck.status, "UnlockFailed");
  const s = await t.st.waitFor((s: Json) => s.connectors[0].session === null);
  assert.equal(s.connectors[0].contactorClosed, false, "energy stops all the same");
  const res = await t.st.api(`/api/sim/faults/ConnectorLockFailure?connectorId=1`, {
    method: "DELETE",
  });
  assert.equal(res.status, 200);
  const freed = await t.backend.call<Json>("UnlockConnector", { connectorId: 1 });
  assert.equal(freed.status, "Unlocked");
  const after = await t.st.waitFor((s: Json) => s.connectors[0].cableLocked === false);
  assert.equal(after.connectors[0].cableLocked, false);
  clean(t);
});
