/**
 * Whether a charging profile may be installed: its own coherence, the station's limits
 * (`ChargeProfileMaxStackLevel`, `ChargingScheduleMaxPeriods`,
 * `ChargingScheduleAllowedChargingRateUnit`) and where it goes (purpose, connector,
 * transaction). Pure; the answer is the reason of a refusal or undefined.
 * @module
 */
import { type ChargingProfile, parseMs, type RateUnit } from "./profiles.ts";

/** The station's limits on profiles. */
export interface ProfileLimits {
  maxStackLevel: number;
  maxPeriods: number;
  allowedUnits: readonly RateUnit[];
}

/** Where a profile is to be installed. */
export interface ProfileTarget {
  connectorId: number;
  /** Number of charge points (connector ids 1..n). */
  connectors: number;
  /**
   * The transaction running on the connector (TxProfile): `transactionId` once the backend
   * gave one. `"remoteStart"`: a RemoteStartTransaction's profile for the session it starts.
   */
  transaction?: { transactionId?: number } | "remoteStart";
  nowMs: number;
}

/** `ChargingScheduleAllowedChargingRateUnit` ("Current", "Power", comma-separated) as units. */
export function allowedUnits(setting: string): RateUnit[] {
  const names = setting.split(",").map((s) => s.trim().toLowerCase());
  return [
    ...(names.includes("current") ? ["A" as const] : []),
    ...(names.includes("power") ? ["W" as const] : []),
  ];
}

/** Problems of the schedule itself; undefined when coherent. */
export function scheduleProblem(p: ChargingProfile, limits: ProfileLimits): string | undefined {
  const s = p.chargingSchedule;
  const periods = s.chargingSchedulePeriod;
  if (!limits.allowedUnits.includes(s.chargingRateUnit)) {
    return `unit ${s.chargingRateUnit} not allowed`;
  }
  if (periods.length === 0) return "no periods";
  if (periods.length > limits.maxPeriods) {
    return `${periods.length} periods, at most ${limits.maxPeriods}`;
  }
  if (periods[0]!.startPeriod !== 0) return "the first period does not start at 0";
  for (const [i, period] of periods.entries()) {
    if (i > 0 && period.startPeriod <= periods[i - 1]!.startPeriod) {
      return "startPeriod not ascending";
    }
    if (!(period.limit >= 0)) return `negative limit ${period.limit}`;
    if (period.numberPhases !== undefined && ![1, 2, 3].includes(period.numberPhases)) {
      return `numberPhases ${period.numberPhases}`;
    }
  }
  if (s.duration !== undefined && s.duration < 0) return `negative duration ${s.duration}`;
  if (s.minChargingRate !== undefined && s.minChargingRate < 0) return "negative minChargingRate";
  if (s.startSchedule !== undefined && parseMs(s.startSchedule) === undefined) {
    return "unreadable startSchedule";
  }
  if (p.chargingProfileKind === "Recurring") {
    if (!p.recurrencyKind) return "Recurring without recurrencyKind";
    if (s.startSchedule === undefined) return "Recurring without startSchedule";
    const runS = p.recurrencyKind === "Weekly" ? 7 * 86_400 : 86_400;
    if (s.duration !== undefined && s.duration > runS) {
      return `duration ${s.duration} s longer than one ${p.recurrencyKind} recurrence`;
    }
  }
  return undefined;
}

/** Why the profile may not be installed on the target, or undefined when it may. */
export function profileProblem(
  p: ChargingProfile,
  target: ProfileTarget,
  limits: ProfileLimits,
): string | undefined {
  const { connectorId } = target;
  if (target.transaction === "remoteStart" && p.chargingProfilePurpose !== "TxProfile") {
    return `${p.chargingProfilePurpose} in RemoteStartTransaction`;
  }
  if (!Number.isInteger(connectorId) || connectorId < 0 || connectorId > target.connectors) {
    return `unknown connector ${connectorId}`;
  }
  if (p.stackLevel < 0 || p.stackLevel > limits.maxStackLevel) {
    return `stack level ${p.stackLevel} outside 0..${limits.maxStackLevel}`;
  }
  const from = parseMs(p.validFrom);
  const to = parseMs(p.validTo);
  if (p.validFrom !== undefined && from === undefined) return "unreadable validFrom";
  if (p.validTo !== undefined && to === undefined) return "unreadable validTo";
  if (from !== undefined && to !== undefined && to <= from) return "validTo not after validFrom";
  if (to !== undefined && to <= target.nowMs) return "validTo has passed";
  switch (p.chargingProfilePurpose) {
    case "ChargePointMaxProfile":
      if (connectorId !== 0) return "ChargePointMaxProfile only on connector 0";
      break;
    case "TxDefaultProfile":
      break;
    case "TxProfile": {
      if (connectorId === 0) return "TxProfile on connector 0";
      const tx = target.transaction;
      if (tx === undefined) return `no transaction on connector ${connectorId}`;
      if (tx === "remoteStart") {
        // OCPP 1.6 §5.11: the transaction is not known yet, so transactionId is not set.
        if (p.transactionId !== undefined) return "transactionId in RemoteStartTransaction";
      } else if (p.transactionId !== undefined && p.transactionId !== tx.transactionId) {
        return `transaction ${p.transactionId} does not run on connector ${connectorId}`;
      }
      break;
    }
  }
  return scheduleProblem(p, limits);
}
