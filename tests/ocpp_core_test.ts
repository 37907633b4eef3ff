/**
 * OCPP 1.6-J Core messages against a real strict-mode backend: boot and registration,
 * heartbeat, availability, data transfer, remote start/stop, reset, unlock.
 */
import assert from "node:assert/strict";
import { type Json, type OcppStation, ocppStation } from "./helpers/ocpp_station.ts";
import { freePort } from "./helpers/station_process.ts";

const boot = (status: string, interval: number) => () => ({
  status,
  interval,
  currentTime: new Date().toISOString(),
});

/** Plugs a vehicle into `connectorId`, presents `idTag`, waits for StartTransaction. */
async function charge(t: OcppStation, connectorId: number, idTag = "MASTERKEY"): Promise<number> {
  const from = t.backend.calls.length;
  await t.post(`/api/sim/connectors/${connectorId}/plug`);
  await t.post("/api/sim/rfid", { idTag });
  await t.next("StartTransaction", (p) => p.connectorId === connectorId, { from });
  await t.st.waitFor((s: Json) => s.connectors[connectorId - 1].status === "Charging");
  return transactionOf(t, connectorId);
}

/** The transactionId the backend gave the last StartTransaction of `connectorId`. */
function transactionOf(t: OcppStation, connectorId: number): number {
  // The test backend numbers transactions 1000, 1001, ... in the order of StartTransaction.
  const starts = t.backend.of("StartTransaction");
  const index = starts.findLastIndex((c) => c.params.connectorId === connectorId);
  assert.ok(index >= 0, `no StartTransaction on ${connectorId}`);
  return 1000 + index;
}

Deno.test("BootNotification reports vendor, model, serials, firmware and meter; identity TE+serial", async () => {
  await using t = await ocppStation({ args: ["--serial", "24110042"] });
  await t.booted();
  const [bootCall] = t.backend.of("BootNotification");
  assert.deepEqual(bootCall!.params, {
    chargePointVendor: "ladewerk",
    chargePointModel: "LW-AC22-2",
    chargePointSerialNumber: "24110042",
    chargeBoxSerialNumber: "24110042",
    firmwareVersion: "0.1.0",
    meterType: "SIM-METER",
    meterSerialNumber: "SIM-M-0001",
  });
  assert.equal(bootCall!.identity, "TE24110042");
  assert.equal(t.backend.calls[0]!.action, "BootNotification", "nothing before the boot");
  assert.deepEqual(t.backend.problems, []);
});

for (const refusal of ["Pending", "Rejected"]) {
  Deno.test(`BootNotification ${refusal}: retried at the given interval, nothing else sent before Accepted`, async () => {
    let boots = 0;
    await using t = await ocppStation({
      connectors: 1,
      setup: (b) => {
        b.handlers.BootNotification = () => boot(++boots < 3 ? refusal : "Accepted", 1)();
      },
    });
    await t.booted();
    const calls = t.backend.calls;
    assert.deepEqual(
      calls.slice(0, 3).map((c) => c.action),
      ["BootNotification", "BootNotification", "BootNotification"],
      "the third BootNotification is accepted; nothing else before it",
    );
    const gaps = [1, 2].map((i) => calls[i]!.atMs - calls[i - 1]!.atMs);
    for (const gap of gaps) assert.ok(gap >= 900 && gap < 3000, `retry after ${gap} ms`);
    const status = await t.st.api<Json>("/api/status");
    assert.equal(status.body.ocpp.registration, "Accepted");
  });
}

Deno.test("registration Pending shows in GET /api/status and no StatusNotification is sent", async () => {
  await using t = await ocppStation({
    connectors: 1,
    setup: (b) => b.handlers.BootNotification = boot("Pending", 1),
  });
  await t.backend.waitFor((c) => c.filter((x) => x.action === "BootNotification").length >= 2);
  const s = await t.st.waitFor((s: Json) => s.ocpp.registration === "Pending");
  assert.equal(s.ocpp.connected, true);
  await t.post("/api/sim/connectors/1/plug");
  await t.backend.waitFor((c) => c.filter((x) => x.action === "BootNotification").length >= 3);
  assert.deepEqual(new Set(t.backend.calls.map((c) => c.action)), new Set(["BootNotification"]));
});

Deno.test("Heartbeat follows the interval of the BootNotification answer", async () => {
  await using t = await ocppStation({
    connectors: 1,
    setup: (b) => b.handlers.BootNotification = boot("Accepted", 1),
  });
  await t.booted();
  await t.backend.waitFor((c) => c.filter((x) => x.action === "Heartbeat").length >= 3, {
    timeoutMs: 6000,
  });
  const beats = t.backend.of("Heartbeat");
  const gaps = beats.slice(1).map((b, i) => b.atMs - beats[i]!.atMs);
  for (const gap of gaps) assert.ok(gap >= 800 && gap < 2500, `heartbeat gap ${gap} ms`);
  const conf = await t.backend.call<Json>("GetConfiguration", { key: ["HeartbeatInterval"] });
  assert.deepEqual(conf.configurationKey, [{
    key: "HeartbeatInterval",
    readonly: false,
    value: "1",
  }]);
});

Deno.test("Heartbeat interval changed by ChangeConfiguration takes effect at once", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  const conf = await t.backend.call<Json>("GetConfiguration", { key: ["HeartbeatInterval"] });
  assert.equal(conf.configurationKey[0].value, "300", "the backend's default interval");
  const res = await t.backend.call<Json>("ChangeConfiguration", {
    key: "HeartbeatInterval",
    value: "1",
  });
  assert.equal(res.status, "Accepted");
  await t.backend.waitFor((c) => c.filter((x) => x.action === "Heartbeat").length >= 2, {
    timeoutMs: 5000,
    what: "two heartbeats within 5 s, not after the old 300 s",
  });
});

Deno.test("ChangeAvailability Inoperative and Operative: Accepted, status Unavailable and back", async () => {
  await using t = await ocppStation();
  await t.booted();
  const from = t.backend.calls.length;
  const res = await t.backend.call<Json>("ChangeAvailability", {
    connectorId: 2,
    type: "Inoperative",
  });
  assert.equal(res.status, "Accepted");
  await t.next("StatusNotification", (p) => p.connectorId === 2 && p.status === "Unavailable", {
    from,
  });
  const again = t.backend.calls.length;
  assert.equal(
    (await t.backend.call<Json>("ChangeAvailability", { connectorId: 2, type: "Operative" }))
      .status,
    "Accepted",
  );
  await t.next("StatusNotification", (p) => p.connectorId === 2 && p.status === "Available", {
    from: again,
  });
  assert.equal(
    (await t.backend.call<Json>("ChangeAvailability", { connectorId: 3, type: "Inoperative" }))
      .status,
    "Rejected",
    "no such connector",
  );
});

Deno.test("ChangeAvailability connector 0 makes the whole station Unavailable", async () => {
  await using t = await ocppStation();
  await t.booted();
  const from = t.backend.calls.length;
  const res = await t.backend.call<Json>("ChangeAvailability", {
    connectorId: 0,
    type: "Inoperative",
  });
  assert.equal(res.status, "Accepted");
  for (const id of [0, 1, 2]) {
    await t.next("StatusNotification", (p) => p.connectorId === id && p.status === "Unavailable", {
      from,
    });
  }
});

Deno.test("ChangeAvailability during a session is Scheduled; Unavailable after it; kept across a restart", async () => {
  await using t = await ocppStation();
  await t.booted();
  const tx = await charge(t, 1);
  const res = await t.backend.call<Json>("ChangeAvailability", {
    connectorId: 1,
    type: "Inoperative",
  });
  assert.equal(res.status, "Scheduled");
  const still = await t.st.api<Json>("/api/status");
  assert.equal(still.body.connectors[0].status, "Charging", "the session goes on");

  const from = t.backend.calls.length;
  await t.post("/api/sim/connectors/1/unplug");
  const stop = await t.next("StopTransaction", (p) => p.transactionId === tx, { from });
  assert.equal(stop.params.reason, "EVDisconnected");
  await t.next("StatusNotification", (p) => p.connectorId === 1 && p.status === "Unavailable", {
    from,
  });

  await t.st.stop();
  const restartedFrom = t.backend.calls.length;
  await t.restart();
  await t.next("BootNotification", undefined, { from: restartedFrom });
  const after = await t.next("StatusNotification", (p) => p.connectorId === 1, {
    from: restartedFrom,
  });
  assert.equal(after.params.status, "Unavailable");
  const plugged = await t.post("/api/sim/connectors/1/plug");
  assert.equal(plugged.connectors[0].status, "Unavailable");
});

Deno.test("ClearCache is Accepted", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  assert.deepEqual(await t.backend.call("ClearCache", {}), { status: "Accepted" });
});

Deno.test("DataTransfer: unknown vendor → UnknownVendorId; generalConfiguration answers explicitly", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  assert.deepEqual(
    await t.backend.call("DataTransfer", { vendorId: "com.example", messageId: "x", data: "1" }),
    { status: "UnknownVendorId" },
  );
  const meter = await t.backend.call<Json>("DataTransfer", {
    vendorId: "generalConfiguration",
    messageId: "setMeterConfiguration",
    data: "{}",
  });
  assert.equal(meter.status, "Rejected");
  assert.match(meter.data, /not supported/);
  assert.deepEqual(
    await t.backend.call("DataTransfer", { vendorId: "generalConfiguration", messageId: "foo" }),
    { status: "UnknownMessageId" },
  );
});

Deno.test("RemoteStartTransaction before the vehicle plugs in: starts on plug with the given idTag", async () => {
  await using t = await ocppStation();
  await t.booted();
  const res = await t.backend.call<Json>("RemoteStartTransaction", {
    connectorId: 2,
    idTag: "REMOTE1",
  });
  assert.equal(res.status, "Accepted");
  await t.st.waitFor((s: Json) => s.connectors[1].status === "Preparing");
  assert.equal(t.backend.of("StartTransaction").length, 0, "no session without a vehicle");
  await t.post("/api/sim/connectors/2/plug");
  const start = await t.next("StartTransaction");
  assert.equal(start.params.connectorId, 2);
  assert.equal(start.params.idTag, "REMOTE1");
  assert.equal(t.backend.of("Authorize").length, 0, "AuthorizeRemoteTxRequests is false");
});

Deno.test("RemoteStartTransaction after the vehicle plugged in, without connectorId: starts there", async () => {
  await using t = await ocppStation();
  await t.booted();
  await t.post("/api/sim/connectors/2/plug");
  const res = await t.backend.call<Json>("RemoteStartTransaction", { idTag: "REMOTE2" });
  assert.equal(res.status, "Accepted");
  const start = await t.next("StartTransaction");
  assert.deepEqual([start.params.connectorId, start.params.idTag], [2, "REMOTE2"]);
  await t.st.waitFor((s: Json) => s.connectors[1].session?.authSource === "remote");
});

Deno.test("RemoteStartTransaction is Rejected on a busy, a faulted, a finishing or an unknown connector", async () => {
  await using t = await ocppStation();
  await t.booted();
  await charge(t, 1);
  const remote = (connectorId: number) =>
    t.backend.call<Json>("RemoteStartTransaction", { connectorId, idTag: "REMOTE3" });
  assert.equal((await remote(1)).status, "Rejected", "busy");
  assert.equal((await remote(3)).status, "Rejected", "no such connector");
  await t.post("/api/sim/faults", { code: "GroundFailure", connectorId: 2 });
  await t.st.waitFor((s: Json) => s.connectors[1].status === "Faulted");
  assert.equal((await remote(2)).status, "Rejected", "faulted");

  await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
  await t.st.waitFor((s: Json) => s.connectors[0].status === "Finishing");
  assert.equal((await remote(1)).status, "Rejected", "finishing: the vehicle must leave first");
  assert.equal(t.backend.of("StartTransaction").length, 1);
});

Deno.test("RemoteStartTransaction with AuthorizeRemoteTxRequests asks the backend first", async () => {
  await using t = await ocppStation({
    seed: { "ocpp.authorizeRemoteTxRequests": true },
    setup: (b) =>
      b.handlers.Authorize = (p: Json) => ({
        idTagInfo: { status: p.idTag === "GOOD" ? "Accepted" : "Invalid" },
      }),
  });
  await t.booted();
  await t.post("/api/sim/connectors/1/plug");
  const bad = await t.backend.call<Json>("RemoteStartTransaction", {
    connectorId: 1,
    idTag: "BAD",
  });
  assert.equal(bad.status, "Rejected");
  assert.deepEqual(t.backend.of("Authorize").map((c) => c.params.idTag), ["BAD"]);
  const good = await t.backend.call<Json>("RemoteStartTransaction", {
    connectorId: 1,
    idTag: "GOOD",
  });
  assert.equal(good.status, "Accepted");
  const start = await t.next("StartTransaction");
  assert.equal(start.params.idTag, "GOOD");
});

Deno.test("RemoteStopTransaction by transactionId stops with Remote; an unknown id is Rejected", async () => {
  await using t = await ocppStation();
  await t.booted();
  const tx = await charge(t, 1);
  assert.equal(
    (await t.backend.call<Json>("RemoteStopTransaction", { transactionId: tx + 77 })).status,
    "Rejected",
  );
  const res = await t.backend.call<Json>("RemoteStopTransaction", { transactionId: tx });
  assert.equal(res.status, "Accepted");
  const stop = await t.next("StopTransaction");
  assert.equal(stop.params.transactionId, tx);
  assert.equal(stop.params.reason, "Remote");
  assert.equal(
    (await t.backend.call<Json>("RemoteStopTransaction", { transactionId: tx })).status,
    "Rejected",
    "already stopped",
  );
});

for (const type of ["Soft", "Hard"]) {
  Deno.test(`Reset ${type}: the session stops with ${type}Reset, the station reconnects and boots again`, async () => {
    // A fixed HTTP port: the restarted station software listens again on the same one.
    await using t = await ocppStation({ args: ["--http-port", String(freePort())] });
    await t.booted();
    const tx = await charge(t, 1);
    const from = t.backend.calls.length;
    const res = await t.backend.call<Json>("Reset", { type });
    assert.equal(res.status, "Accepted");
    const stop = await t.next("StopTransaction", undefined, { from });
    assert.equal(stop.params.transactionId, tx);
    assert.equal(stop.params.reason, `${type}Reset`);
    await t.next("BootNotification", undefined, { from, timeoutMs: 15_000 });
    assert.equal(t.backend.handshakes.length, 2, "a new WebSocket connection");
    await t.next("StatusNotification", (p) => p.connectorId === 1, { from });
    const s = await t.st.waitFor((s: Json) => s.ocpp.registration === "Accepted");
    assert.equal(s.connectors[0].session, null);
    assert.ok(s.uptimeS <= 5, "a new lifetime of the station software");
  });
}

Deno.test("UnlockConnector stops the session with UnlockCommand; without a session just Unlocked", async () => {
  await using t = await ocppStation();
  await t.booted();
  const tx = await charge(t, 1);
  assert.deepEqual(await t.backend.call("UnlockConnector", { connectorId: 1 }), {
    status: "Unlocked",
  });
  const stop = await t.next("StopTransaction");
  assert.deepEqual([stop.params.transactionId, stop.params.reason], [tx, "UnlockCommand"]);
  const s = await t.st.waitFor((s: Json) => s.connectors[0].session === null);
  assert.equal(s.connectors[0].cableLocked, false);
  assert.deepEqual(await t.backend.call("UnlockConnector", { connectorId: 2 }), {
    status: "Unlocked",
  });
  assert.deepEqual(await t.backend.call("UnlockConnector", { connectorId: 3 }), {
    status: "NotSupported",
  });
});
