/**
 * A simulated energy meter: measures what flows through a simulated charge controller.
 * @module
 */
import type { Meter, MeterReading, PhaseReading } from "../ports.ts";
import { SUPPLY_VOLTAGE_V } from "./electrics.ts";
import type { FlowMeasurement } from "./charge_controller.ts";

/** Where the meter sits: anything that integrates its flow up to now when measured. */
export interface MeteredFlow {
  measure(): FlowMeasurement;
}

/** Options of a simulated meter. */
export interface SimMeterOptions {
  connectorId: number;
  flow: MeteredFlow;
  /** Register at start, e.g. the last stored one, so it never runs backwards. @default 0 */
  initialEnergyWh?: number;
}

/** A meter at 230 V and power factor 1 whose register continues from `initialEnergyWh`. */
export class SimMeter implements Meter {
  /** The charge point it measures. */
  readonly connectorId: number;
  #flow: MeteredFlow;
  #initialEnergyWh: number;

  /** Throws RangeError for a negative or non-finite `initialEnergyWh`. */
  constructor(options: SimMeterOptions) {
    const { initialEnergyWh = 0 } = options;
    if (!Number.isFinite(initialEnergyWh) || initialEnergyWh < 0) {
      throw new RangeError(
        `Invalid initialEnergyWh ${initialEnergyWh} for connector ${options.connectorId}: expected a finite value >= 0`,
      );
    }
    this.connectorId = options.connectorId;
    this.#flow = options.flow;
    this.#initialEnergyWh = initialEnergyWh;
  }

  /** Reads the meter; never fails. */
  read(): Promise<MeterReading> {
    return Promise.resolve(this.readNow());
  }

  /** Reads the meter synchronously, for status pages and tests. */
  readNow(): MeterReading {
    const { deliveredWh, currentsA, atMs } = this.#flow.measure();
    const [l1, l2, l3] = currentsA;
    const phases: MeterReading["phases"] = [phaseReading(l1), phaseReading(l2), phaseReading(l3)];
    return {
      energyWh: this.#initialEnergyWh + deliveredWh,
      powerW: phases.reduce((sum, phase) => sum + phase.powerW, 0),
      phases,
      atMs,
    };
  }

  /** Model "SIM-METER". */
  info(): { model: string; serial: string } {
    return { model: "SIM-METER", serial: `SIM-M-${String(this.connectorId).padStart(4, "0")}` };
  }
}

function phaseReading(currentA: number): PhaseReading {
  return {
    voltageV: SUPPLY_VOLTAGE_V,
    currentA,
    powerW: SUPPLY_VOLTAGE_V * currentA,
    powerFactor: 1,
  };
}
