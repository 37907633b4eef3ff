/**
 * Table types of the station database, one place for all of them. Times are milliseconds
 * since the epoch, booleans are 0/1, energies whole Wh.
 * @module
 */
import type { Generated } from "kysely";
import type { WhitelistAuthorization } from "../types.ts";

export interface SettingsTable {
  key: string;
  /** JSON of the value. */
  value: string;
  updated_at: number;
}

export interface SessionsTable {
  id: Generated<number>;
  connector_id: number;
  id_tag: string;
  auth_source: string | null;
  started_at: number;
  meter_start_wh: number;
  /** Last stored meter reading while the session ran; the stop reading after a power loss. */
  last_meter_wh: number;
  last_meter_at: number;
  stopped_at: number | null;
  meter_stop_wh: number | null;
  stop_reason: string | null;
  stop_id_tag: string | null;
  transaction_id: number | null;
  reservation_id: number | null;
  /** StartTransaction owed to the backend: null (no backend), "pending" or "done". */
  ocpp_start: OcppOwed | null;
  /** StopTransaction owed to the backend: null, "pending" or "done". */
  ocpp_stop: OcppOwed | null;
}

/** Whether a transaction message is still owed to the backend. */
export type OcppOwed = "pending" | "done";

/** An entry of the audit log. */
export interface AuditTable {
  id: Generated<number>;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  old_value: string | null;
  new_value: string | null;
  detail: string | null;
}

/** A transaction MeterValues message stored before it is sent. */
export interface OcppOutboxTable {
  id: Generated<number>;
  session_id: number | null;
  connector_id: number;
  action: string;
  /** JSON of the payload without transactionId (filled in when sent). */
  payload: string;
  created_at: number;
  done_at: number | null;
}

/** Id tags the backend answered, for offline authorization. */
export interface AuthCacheTable {
  id_tag: string;
  status: string;
  parent_id_tag: string | null;
  expiry_at: number | null;
  updated_at: number;
}

export interface MeterSamplesTable {
  id: Generated<number>;
  connector_id: number;
  session_id: number | null;
  at: number;
  energy_wh: number;
  power_w: number;
  current_l1_ma: number;
  current_l2_ma: number;
  current_l3_ma: number;
  voltage_l1_dv: number;
  voltage_l2_dv: number;
  voltage_l3_dv: number;
  offered_ma: number;
}

export type { WhitelistAuthorization } from "../types.ts";

export interface WhitelistTable {
  uid: string;
  gid: string | null;
  expiry_at: number | null;
  authorization: WhitelistAuthorization;
  deleted: number;
  updated_at: number;
}

export interface EventsTable {
  id: Generated<number>;
  at: number;
  kind: string;
  connector_id: number | null;
  code: string | null;
  message: string;
  /** JSON details, or null. */
  data: string | null;
}

export interface MetaTable {
  key: string;
  value: string;
}

/** A reservation in force (OCPP ReserveNow); connector 0 = any point. */
export interface ReservationsTable {
  /** The backend's reservationId. */
  id: number;
  connector_id: number;
  id_tag: string;
  parent_id_tag: string | null;
  expires_at: number;
  created_at: number;
}

/** A charging profile installed by SetChargingProfile (connector 0 = the station). */
export interface ChargingProfilesTable {
  /** The backend's chargingProfileId. */
  id: number;
  connector_id: number;
  purpose: string;
  stack_level: number;
  /** TxProfile: the session it belongs to; null while it waits for a remote start. */
  session_id: number | null;
  installed_at: number;
  /** JSON of the OCPP ChargingProfile. */
  profile: string;
}

/** The whole database. */
export interface Database {
  settings: SettingsTable;
  sessions: SessionsTable;
  meter_samples: MeterSamplesTable;
  whitelist: WhitelistTable;
  events: EventsTable;
  meta: MetaTable;
  ocpp_outbox: OcppOutboxTable;
  auth_cache: AuthCacheTable;
  charging_profiles: ChargingProfilesTable;
  reservations: ReservationsTable;
  audit: AuditTable;
}
