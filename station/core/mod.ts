/**
 * The station core: pure state machine, level-1 allocation, local authorization.
 * @module
 */
export { allocate, type Demand, MIN_CURRENT_MA } from "./allocate.ts";
export { authorizeLocal, type LocalAuthInput, sameIdTag, whitelistDecision } from "./auth.ts";
export type { CoreEffect, CoreEvent, StepResult } from "./events.ts";
export {
  type ConnectorState,
  type CoreConfig,
  initialState,
  type LimitSource,
  type PendingAuth,
  type Reservation,
  type Session,
  type StationState,
  type StationStatus,
} from "./state.ts";
export { connectorStatus, faultsOf, isFaulted, stationStatus } from "./status.ts";
export { matches, reservationFor, reservationOn } from "./reservations.ts";
export { step } from "./step.ts";
