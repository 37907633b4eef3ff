/**
 * Transaction messages against a real strict-mode backend: StartTransaction, StatusNotification
 * order and timestamps, MeterValues (sampled and clock-aligned), StopTransaction reasons and
 * transactionData.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { eventually, type Json, type OcppStation, ocppStation } from "./helpers/ocpp_station.ts";

async function change(t: OcppStation, key: string, value: string): Promise<void> {
  const res = await t.backend.call<Json>("ChangeConfiguration", { key, value });
  assert.equal(res.status, "Accepted", `${key} = ${value}`);
}

/** The recorded calls from `from` on as "Action" or "Status:connector:status" lines. */
function story(t: OcppStation, from = 0, connectorId = 1): string[] {
  return t.backend.calls.slice(from).flatMap((c) => {
    if (c.action === "StatusNotification") {
      return c.params.connectorId === connectorId ? [`Status:${c.params.status}`] : [];
    }
    return ["StartTransaction", "StopTransaction"].includes(c.action) ? [c.action] : [];
  });
}

const YEAR_2020 = Date.UTC(2020, 0, 1);

function assertRecent(iso: unknown, what: string): void {
  assert.equal(typeof iso, "string", what);
  const ms = Date.parse(iso as string);
  assert.ok(ms > YEAR_2020 && Math.abs(ms - Date.now()) < 120_000, `${what}: ${iso}`);
}

Deno.test("a session's messages: Preparing, StartTransaction, Charging, StopTransaction, Finishing, Available", async () => {
  await using t = await ocppStation();
  await t.booted();
  const from = t.backend.calls.length;
  await t.post("/api/sim/connectors/1/plug");
  await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
  const start = await t.next("StartTransaction");
  await t.next("StatusNotification", (p) => p.status === "Charging");
  await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
  const stop = await t.next("StopTransaction");
  await t.next("StatusNotification", (p) => p.connectorId === 1 && p.status === "Finishing");
  await t.post("/api/sim/connectors/1/unplug");
  await t.next("StatusNotification", (p) => p.connectorId === 1 && p.status === "Available", {
    from: t.backend.calls.indexOf(stop),
  });
  assert.deepEqual(story(t, from), [
    "Status:Preparing",
    "StartTransaction",
    "Status:Charging",
    "StopTransaction",
    "Status:Finishing",
    "Status:Available",
  ]);

  assert.equal(start.params.connectorId, 1);
  assert.equal(start.params.idTag, "MASTERKEY");
  assert.ok(Number.isInteger(start.params.meterStart));
  assertRecent(start.params.timestamp, "StartTransaction.timestamp");
  assert.equal(stop.params.transactionId, 1000, "the id the backend gave");
  assert.equal(stop.params.reason, "Local");
  assert.equal(stop.params.idTag, "MASTERKEY");
  assert.ok(Number.isInteger(stop.params.meterStop));
  assert.ok(stop.params.meterStop >= start.params.meterStart);
  assertRecent(stop.params.timestamp, "StopTransaction.timestamp");
  for (const c of t.backend.of("StatusNotification")) {
    assertRecent(c.params.timestamp, `StatusNotification ${c.params.status}`);
  }
  assert.deepEqual(t.backend.problems, []);
});

Deno.test("StatusNotification after boot covers connector 0 and every charge point, with real timestamps", async () => {
  await using t = await ocppStation();
  await t.booted();
  const statuses = t.backend.of("StatusNotification");
  assert.deepEqual(
    statuses.map((c) => [c.params.connectorId, c.params.status, c.params.errorCode]),
    [[0, "Available", "NoError"], [1, "Available", "NoError"], [2, "Available", "NoError"]],
  );
  for (const c of statuses) assertRecent(c.params.timestamp, "timestamp");
});

Deno.test("StatusNotification reports faults of a charge point and of the station (connector 0)", async () => {
  await using t = await ocppStation();
  await t.booted();
  await t.post("/api/sim/faults", { code: "GroundFailure", connectorId: 2 });
  const cp = await t.next(
    "StatusNotification",
    (p) => p.connectorId === 2 && p.status === "Faulted",
  );
  assert.equal(cp.params.errorCode, "GroundFailure");
  await t.post("/api/sim/faults", { code: "UnderVoltage", connectorId: 0 });
  const station = await t.next(
    "StatusNotification",
    (p) => p.connectorId === 0 && p.status === "Faulted",
  );
  assert.equal(station.params.errorCode, "UnderVoltage");
  assertRecent(station.params.timestamp, "timestamp");
  const res = await t.st.api(`/api/sim/faults/UnderVoltage?connectorId=0`, { method: "DELETE" });
  assert.equal(res.status, 200);
  await t.next("StatusNotification", (p) => p.connectorId === 0 && p.status === "Available", {
    from: t.backend.calls.indexOf(station),
  });
});

Deno.test("StopTransaction on unplug has reason EVDisconnected and comes before the status changes", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  await t.post("/api/sim/connectors/1/plug");
  await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
  await t.next("StatusNotification", (p) => p.status === "Charging");
  const from = t.backend.calls.length;
  await t.post("/api/sim/connectors/1/unplug");
  const stop = await t.next("StopTransaction");
  assert.equal(stop.params.reason, "EVDisconnected");
  assert.equal(stop.params.idTag, undefined, "nobody presented a card");
  await t.next("StatusNotification", (p) => p.status === "Available", { from });
  const after = story(t, from);
  assert.equal(after[0], "StopTransaction", after.join(", "));
  assert.equal(after.at(-1), "Status:Available", after.join(", "));
});

Deno.test("sampled MeterValues every MeterValueSampleInterval with the configured measurands and transactionId", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  await change(t, "MeterValueSampleInterval", "1");
  await change(
    t,
    "MeterValuesSampledData",
    "Energy.Active.Import.Register,Current.Offered,Current.Import,Voltage,Power.Offered",
  );
  await t.post("/api/sim/connectors/1/plug");
  await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
  await t.next("StartTransaction");
  await t.backend.waitFor(
    (c) => c.filter((x) => x.action === "MeterValues").length >= 3,
    { timeoutMs: 8000, what: "three MeterValues" },
  );
  const values = t.backend.of("MeterValues");
  for (const mv of values) {
    assert.equal(mv.params.connectorId, 1);
    assert.equal(mv.params.transactionId, 1000);
    const [meterValue] = mv.params.meterValue as Json[];
    assertRecent(meterValue.timestamp, "meterValue.timestamp");
    const sampled: Json[] = meterValue.sampledValue;
    assert.ok(sampled.every((v) => v.context === "Sample.Periodic"));
    const names = sampled.map((v) => `${v.measurand}${v.phase ? `@${v.phase}` : ""}`);
    assert.deepEqual(names, [
      "Energy.Active.Import.Register",
      "Current.Offered",
      "Current.Import@L1",
      "Current.Import@L2",
      "Current.Import@L3",
      "Voltage@L1-N",
      "Voltage@L2-N",
      "Voltage@L3-N",
      "Power.Offered",
    ]);
    const offered = sampled.find((v) => v.measurand === "Current.Offered");
    assert.deepEqual([offered.value, offered.unit], ["32.0", "A"]);
  }
  const gaps = values.slice(1).map((v, i) => v.atMs - values[i]!.atMs);
  for (const gap of gaps) assert.ok(gap > 500 && gap < 2500, `MeterValues gap ${gap} ms`);
  const energy = values.map((v) =>
    Number((v.params.meterValue as Json[])[0].sampledValue[0].value)
  );
  assert.ok(energy.at(-1)! >= energy[0]!, "the register does not go back");
  assert.deepEqual(t.backend.problems, []);
});

Deno.test("clock-aligned MeterValues every ClockAlignedDataInterval, at the aligned time, without a transaction", async () => {
  await using t = await ocppStation();
  await t.booted();
  await change(t, "ClockAlignedDataInterval", "2");
  await t.backend.waitFor(
    (c) => c.filter((x) => x.action === "MeterValues").length >= 4,
    { timeoutMs: 8000, what: "two rounds of clock-aligned MeterValues" },
  );
  const values = t.backend.of("MeterValues");
  assert.deepEqual(new Set(values.map((v) => v.params.connectorId)), new Set([1, 2]));
  for (const mv of values) {
    assert.equal(mv.params.transactionId, undefined);
    const [meterValue] = mv.params.meterValue as Json[];
    assert.equal(Date.parse(meterValue.timestamp) % 2000, 0, meterValue.timestamp);
    assert.deepEqual(
      meterValue.sampledValue.map((v: Json) => [v.measurand, v.context, v.unit]),
      [["Energy.Active.Import.Register", "Sample.Clock", "Wh"]],
    );
  }
});

Deno.test("StopTransaction carries transactionData of StopTxnSampledData", async () => {
  await using t = await ocppStation({
    connectors: 1,
    seed: { "meter.storeIntervalS": 1 },
  });
  await t.booted();
  await change(t, "StopTxnSampledData", "Energy.Active.Import.Register,Current.Import");
  await t.post("/api/sim/connectors/1/plug");
  await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
  await t.next("StartTransaction");
  // Samples are stored every second while charging: wait for a few.
  await eventually(() => {
    const db = new DatabaseSync(join(t.dataDir, "ladewerk.sqlite"), { readOnly: true });
    try {
      const n = db.prepare("SELECT count(*) AS n FROM meter_samples WHERE session_id = 1").get();
      return Number(n?.n) >= 3 || undefined;
    } finally {
      db.close();
    }
  }, "three stored samples");
  await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
  const stop = await t.next("StopTransaction");
  const data = stop.params.transactionData as Json[];
  assert.ok(Array.isArray(data) && data.length >= 2, JSON.stringify(stop.params));
  for (const mv of data) {
    assertRecent(mv.timestamp, "transactionData timestamp");
    assert.deepEqual(
      mv.sampledValue.map((v: Json) => `${v.measurand}${v.phase ? `@${v.phase}` : ""}`),
      [
        "Energy.Active.Import.Register",
        "Current.Import@L1",
        "Current.Import@L2",
        "Current.Import@L3",
      ],
    );
  }
  const energy = data.map((mv) => Number(mv.sampledValue[0].value));
  assert.ok(energy.every((e, i) => i === 0 || e >= energy[i - 1]!), energy.join(", "));
  assert.ok(energy[0]! >= (stop.params.meterStop as number) - 100);
  assert.deepEqual(t.backend.problems, []);
});

Deno.test("without StopTxnSampledData StopTransaction has no transactionData", async () => {
  await using t = await ocppStation({ connectors: 1, seed: { "meter.storeIntervalS": 1 } });
  await t.booted();
  await t.post("/api/sim/connectors/1/plug");
  await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
  await t.next("StartTransaction");
  await t.post("/api/sim/connectors/1/unplug");
  const stop = await t.next("StopTransaction");
  assert.equal(stop.params.transactionData, undefined);
});

Deno.test("[raw] transactionData: Begin, periodic at MeterValueSampleInterval, clock-aligned of StopTxnAlignedData, End", async () => {
  await using t = await ocppStation({
    backend: "raw",
    connectors: 1,
    seed: { "meter.storeIntervalS": 1 },
  });
  await t.booted();
  await change(t, "StopTxnSampledData", "Energy.Active.Import.Register");
  await change(t, "StopTxnAlignedData", "Energy.Active.Import.Register");
  await change(t, "MeterValueSampleInterval", "2");
  await change(t, "ClockAlignedDataInterval", "3");
  await t.post("/api/sim/connectors/1/plug");
  await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
  await t.next("StartTransaction");
  await new Promise((r) => setTimeout(r, 7000));
  await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
  const stop = await t.next("StopTransaction");
  const data = stop.params.transactionData as Json[];
  const contexts = data.map((mv) => mv.sampledValue[0].context);
  assert.equal(contexts[0], "Transaction.Begin");
  assert.equal(contexts.at(-1), "Transaction.End");
  assert.ok(contexts.filter((c) => c === "Sample.Periodic").length >= 2, contexts.join());
  const clock = data.filter((mv) => mv.sampledValue[0].context === "Sample.Clock");
  assert.ok(clock.length >= 1, contexts.join());
  for (const mv of clock) assert.equal(Date.parse(mv.timestamp) % 3000, 0, mv.timestamp);
  assert.deepEqual(t.backend.problems, [], "every frame met the OCPP 1.6 schemas");
});
