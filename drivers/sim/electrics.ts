/**
 * The electrics of a simulated charge point as pure functions: pilot state after
 * IEC 61851-1, the current a vehicle draws, and energy over time.
 * @module
 */
import type { PilotState } from "../ports.ts";

/** Nominal phase-to-neutral voltage of the simulated supply. */
export const SUPPLY_VOLTAGE_V = 230;

/** Lowest PWM offer at which IEC 61851-1 lets a vehicle charge. */
export const MIN_CHARGE_CURRENT_MA = 6000;

/** Currents on L1, L2, L3. */
export type PhaseCurrentsA = readonly [number, number, number];

/** What the pilot state depends on. */
export interface PilotInputs {
  plugged: boolean;
  wantsCharge: boolean;
  full: boolean;
  offeredCurrentMa: number;
}

/** The pilot state: A without vehicle, C when a vehicle may and wants to charge, else B. */
export function derivePilot(inputs: PilotInputs): PilotState {
  if (!inputs.plugged) return "A";
  const charging = inputs.wantsCharge && !inputs.full &&
    inputs.offeredCurrentMa >= MIN_CHARGE_CURRENT_MA;
  return charging ? "C" : "B";
}

/** What the drawn current depends on. */
export interface DrawInputs {
  pilot: PilotState;
  contactorClosed: boolean;
  offeredCurrentMa: number;
  /** Phases the vehicle charges on, from L1. */
  phases: 1 | 3;
  maxCurrentA: number;
}

/** Current per phase: min(offer, vehicle max) on the vehicle's phases in state C behind a closed contactor. */
export function phaseCurrentsA(inputs: DrawInputs): PhaseCurrentsA {
  if (inputs.pilot !== "C" || !inputs.contactorClosed) return [0, 0, 0];
  const currentA = Math.min(inputs.offeredCurrentMa / 1000, inputs.maxCurrentA);
  return inputs.phases === 3 ? [currentA, currentA, currentA] : [currentA, 0, 0];
}

/** Total active power of `currentsA` at the supply voltage and power factor 1. */
export function powerW(currentsA: PhaseCurrentsA): number {
  return currentsA.reduce((sum, currentA) => sum + SUPPLY_VOLTAGE_V * currentA, 0);
}

/** Energy of a constant `powerW` over `durationMs`. */
export function energyWh(powerW: number, durationMs: number): number {
  return powerW * durationMs / 3_600_000;
}
