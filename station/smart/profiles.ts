/**
 * OCPP 1.6 charging profiles as plain data (what SetChargingProfile installs).
 * @module
 */

/** Purpose of a charging profile. */
export type ProfilePurpose = "ChargePointMaxProfile" | "TxDefaultProfile" | "TxProfile";

/** One period of a charging schedule. */
export interface SchedulePeriod {
  /** Seconds from the start of the schedule. */
  startPeriod: number;
  /** Limit in the schedule's unit (A or W). */
  limit: number;
  numberPhases?: number;
}

/** A charging schedule. */
export interface ChargingSchedule {
  /** Seconds; absent: the last period lasts until the profile's validity ends. */
  duration?: number;
  /** ISO time; the anchor of Absolute and Recurring profiles. */
  startSchedule?: string;
  chargingRateUnit: "A" | "W";
  chargingSchedulePeriod: SchedulePeriod[];
  minChargingRate?: number;
}

/** A charging profile installed on a connector (0 = the station). */
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

/** A profile with the connector it is installed on. */
export interface InstalledProfile {
  connectorId: number;
  profile: ChargingProfile;
}
