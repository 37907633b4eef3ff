/**
 * OCPP 1.6 charging profiles as plain data (what SetChargingProfile installs).
 * @module
 */

/** Purpose of a charging profile. */
export type ProfilePurpose = "ChargePointMaxProfile" | "TxDefaultProfile" | "TxProfile";

/** Unit of a charging schedule: amperes per phase or watts in total. */
export type RateUnit = "A" | "W";

/** One period of a charging schedule. */
export interface SchedulePeriod {
  /** Seconds from the start of the schedule; also the end of the period before. */
  startPeriod: number;
  /** Limit in the schedule's unit (A per phase or W). */
  limit: number;
  /** Phases the vehicle may use. @default 3 */
  numberPhases?: number;
}

/** A charging schedule. */
export interface ChargingSchedule {
  /** Seconds; absent: the last period lasts until the profile's validity ends. */
  duration?: number;
  /** ISO time; the anchor of Absolute and Recurring profiles. Absent on an Absolute
   * profile: the schedule starts with the transaction, like a Relative one. */
  startSchedule?: string;
  chargingRateUnit: RateUnit;
  chargingSchedulePeriod: SchedulePeriod[];
  /** The vehicle's lowest useful rate in the schedule's unit: a limit below it pauses. */
  minChargingRate?: number;
}

/** A charging profile as OCPP 1.6 sends it. */
export interface ChargingProfile {
  chargingProfileId: number;
  transactionId?: number;
  stackLevel: number;
  chargingProfilePurpose: ProfilePurpose;
  chargingProfileKind: "Absolute" | "Recurring" | "Relative";
  recurrencyKind?: "Daily" | "Weekly";
  validFrom?: string;
  validTo?: string;
  chargingSchedule: ChargingSchedule;
}

/** A profile with the connector it is installed on (0 = the station). */
export interface InstalledProfile {
  connectorId: number;
  profile: ChargingProfile;
  /**
   * TxProfile only: the local session (sessions.id) it belongs to. Undefined while it waits
   * for the session a RemoteStartTransaction asked for.
   */
  sessionId?: number;
  /** When it was installed, in ms since the epoch. */
  installedAtMs: number;
}

/** Milliseconds of an ISO time, undefined when absent or unreadable. */
export function parseMs(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}
