/**
 * The hardware drivers: the ports, the clocks, and the simulated station hardware.
 * @module
 */
export type * from "./ports.ts";
export { AdjustableClock, ManualClock, systemClock } from "./clock.ts";
export {
  type ActiveFault,
  type PhaseCurrentsA,
  SimChargeController,
  SimDisplay,
  SimLeds,
  SimMeter,
  SimTokenReader,
  SimulatedHardware,
  type SimulatedHardwareOptions,
  type VehicleOptions,
  type VehicleSnapshot,
} from "./sim/mod.ts";
