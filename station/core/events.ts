/**
 * What happens to the core (events) and what the core asks the world to do (effects).
 * Both are plain data.
 * @module
 */
import type { OcppErrorCode } from "../faults.ts";
import type { AuthResult, ConnectorStatus, PilotState, StopReason } from "../types.ts";
import type { CoreConfig, LimitSource, Reservation, Session } from "./state.ts";

/** Something that happened: hardware, people, backends, time. */
export type CoreEvent =
  | { type: "pilot"; connectorId: number; pilot: PilotState }
  | { type: "meter"; connectorId: number; energyWh: number; powerW: number }
  /** A card at the reader. */
  | { type: "token"; idTag: string }
  /** The answer to an `authorize` effect. */
  | { type: "authorized"; idTag: string; result: AuthResult; connectorId?: number }
  /** A start already authorized elsewhere (remote start, OCPP). */
  | { type: "remoteStart"; connectorId: number; idTag: string; parentIdTag?: string }
  /** Ends a session from outside: remote, reset, unlock, deauthorized. */
  | { type: "remoteStop"; connectorId: number; reason: StopReason }
  /** Release the cable (OCPP UnlockConnector): ends a running session (UnlockCommand). */
  | { type: "unlock"; connectorId: number }
  /** The runtime has stored (and queued) the stop of a session. */
  | { type: "sessionClosed"; connectorId: number }
  | { type: "fault"; code: string; connectorId: number; active: boolean }
  /** Operative or not; connector 0 = every charge point. */
  | { type: "availability"; connectorId: number; operative: boolean }
  /** An external limit in mA of a point, or of the whole station (connector 0); undefined
   * removes it. */
  | { type: "limit"; source: LimitSource; connectorId: number; limitMa: number | undefined }
  | { type: "config"; config: Partial<CoreConfig> }
  /** Holds a point (or any point: connector 0); replaces a reservation with the same id. */
  | { type: "reserve"; reservation: Reservation }
  | { type: "cancelReservation"; reservationId: number }
  /** Time passes: timeouts are checked. */
  | { type: "tick" };

/** Something the world must do. */
export type CoreEffect =
  | { type: "authorize"; idTag: string; connectorId?: number }
  | { type: "authorizationRefused"; idTag: string; result: AuthResult }
  | { type: "sessionStarted"; connectorId: number; session: Session }
  | {
    type: "sessionStopped";
    connectorId: number;
    session: Session;
    reason: StopReason;
    meterStopWh: number;
    stoppedAtMs: number;
    stopIdTag?: string;
  }
  | {
    type: "reservationEnded";
    reservationId: number;
    reason: "used" | "expired" | "cancelled";
  }
  | { type: "setOfferedCurrent"; connectorId: number; currentMa: number }
  | { type: "setContactor"; connectorId: number; closed: boolean }
  | { type: "setLock"; connectorId: number; locked: boolean }
  /** A status change of a charge point, or of the station (connector 0). */
  | {
    type: "status";
    connectorId: number;
    status: ConnectorStatus;
    errorCode: OcppErrorCode;
    vendorErrorCode?: string;
    atMs: number;
  };

/** The result of one step. */
export interface StepResult<S> {
  state: S;
  effects: CoreEffect[];
}
