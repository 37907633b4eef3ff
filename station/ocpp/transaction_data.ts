/**
 * `StopTransaction.transactionData` (OCPP 1.6 §9.1.36/37): the session's stored samples as
 * MeterValues, `StopTxnSampledData` every `MeterValueSampleInterval` and `StopTxnAlignedData`
 * at every `ClockAlignedDataInterval` boundary, with a Transaction.Begin and a
 * Transaction.End value, at most `MAX_TRANSACTION_DATA` entries. Pure.
 * @module
 */
import type { MeterReading } from "../../drivers/ports.ts";
import type { MeterSamplesTable } from "../store/schema.ts";
import { type MeterValue, meterValue } from "./conversions.ts";

/** Most meterValue entries in one StopTransaction (about 0.5 KiB each). */
export const MAX_TRANSACTION_DATA = 200;

/** A stored meter sample, as the journal reads it. */
export type StoredSample = Omit<MeterSamplesTable, "id" | "connector_id" | "session_id">;

/** What the transaction data is made of. */
export interface TransactionDataInput {
  samples: readonly StoredSample[];
  startedAtMs: number;
  stoppedAtMs: number;
  meterStartWh: number;
  meterStopWh: number;
  /** StopTxnSampledData. */
  sampled: readonly string[];
  /** StopTxnAlignedData. */
  aligned: readonly string[];
  /** MeterValueSampleInterval; 0: no periodic values. */
  sampleIntervalS: number;
  /** ClockAlignedDataInterval; 0: no clock-aligned values. */
  alignedIntervalS: number;
  /** Offset of the station's local time from UTC (aligned intervals start at local
   * midnight). @default 0 */
  utcOffsetMs?: number;
}

/** A stored sample as a meter reading. */
export function sampleReading(
  s: StoredSample,
): Pick<MeterReading, "energyWh" | "powerW" | "phases"> {
  const phase = (ma: number, dv: number) => ({
    currentA: ma / 1000,
    voltageV: dv / 10,
    powerW: (ma / 1000) * (dv / 10),
    powerFactor: 1,
  });
  return {
    energyWh: s.energy_wh,
    powerW: s.power_w,
    phases: [
      phase(s.current_l1_ma, s.voltage_l1_dv),
      phase(s.current_l2_ma, s.voltage_l2_dv),
      phase(s.current_l3_ma, s.voltage_l3_dv),
    ],
  } as Pick<MeterReading, "energyWh" | "powerW" | "phases">;
}

/** The first sample at or after each step of `stepMs` from `originMs`, with the step's time. */
function pick(
  samples: readonly StoredSample[],
  fromMs: number,
  toMs: number,
  originMs: number,
  stepMs: number,
): { sample: StoredSample; atMs: number }[] {
  const out: { sample: StoredSample; atMs: number }[] = [];
  let next = originMs + Math.ceil((fromMs - originMs) / stepMs) * stepMs;
  if (next <= fromMs) next += stepMs;
  let i = 0;
  while (next < toMs) {
    while (i < samples.length && samples[i]!.at < next) i++;
    const s = samples[i];
    if (!s || s.at >= toMs) break;
    out.push({ sample: s, atMs: next });
    // Samples far apart (idle gaps): go on from the one found, not step by empty step.
    next = originMs + (Math.floor((s.at - originMs) / stepMs) + 1) * stepMs;
  }
  return out;
}

/** Keeps at most `max` entries: the first and last, and an even spread between. */
function thin<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const out: T[] = [];
  for (let k = 0; k < max; k++) out.push(items[Math.round((k * (items.length - 1)) / (max - 1))]!);
  return out;
}

/** The transactionData of a StopTransaction. */
export function transactionData(input: TransactionDataInput): MeterValue[] {
  const { samples, startedAtMs: from, stoppedAtMs: to } = input;
  const first = samples[0];
  const last = samples.at(-1);
  const boundary = (s: StoredSample | undefined, energyWh: number, atMs: number) => {
    const reading = s
      ? { ...sampleReading(s), energyWh }
      : sampleReading({ ...EMPTY, energy_wh: energyWh, at: atMs });
    return { reading, offeredMa: s?.offered_ma ?? 0 };
  };
  const entries: { atMs: number; value: MeterValue }[] = [];
  if (input.sampleIntervalS > 0 && input.sampled.length > 0) {
    for (const { sample } of pick(samples, from, to, from, input.sampleIntervalS * 1000)) {
      entries.push({
        atMs: sample.at,
        value: meterValue(
          sampleReading(sample),
          sample.offered_ma,
          input.sampled,
          "Sample.Periodic",
          sample.at,
        ),
      });
    }
  }
  if (input.alignedIntervalS > 0 && input.aligned.length > 0) {
    const origin = -(input.utcOffsetMs ?? 0);
    for (const { sample, atMs } of pick(samples, from, to, origin, input.alignedIntervalS * 1000)) {
      entries.push({
        atMs,
        value: meterValue(
          sampleReading(sample),
          sample.offered_ma,
          input.aligned,
          "Sample.Clock",
          atMs,
        ),
      });
    }
  }
  entries.sort((a, b) => a.atMs - b.atMs);
  const middle = thin(entries, MAX_TRANSACTION_DATA - 2).map((e) => e.value);
  const measurands = input.sampled.length > 0 ? input.sampled : input.aligned;
  if (measurands.length === 0) return [];
  const begin = boundary(first, input.meterStartWh, from);
  const end = boundary(last, input.meterStopWh, to);
  return [
    meterValue(begin.reading, begin.offeredMa, measurands, "Transaction.Begin", from),
    ...middle,
    meterValue(end.reading, end.offeredMa, measurands, "Transaction.End", to),
  ];
}

const EMPTY: StoredSample = {
  at: 0,
  energy_wh: 0,
  power_w: 0,
  offered_ma: 0,
  current_l1_ma: 0,
  current_l2_ma: 0,
  current_l3_ma: 0,
  voltage_l1_dv: 0,
  voltage_l2_dv: 0,
  voltage_l3_dv: 0,
};
