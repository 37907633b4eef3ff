/**
 * The composite schedule: one pure function of (profiles, connector, now, duration, unit).
 * The limit at a moment is the smaller of the station's ChargePointMaxProfile and the
 * connector's transaction limit (its TxProfile, else its TxDefaultProfile); within a purpose
 * the highest stack level that has a period at that moment wins, a profile on the connector
 * itself before one on connector 0.
 * @module
 */
import type { ChargingProfile, InstalledProfile, ProfilePurpose } from "./profiles.ts";

const DAY_S = 86_400;
const WEEK_S = 7 * DAY_S;

/** What the schedule is computed for. */
export interface CompositeInput {
  profiles: readonly InstalledProfile[];
  connectorId: number;
  nowMs: number;
  durationS: number;
  unit: "A" | "W";
  /** The running transaction on the connector, if any: TxProfiles bind to it, Relative
   * profiles start with it. */
  transaction?: { id: number; startedAtMs: number };
  /** The connector's own maximum (hardware and level 1): the limit where no profile sets one. */
  maxCurrentA: number;
  /** For W↔A: nominal phase voltage and the phases in use. */
  voltageV?: number;
  phases?: number;
}

/** A period of the composite schedule. */
export interface CompositePeriod {
  startPeriod: number;
  limit: number;
  numberPhases?: number;
}

/** GetCompositeSchedule's chargingSchedule. */
export interface CompositeSchedule {
  startMs: number;
  durationS: number;
  unit: "A" | "W";
  periods: CompositePeriod[];
}

interface Limit {
  /** In amperes per phase. */
  amps: number;
  phases?: number;
}

function parseMs(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Start of the schedule run that covers `t`, or undefined when it has not started. */
function scheduleStart(
  p: ChargingProfile,
  t: number,
  input: CompositeInput,
): number | undefined {
  const anchor = parseMs(p.chargingSchedule.startSchedule);
  switch (p.chargingProfileKind) {
    case "Absolute":
      return anchor ?? parseMs(p.validFrom) ?? input.nowMs;
    case "Relative":
      return input.transaction?.startedAtMs ?? input.nowMs;
    case "Recurring": {
      if (anchor === undefined) return undefined;
      const periodMs = (p.recurrencyKind === "Weekly" ? WEEK_S : DAY_S) * 1000;
      if (t < anchor) return anchor - Math.ceil((anchor - t) / periodMs) * periodMs;
      return anchor + Math.floor((t - anchor) / periodMs) * periodMs;
    }
  }
}

/** The limit a single profile sets at `t`, or undefined if it sets none then. */
export function profileLimitAt(
  p: ChargingProfile,
  t: number,
  input: CompositeInput,
): Limit | undefined {
  const from = parseMs(p.validFrom);
  const to = parseMs(p.validTo);
  if ((from !== undefined && t < from) || (to !== undefined && t >= to)) return undefined;
  const start = scheduleStart(p, t, input);
  if (start === undefined || t < start) return undefined;
  const offsetS = (t - start) / 1000;
  const s = p.chargingSchedule;
  if (s.duration !== undefined && offsetS >= s.duration) return undefined;
  let period;
  for (const candidate of s.chargingSchedulePeriod) {
    if (candidate.startPeriod <= offsetS) period = candidate;
  }
  if (!period) return undefined;
  const phases = period.numberPhases ?? input.phases ?? 3;
  const amps = s.chargingRateUnit === "A"
    ? period.limit
    : period.limit / ((input.voltageV ?? 230) * phases);
  return { amps, ...(period.numberPhases !== undefined ? { phases: period.numberPhases } : {}) };
}

function applies(ip: InstalledProfile, input: CompositeInput, purpose: ProfilePurpose): boolean {
  const p = ip.profile;
  if (p.chargingProfilePurpose !== purpose) return false;
  if (purpose === "ChargePointMaxProfile") return ip.connectorId === 0;
  if (purpose === "TxProfile") {
    if (ip.connectorId !== input.connectorId || !input.transaction) return false;
    return p.transactionId === undefined || p.transactionId === input.transaction.id;
  }
  return ip.connectorId === input.connectorId || ip.connectorId === 0;
}

/** The winning limit of one purpose at `t`: highest stack level with a period then. */
function purposeLimit(
  input: CompositeInput,
  purpose: ProfilePurpose,
  t: number,
): Limit | undefined {
  const candidates = input.profiles.filter((ip) => applies(ip, input, purpose))
    .sort((a, b) =>
      b.profile.stackLevel - a.profile.stackLevel ||
      Number(b.connectorId !== 0) - Number(a.connectorId !== 0)
    );
  for (const ip of candidates) {
    const limit = profileLimitAt(ip.profile, t, input);
    if (limit) return limit;
  }
  return undefined;
}

/** The limit on the connector at `t` in amperes, or undefined when no profile limits it. */
export function limitAt(input: CompositeInput, t: number): Limit | undefined {
  const max = purposeLimit(input, "ChargePointMaxProfile", t);
  if (input.connectorId === 0) return max;
  const tx = purposeLimit(input, "TxProfile", t) ??
    purposeLimit(input, "TxDefaultProfile", t);
  if (!max) return tx;
  if (!tx) return max;
  return tx.amps <= max.amps ? tx : max;
}

/** Every moment in [from, to) at which some profile's limit may change. */
function breakpoints(input: CompositeInput, from: number, to: number): number[] {
  const points = new Set<number>([from]);
  const add = (t: number | undefined) => {
    if (t !== undefined && t > from && t < to) points.add(t);
  };
  for (const { profile: p } of input.profiles) {
    add(parseMs(p.validFrom));
    add(parseMs(p.validTo));
    const s = p.chargingSchedule;
    const runLengthMs = p.chargingProfileKind === "Recurring"
      ? (p.recurrencyKind === "Weekly" ? WEEK_S : DAY_S) * 1000
      : Infinity;
    let start = scheduleStart(p, from, input);
    if (start === undefined) continue;
    // A recurring schedule repeats; walk each run that overlaps the window.
    for (let guard = 0; start < to && guard < 64; guard++) {
      for (const period of s.chargingSchedulePeriod) add(start + period.startPeriod * 1000);
      if (s.duration !== undefined) add(start + s.duration * 1000);
      if (!Number.isFinite(runLengthMs)) break;
      start += runLengthMs;
      add(start);
    }
  }
  return [...points].sort((a, b) => a - b);
}

/**
 * The composite schedule of a connector from `nowMs` for `durationS` seconds in `unit`;
 * where no profile limits, the connector's own maximum applies.
 */
export function compositeSchedule(input: CompositeInput): CompositeSchedule {
  const from = input.nowMs;
  const to = from + input.durationS * 1000;
  const periods: CompositePeriod[] = [];
  for (const t of breakpoints(input, from, to)) {
    const found = limitAt(input, t);
    const limit = found && found.amps < input.maxCurrentA ? found : { amps: input.maxCurrentA };
    const phases = limit.phases ?? input.phases ?? 3;
    const value = input.unit === "A"
      ? Math.round(limit.amps * 10) / 10
      : Math.round(limit.amps * (input.voltageV ?? 230) * phases);
    const last = periods.at(-1);
    if (last && last.limit === value && last.numberPhases === limit.phases) continue;
    periods.push({
      startPeriod: Math.round((t - from) / 1000),
      limit: value,
      ...(limit.phases !== undefined ? { numberPhases: limit.phases } : {}),
    });
  }
  return { startMs: from, durationS: input.durationS, unit: input.unit, periods };
}
