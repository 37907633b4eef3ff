/**
 * The station core's state: plain data, cloned and replaced by `step`, never mutated in place
 * by anyone else.
 * @module
 */
import type { FaultCode, OcppErrorCode } from "../faults.ts";
import type {
  AuthSource,
  ConnectorStatus,
  IdentificationMode,
  PilotState,
  StopReason,
} from "../types.ts";

/** Where an external current limit comes from. */
export type LimitSource = "ocpp" | "modbus" | "mqtt" | "cluster" | "deauthorized";

/** The settings the core decides with. */
export interface CoreConfig {
  /** Level-1 connection current of the station (M-1.6.3). */
  stationMaxCurrentMa: number;
  /** Hardware maximum of each charge point, by index (connector id - 1). */
  hardwareMaxCurrentMa: number[];
  /** How long an accepted card waits for a vehicle. */
  connectionTimeoutS: number;
  identification: IdentificationMode;
  dummyIdTag: string;
  dummyAllowStop: boolean;
}

/** A running charging session. */
export interface Session {
  idTag: string;
  parentIdTag?: string;
  authSource: AuthSource;
  startedAtMs: number;
  meterStartWh: number;
  reservationId?: number;
  /** Whether the vehicle has drawn (pilot C) since the session started. */
  evCharged: boolean;
}

/** A card accepted before a vehicle was plugged in. */
export interface PendingAuth {
  idTag: string;
  parentIdTag?: string;
  authSource: AuthSource;
  atMs: number;
  /** Set when the authorization is for one charge point (remote start). */
  connectorId?: number;
}

/** A charge point (or any point: connector 0) held for an id tag until it expires. */
export interface Reservation {
  id: number;
  connectorId: number;
  idTag: string;
  parentIdTag?: string;
  expiresAtMs: number;
}

/** One charge point. */
export interface ConnectorState {
  id: number;
  pilot: PilotState;
  /** ChangeAvailability: inoperative points start no new session. */
  operative: boolean;
  session: Session | null;
  /** A session ended: Finishing until the vehicle is unplugged and the session is closed. */
  finishing: boolean;
  /** A stopped session whose record the runtime has not yet confirmed (`sessionClosed`). */
  closing: boolean;
  /** Active faults raised on this charge point. */
  faults: FaultCode[];
  /** External limits in mA by source; absent = no limit. */
  limits: Partial<Record<LimitSource, number>>;
  offeredMa: number;
  contactorClosed: boolean;
  locked: boolean;
  /** Last meter reading. */
  energyWh: number;
  powerW: number;
  status: ConnectorStatus;
  errorCode: OcppErrorCode;
  vendorErrorCode?: string;
  statusSinceMs: number;
}

/** Status of the whole station (OCPP connector 0). */
export interface StationStatus {
  status: "Available" | "Unavailable" | "Faulted";
  errorCode: OcppErrorCode;
  vendorErrorCode?: string;
  statusSinceMs: number;
}

/** The whole station as the core sees it. */
export interface StationState {
  config: CoreConfig;
  connectors: ConnectorState[];
  /** Active faults raised on connector 0. */
  stationFaults: FaultCode[];
  station: StationStatus;
  pendingAuth: PendingAuth | null;
  /** Reservations in force. */
  reservations: Reservation[];
  /** External limits of the whole station in mA by source (OCPP ChargePointMaxProfile). */
  stationLimits: Partial<Record<LimitSource, number>>;
}

/** The state of a station that just started: nothing plugged, nothing running. */
export function initialState(
  config: CoreConfig,
  options: {
    nowMs: number;
    energyWh?: number[];
    operative?: boolean[];
    reservations?: Reservation[];
    /** Sessions the controllers kept running while the station program was away. */
    sessions?: (Session | null)[];
    /** The pilot states of points with such a session (the vehicle is there already). */
    pilots?: (PilotState | undefined)[];
  },
): StationState {
  return {
    config,
    connectors: config.hardwareMaxCurrentMa.map((_, i) => ({
      id: i + 1,
      pilot: options.pilots?.[i] ?? "A",
      operative: options.operative?.[i] ?? true,
      session: options.sessions?.[i] ?? null,
      finishing: false,
      closing: false,
      faults: [],
      limits: {},
      offeredMa: 0,
      contactorClosed: false,
      locked: false,
      energyWh: options.energyWh?.[i] ?? 0,
      powerW: 0,
      // Filled in by the first settle so the first status is reported like any change.
      status: "Unavailable",
      errorCode: "NoError",
      statusSinceMs: options.nowMs,
    })),
    stationFaults: [],
    station: { status: "Unavailable", errorCode: "NoError", statusSinceMs: options.nowMs },
    pendingAuth: null,
    reservations: options.reservations ? [...options.reservations] : [],
    stationLimits: {},
  };
}

/** The stop reason of a session ended by the events of the core. */
export type CoreStopReason = StopReason;
