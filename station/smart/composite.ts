/**
 * The composite schedule: one pure function of (profiles, connector, now, duration, unit).
 * The limit at a moment is the smaller of the station's ChargePointMaxProfile and the
 * connector's transaction limit (its TxProfile, else its TxDefaultProfile); within a purpose
 * the highest stack level that sets a limit at that moment wins, and at the same stack level a
 * profile on the connector itself wins over one on connector 0. Where nothing limits, the
 * connector's own maximum applies. Connector 0's schedule is the station's: the connectors'
 * schedules added up, under the ChargePointMaxProfile.
 * @module
 */
import {
  type ChargingProfile,
  type InstalledProfile,
  parseMs,
  type ProfilePurpose,
  type RateUnit,
} from "./profiles.ts";

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** Recurrences walked at most for one composite schedule (a year of days is 366). */
const MAX_RUNS = 10_000;

/** Nominal phase voltage for W↔A. */
export const NOMINAL_VOLTAGE_V = 230;

/** What the schedule is computed for. */
export interface CompositeInput {
  profiles: readonly InstalledProfile[];
  /** 0: the station (ChargePointMaxProfile alone). */
  connectorId: number;
  nowMs: number;
  durationS: number;
  unit: RateUnit;
  /**
   * The transaction on the connector: its TxProfiles apply and Relative schedules start with
   * it. `sessionId` undefined: the one a RemoteStartTransaction asked for, not begun yet.
   * Without a transaction a Relative schedule is shown as if it started now.
   */
  transaction?: { sessionId?: number; startedAtMs: number };
  /** The connector's own maximum in A (hardware, station); for connector 0 the station's. */
  maxCurrentA: number;
  /** Phases the vehicle really draws on; unknown: the period's numberPhases, else 3. */
  phases?: number;
  /** Phase voltage for W↔A. @default 230 */
  voltageV?: number;
}

/** A period of the composite schedule, in the unit asked for. */
export interface CompositePeriod {
  startPeriod: number;
  limit: number;
  numberPhases?: number;
}

/** GetCompositeSchedule's chargingSchedule. */
export interface CompositeSchedule {
  startMs: number;
  durationS: number;
  unit: RateUnit;
  periods: CompositePeriod[];
}

/** A limit in amperes per phase. */
export interface Limit {
  amps: number;
  /** The numberPhases of the period that sets it. */
  phases?: number;
}

/** Phases a W limit is spread over: the vehicle's real ones, else the period's, else 3. */
function phasesFor(input: CompositeInput, periodPhases: number | undefined): number {
  return input.phases ?? periodPhases ?? 3;
}

function runLengthMs(p: ChargingProfile): number {
  return p.recurrencyKind === "Weekly" ? WEEK_MS : DAY_MS;
}

/** Start of the schedule run that covers `t`; undefined when it has none. */
function scheduleStart(p: ChargingProfile, t: number, input: CompositeInput): number | undefined {
  const anchor = parseMs(p.chargingSchedule.startSchedule);
  const relative = input.transaction?.startedAtMs ?? input.nowMs;
  switch (p.chargingProfileKind) {
    case "Absolute":
      // OCPP 1.6: without startSchedule the schedule is relative to the start of charging.
      return anchor ?? relative;
    case "Relative":
      return relative;
    case "Recurring": {
      if (anchor === undefined) return undefined;
      const length = runLengthMs(p);
      return anchor + Math.floor((t - anchor) / length) * length;
    }
  }
}

/** The limit a single profile sets at `t` in amperes, or undefined if it sets none then. */
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
    if (candidate.startPeriod > offsetS) break;
    period = candidate;
  }
  if (!period) return undefined;
  // Below the vehicle's lowest useful rate it had better pause than crawl.
  const limit = period.limit < (s.minChargingRate ?? 0) ? 0 : period.limit;
  const amps = s.chargingRateUnit === "A"
    ? limit
    : limit / ((input.voltageV ?? NOMINAL_VOLTAGE_V) * phasesFor(input, period.numberPhases));
  return period.numberPhases !== undefined ? { amps, phases: period.numberPhases } : { amps };
}

/** Whether a profile takes part in the connector's schedule for `purpose`. */
function applies(ip: InstalledProfile, input: CompositeInput, purpose: ProfilePurpose): boolean {
  if (ip.profile.chargingProfilePurpose !== purpose) return false;
  switch (purpose) {
    case "ChargePointMaxProfile":
      return ip.connectorId === 0;
    case "TxProfile":
      return input.connectorId !== 0 && ip.connectorId === input.connectorId &&
        input.transaction !== undefined && ip.sessionId === input.transaction.sessionId;
    case "TxDefaultProfile":
      return input.connectorId !== 0 &&
        (ip.connectorId === input.connectorId || ip.connectorId === 0);
  }
}

/** The profiles of each purpose that apply, the winner first. */
interface Stacks {
  max: InstalledProfile[];
  tx: InstalledProfile[];
  txDefault: InstalledProfile[];
}

function stacks(input: CompositeInput): Stacks {
  const of = (purpose: ProfilePurpose) =>
    input.profiles.filter((ip) => applies(ip, input, purpose)).sort((a, b) =>
      b.profile.stackLevel - a.profile.stackLevel ||
      Number(b.connectorId !== 0) - Number(a.connectorId !== 0)
    );
  return {
    max: of("ChargePointMaxProfile"),
    tx: of("TxProfile"),
    txDefault: of("TxDefaultProfile"),
  };
}

function firstLimit(
  stack: readonly InstalledProfile[],
  t: number,
  input: CompositeInput,
): Limit | undefined {
  for (const ip of stack) {
    const limit = profileLimitAt(ip.profile, t, input);
    if (limit) return limit;
  }
  return undefined;
}

/** The limits in force at `t`, by where they go: the whole station and the connector. */
export interface Limits {
  /** ChargePointMaxProfile: shared by every connector. */
  station?: Limit;
  /** TxProfile, else TxDefaultProfile: this connector alone. */
  connector?: Limit;
}

/** The limits on the connector at `t`; undefined where no profile sets one. */
export function limitsAt(input: CompositeInput, t: number, prepared = stacks(input)): Limits {
  const station = firstLimit(prepared.max, t, input);
  const connector = firstLimit(prepared.tx, t, input) ?? firstLimit(prepared.txDefault, t, input);
  return { ...(station ? { station } : {}), ...(connector ? { connector } : {}) };
}

/** The smaller of both limits at `t`, or undefined when no profile limits the connector. */
export function limitAt(
  input: CompositeInput,
  t: number,
  prepared = stacks(input),
): Limit | undefined {
  const { station, connector } = limitsAt(input, t, prepared);
  if (!station || !connector) return station ?? connector;
  return connector.amps <= station.amps ? connector : station;
}

/** Every moment in [from, to) at which a profile's limit may change, sorted. */
function breakpoints(
  profiles: readonly InstalledProfile[],
  input: CompositeInput,
  from: number,
  to: number,
): number[] {
  const points = new Set<number>([from]);
  const add = (t: number | undefined) => {
    if (t !== undefined && t > from && t < to) points.add(t);
  };
  for (const { profile: p } of profiles) {
    add(parseMs(p.validFrom));
    add(parseMs(p.validTo));
    const s = p.chargingSchedule;
    let start = scheduleStart(p, from, input);
    if (start === undefined) continue;
    const recurring = p.chargingProfileKind === "Recurring";
    for (let run = 0; start < to && run < MAX_RUNS; run++) {
      add(start);
      for (const period of s.chargingSchedulePeriod) add(start + period.startPeriod * 1000);
      if (s.duration !== undefined) add(start + s.duration * 1000);
      if (!recurring) break;
      start += runLengthMs(p);
    }
  }
  return [...points].sort((a, b) => a - b);
}

/** Amperes as a schedule value: 0.1 A steps down, or W at 0.1 W. */
function valueIn(input: CompositeInput, amps: number, periodPhases: number | undefined): number {
  if (input.unit === "A") return Math.floor(amps * 10 + 1e-4) / 10;
  const watts = amps * (input.voltageV ?? NOMINAL_VOLTAGE_V) * phasesFor(input, periodPhases);
  return Math.floor(watts * 10 + 1e-4) / 10;
}

/** Longest composite schedule computed: a longer request is answered for this long. */
export const MAX_COMPOSITE_S = 31 * 86_400;
/** Most periods in one composite schedule: its duration ends where the next would start. */
export const MAX_COMPOSITE_PERIODS = 1000;

/** One moment's value of a schedule in its unit, with the phases that set it. */
interface Value {
  limit: number;
  numberPhases?: number;
}

/**
 * Periods from the values at `points` (sorted, the first at `from`), merged where equal and
 * bounded by `MAX_COMPOSITE_PERIODS`; a change within a second shows from the next second.
 */
function schedule(
  from: number,
  durationS: number,
  unit: RateUnit,
  points: readonly number[],
  valueAt: (t: number) => Value,
): CompositeSchedule {
  const periods: CompositePeriod[] = [];
  for (const t of points) {
    const period: CompositePeriod = { startPeriod: Math.ceil((t - from) / 1000), ...valueAt(t) };
    let last = periods.at(-1);
    // Two changes within one second: the later one holds from that second on.
    if (last && last.startPeriod === period.startPeriod) {
      periods.pop();
      last = periods.at(-1);
    }
    if (last && last.limit === period.limit && last.numberPhases === period.numberPhases) continue;
    if (periods.length === MAX_COMPOSITE_PERIODS) {
      durationS = period.startPeriod;
      break;
    }
    periods.push(period);
  }
  return { startMs: from, durationS, unit, periods };
}

/** The connector's limit at `t` in amperes, its own maximum where nothing limits it less. */
function connectorAt(input: CompositeInput, t: number, prepared: Stacks): Limit {
  const found = limitAt(input, t, prepared);
  return !found || found.amps >= input.maxCurrentA ? { amps: input.maxCurrentA } : found;
}

function boundedDuration(input: CompositeInput): number {
  return Math.min(Math.max(0, input.durationS), MAX_COMPOSITE_S);
}

/**
 * The composite schedule of a connector from `nowMs` for `durationS` seconds in `unit`; a
 * change within a second shows from the next whole second of the schedule. Bounded in time
 * and size: at most `MAX_COMPOSITE_S` and `MAX_COMPOSITE_PERIODS`, the answer's `durationS`
 * says how far it reaches.
 */
export function compositeSchedule(input: CompositeInput): CompositeSchedule {
  const from = input.nowMs;
  const durationS = boundedDuration(input);
  const prepared = stacks(input);
  const relevant = [...prepared.max, ...prepared.tx, ...prepared.txDefault];
  const points = breakpoints(relevant, input, from, from + durationS * 1000);
  return schedule(from, durationS, input.unit, points, (t) => {
    const { amps, phases } = connectorAt(input, t, prepared);
    return {
      limit: valueIn(input, amps, phases),
      ...(phases !== undefined ? { numberPhases: phases } : {}),
    };
  });
}

/**
 * Connector 0's composite schedule: what the whole station is expected to draw from the grid,
 * the connectors' schedules added up and capped by the ChargePointMaxProfile and the station's
 * maximum (`station.maxCurrentA`). In A it is amperes per phase; in W each connector counts
 * with its own phases. Bounded like `compositeSchedule`.
 */
export function stationCompositeSchedule(
  station: CompositeInput,
  connectors: readonly CompositeInput[],
): CompositeSchedule {
  const from = station.nowMs;
  const durationS = boundedDuration(station);
  const to = from + durationS * 1000;
  const own = stacks(station);
  const each = connectors.map((input) => ({ input, prepared: stacks(input) }));
  const points = new Set(breakpoints(own.max, station, from, to));
  for (const { input, prepared } of each) {
    const relevant = [...prepared.max, ...prepared.tx, ...prepared.txDefault];
    for (const t of breakpoints(relevant, input, from, to)) points.add(t);
  }
  return schedule(from, durationS, station.unit, [...points].sort((a, b) => a - b), (t) => {
    const cap = connectorAt(station, t, own).amps;
    let sum = 0;
    for (const { input, prepared } of each) {
      const { amps, phases } = connectorAt(input, t, prepared);
      sum += station.unit === "A" ? amps : valueIn(input, amps, phases);
    }
    const capValue = valueIn(station, cap, undefined);
    return { limit: Math.min(capValue, Math.floor(sum * 10 + 1e-4) / 10) };
  });
}
