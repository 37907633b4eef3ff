/**
 * Smart charging figures: the composite schedule of a connector from 20 stacked profiles
 * (ChargePointMaxProfile, TxDefaultProfiles on connector 0 and 1, TxProfiles; Absolute,
 * Recurring daily and weekly, Relative; 24 hourly periods each) over one day and one week,
 * and the per-second limit evaluation over the same profiles. In-process, pure functions.
 * @module
 */
import { type CompositeInput, compositeSchedule, limitsAt } from "../station/smart/composite.ts";
import type { InstalledProfile, ProfilePurpose } from "../station/smart/profiles.ts";
import { type Figure, median } from "./figure.ts";

const NOW_MS = Date.parse("2026-11-24T08:00:00Z");
const SAMPLES = 300;
const PER_SAMPLE = 10;

/** The 20 profiles: every kind and purpose, 24 hourly periods each, overlapping stack levels. */
export function stackedProfiles(): InstalledProfile[] {
  const kinds = ["Absolute", "Recurring", "Relative"] as const;
  return Array.from({ length: 20 }, (_, i) => {
    const purpose: ProfilePurpose = i === 0
      ? "ChargePointMaxProfile"
      : i < 16
      ? "TxDefaultProfile"
      : "TxProfile";
    const kind = kinds[i % 3]!;
    return {
      connectorId: purpose === "ChargePointMaxProfile" || i < 10 ? 0 : 1,
      ...(purpose === "TxProfile" ? { sessionId: 1 } : {}),
      installedAtMs: NOW_MS - 3_600_000,
      profile: {
        chargingProfileId: i + 1,
        stackLevel: i % 10,
        chargingProfilePurpose: purpose,
        chargingProfileKind: kind,
        ...(kind === "Recurring" ? { recurrencyKind: i % 2 ? "Weekly" : "Daily" } : {}),
        validTo: new Date(NOW_MS + (3 + i) * 86_400_000).toISOString(),
        chargingSchedule: {
          ...(kind !== "Relative"
            ? { startSchedule: new Date(NOW_MS - (i + 1) * 1_800_000).toISOString() }
            : {}),
          duration: 20 * 3600 + i * 600,
          chargingRateUnit: i % 4 === 3 ? "W" as const : "A" as const,
          chargingSchedulePeriod: Array.from({ length: 24 }, (_, h) => ({
            startPeriod: h * 3600,
            limit: i % 4 === 3 ? 4140 + ((h * 7 + i) % 12) * 690 : 6 + ((h * 5 + i) % 27),
          })),
        },
      },
    };
  });
}

/** Median time of one call of `fn` in µs, from batches of ten. */
function microseconds(fn: () => unknown): number {
  for (let i = 0; i < 200; i++) fn();
  const samples: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const t0 = performance.now();
    for (let i = 0; i < PER_SAMPLE; i++) fn();
    samples.push(((performance.now() - t0) * 1000) / PER_SAMPLE);
  }
  return median(samples);
}

/** Measures and returns the figures. */
export async function run(): Promise<Figure[]> {
  const input: CompositeInput = {
    profiles: stackedProfiles(),
    connectorId: 1,
    nowMs: NOW_MS,
    durationS: 86_400,
    unit: "A",
    transaction: { sessionId: 1, startedAtMs: NOW_MS - 600_000 },
    maxCurrentA: 32,
    phases: 3,
  };
  const week = { ...input, durationS: 7 * 86_400 };
  const note = (n: number) =>
    `20 stacked profiles × 24 periods → ${n} periods; median of ${SAMPLES}×${PER_SAMPLE} runs`;
  const cases: [string, () => unknown, string][] = [
    [
      "composite schedule, 24 h",
      () => compositeSchedule(input),
      note(compositeSchedule(input).periods.length),
    ],
    [
      "composite schedule, 7 days",
      () => compositeSchedule(week),
      note(compositeSchedule(week).periods.length),
    ],
    [
      "limit now (each second)",
      () => limitsAt(input, NOW_MS),
      `limitsAt() over the same 20 profiles; median of ${SAMPLES}×${PER_SAMPLE} runs`,
    ],
  ];
  const figures: Figure[] = [];
  for (const [name, fn, text] of cases) {
    // Between figures the event loop runs, so timers of the runner do not land in a sample.
    await new Promise((r) => setTimeout(r, 0));
    figures.push({ name, value: microseconds(fn), unit: "µs", note: text });
  }
  return figures;
}
