import assert from "node:assert/strict";
import { MAX_TRANSACTION_DATA, type StoredSample, transactionData } from "./transaction_data.ts";

const T0 = Date.parse("2026-11-24T07:58:30Z");
const H = 3_600_000;

/** A session of `hours` with a stored sample every 10 s, 1 Wh each. */
function session(hours: number) {
  const samples: StoredSample[] = [];
  for (let at = T0 + 10_000; at < T0 + hours * H; at += 10_000) {
    samples.push({
      at,
      energy_wh: 1000 + (at - T0) / 10_000,
      power_w: 11_000,
      offered_ma: 16_000,
      current_l1_ma: 16_000,
      current_l2_ma: 16_000,
      current_l3_ma: 16_000,
      voltage_l1_dv: 2300,
      voltage_l2_dv: 2300,
      voltage_l3_dv: 2300,
    });
  }
  return {
    samples,
    startedAtMs: T0,
    stoppedAtMs: T0 + hours * H,
    meterStartWh: 1000,
    meterStopWh: 1000 + hours * 360,
  };
}

const contexts = (data: { sampledValue: { context?: string }[] }[]) =>
  data.map((v) => v.sampledValue[0]!.context);

Deno.test("transactionData(): StopTxnSampledData every MeterValueSampleInterval, Begin and End", () => {
  const data = transactionData({
    ...session(2),
    sampled: ["Energy.Active.Import.Register"],
    aligned: [],
    sampleIntervalS: 3600,
    alignedIntervalS: 0,
  });
  assert.deepEqual(contexts(data), ["Transaction.Begin", "Sample.Periodic", "Transaction.End"]);
  assert.equal(data[0]!.timestamp, new Date(T0).toISOString());
  assert.equal(data[0]!.sampledValue[0]!.value, "1000");
  assert.equal(data[1]!.timestamp, new Date(T0 + H).toISOString());
  assert.equal(data[2]!.sampledValue[0]!.value, "1720");
});

Deno.test("transactionData(): StopTxnAlignedData at local quarter hours, stamped with them", () => {
  const data = transactionData({
    ...session(1),
    sampled: [],
    aligned: ["Energy.Active.Import.Register", "Current.Offered"],
    sampleIntervalS: 60,
    alignedIntervalS: 900,
    utcOffsetMs: H, // Berlin in winter: the same quarter hours as UTC
  });
  const clock = data.filter((v) => v.sampledValue[0]!.context === "Sample.Clock");
  assert.deepEqual(clock.map((v) => v.timestamp), [
    "2026-11-24T08:00:00.000Z",
    "2026-11-24T08:15:00.000Z",
    "2026-11-24T08:30:00.000Z",
    "2026-11-24T08:45:00.000Z",
  ]);
  // With a half-hour offset (India), the boundaries move with local time.
  const india = transactionData({
    ...session(1),
    sampled: [],
    aligned: ["Energy.Active.Import.Register"],
    sampleIntervalS: 0,
    alignedIntervalS: 3600,
    utcOffsetMs: 5.5 * H,
  });
  assert.deepEqual(india.map((v) => v.timestamp).slice(1, -1), ["2026-11-24T08:30:00.000Z"]);
});

Deno.test("transactionData() of a 10-hour session with 10-s samples stays within the limit", () => {
  const data = transactionData({
    ...session(10),
    sampled: ["Energy.Active.Import.Register", "Power.Active.Import", "Current.Import"],
    aligned: ["Energy.Active.Import.Register"],
    sampleIntervalS: 10,
    alignedIntervalS: 900,
  });
  assert.equal(data.length, MAX_TRANSACTION_DATA);
  assert.equal(data[0]!.sampledValue[0]!.context, "Transaction.Begin");
  assert.equal(data.at(-1)!.sampledValue[0]!.context, "Transaction.End");
  const times = data.map((v) => Date.parse(v.timestamp));
  assert.deepEqual(times, [...times].sort((a, b) => a - b));
  assert.ok(JSON.stringify(data).length < 200 * 1024, `${JSON.stringify(data).length} bytes`);
});

Deno.test("transactionData() without measurands is empty", () => {
  assert.deepEqual(
    transactionData({
      ...session(1),
      sampled: [],
      aligned: [],
      sampleIntervalS: 60,
      alignedIntervalS: 900,
    }),
    [],
  );
});
