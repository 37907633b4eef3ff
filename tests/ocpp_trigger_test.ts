/**
 * TriggerMessage: every requestedMessage value of OCPP 1.6, with and without connectorId,
 * answered before the triggered message is sent.
 */
import assert from "node:assert/strict";
import { type Json, type OcppStation, ocppStation } from "./helpers/ocpp_station.ts";

async function trigger(t: OcppStation, requestedMessage: string, connectorId?: number) {
  const from = t.backend.calls.length;
  const res = await t.backend.call<Json>("TriggerMessage", {
    requestedMessage,
    ...(connectorId === undefined ? {} : { connectorId }),
  });
  return { status: res.status as string, from, answeredAtMs: Date.now() };
}

Deno.test("TriggerMessage BootNotification and Heartbeat: Accepted, then sent", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  for (const message of ["BootNotification", "Heartbeat"]) {
    const { status, from, answeredAtMs } = await trigger(t, message);
    assert.equal(status, "Accepted", message);
    const sent = await t.next(message, undefined, { from });
    assert.ok(sent.atMs >= answeredAtMs - 5, `${message} after the answer`);
  }
  const s = await t.st.api<Json>("/api/status");
  assert.equal(s.body.ocpp.registration, "Accepted", "still accepted after a triggered boot");
});

Deno.test("TriggerMessage DiagnosticsStatusNotification and FirmwareStatusNotification report Idle", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  for (const message of ["DiagnosticsStatusNotification", "FirmwareStatusNotification"]) {
    const { status, from } = await trigger(t, message);
    assert.equal(status, "Accepted", message);
    const sent = await t.next(message, undefined, { from });
    assert.deepEqual(sent.params, { status: "Idle" });
  }
});

Deno.test("TriggerMessage StatusNotification: one connector, connector 0, or all; unknown connector Rejected", async () => {
  await using t = await ocppStation();
  await t.booted();
  const ids = (from: number) =>
    t.backend.calls.slice(from).filter((c) => c.action === "StatusNotification").map((c) =>
      c.params.connectorId
    );

  let r = await trigger(t, "StatusNotification", 2);
  assert.equal(r.status, "Accepted");
  await t.next("StatusNotification", undefined, { from: r.from });
  // A Heartbeat after it: anything triggered was sent by the time it arrives.
  await t.backend.call("TriggerMessage", { requestedMessage: "Heartbeat" });
  await t.next("Heartbeat", undefined, { from: r.from });
  assert.deepEqual(ids(r.from), [2]);

  r = await trigger(t, "StatusNotification", 0);
  await t.next("StatusNotification", undefined, { from: r.from });
  await t.backend.call("TriggerMessage", { requestedMessage: "Heartbeat" });
  await t.next("Heartbeat", undefined, { from: r.from });
  assert.deepEqual(ids(r.from), [0]);

  r = await trigger(t, "StatusNotification");
  await t.backend.waitFor(() => ids(r.from).length === 3);
  assert.deepEqual(ids(r.from), [0, 1, 2]);

  r = await trigger(t, "StatusNotification", 3);
  assert.equal(r.status, "Rejected");
});

Deno.test("TriggerMessage MeterValues: context Trigger, per connector, with the transactionId during a session", async () => {
  await using t = await ocppStation();
  await t.booted();
  await t.post("/api/sim/connectors/1/plug");
  await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
  await t.next("StartTransaction");

  let r = await trigger(t, "MeterValues", 1);
  assert.equal(r.status, "Accepted");
  const one = await t.next("MeterValues", undefined, { from: r.from });
  assert.equal(one.params.connectorId, 1);
  assert.equal(one.params.transactionId, 1000);
  const sampled: Json[] = one.params.meterValue[0].sampledValue;
  assert.ok(sampled.length > 0 && sampled.every((v) => v.context === "Trigger"));
  assert.ok(sampled.some((v) => v.measurand === "Current.Offered"));

  r = await trigger(t, "MeterValues");
  await t.backend.waitFor(() =>
    t.backend.calls.slice(r.from).filter((c) => c.action === "MeterValues").length === 2
  );
  const both = t.backend.calls.slice(r.from).filter((c) => c.action === "MeterValues");
  assert.deepEqual(both.map((c) => [c.params.connectorId, c.params.transactionId]), [
    [1, 1000],
    [2, undefined],
  ]);
  assert.equal((await trigger(t, "MeterValues", 5)).status, "Rejected");
  assert.deepEqual(t.backend.problems, []);
});
