/**
 * A simulated vehicle: how it charges and when it is full.
 * @module
 */

/** How a plugged vehicle charges. */
export interface VehicleOptions {
  /** Phases it charges on, from L1. @default 3 */
  phases?: 1 | 3;
  /** Most current it draws per phase; the offer caps it further. @default 32 */
  maxCurrentA?: number;
  /** Energy after which it is full and stops drawing. @default 40000 */
  energyToFullWh?: number;
}

/** A plain snapshot of the vehicle at a charge point. */
export interface VehicleSnapshot {
  plugged: boolean;
  phases: 1 | 3;
  maxCurrentA: number;
  /** False while the vehicle paused charging itself. */
  wantsCharge: boolean;
  full: boolean;
  /** Energy that went into this vehicle since it was plugged. */
  energyChargedWh: number;
  /** Current drawn on each of its phases now. */
  drawingA: number;
}

/** The snapshot of a charge point without vehicle. */
export const NO_VEHICLE: Readonly<VehicleSnapshot> = Object.freeze({
  plugged: false,
  phases: 3,
  maxCurrentA: 0,
  wantsCharge: false,
  full: false,
  energyChargedWh: 0,
  drawingA: 0,
});

/** A vehicle plugged into a charge point. */
export class SimVehicle {
  /** Phases it charges on, from L1. */
  readonly phases: 1 | 3;
  /** Most current it draws per phase. */
  readonly maxCurrentA: number;
  /** Energy after which it is full. */
  readonly energyToFullWh: number;
  #wantsCharge = true;
  #chargedWh = 0;

  /** A vehicle that wants to charge; throws RangeError for impossible options. */
  constructor(options: VehicleOptions = {}) {
    const { phases = 3, maxCurrentA = 32, energyToFullWh = 40000 } = options;
    if (phases !== 1 && phases !== 3) {
      throw new RangeError(`Invalid vehicle phases ${phases}: expected 1 or 3`);
    }
    if (!Number.isFinite(maxCurrentA) || maxCurrentA <= 0) {
      throw new RangeError(
        `Invalid vehicle maxCurrentA ${maxCurrentA}: expected a finite value > 0`,
      );
    }
    if (!(energyToFullWh > 0)) {
      throw new RangeError(`Invalid vehicle energyToFullWh ${energyToFullWh}: expected > 0`);
    }
    this.phases = phases;
    this.maxCurrentA = maxCurrentA;
    this.energyToFullWh = energyToFullWh;
  }

  /** False while the vehicle paused charging itself. */
  get wantsCharge(): boolean {
    return this.#wantsCharge;
  }

  set wantsCharge(wants: boolean) {
    this.#wantsCharge = wants;
  }

  /** Energy that went into the vehicle so far. */
  get chargedWh(): number {
    return this.#chargedWh;
  }

  /** Whether `energyToFullWh` went in. */
  get full(): boolean {
    return this.#chargedWh >= this.energyToFullWh;
  }

  /** Takes up to `energyWh`, no more than fills it; returns what it took. */
  absorb(energyWh: number): number {
    const missingWh = this.energyToFullWh - this.#chargedWh;
    if (energyWh < missingWh) {
      this.#chargedWh += energyWh;
      return energyWh;
    }
    // Set exactly rather than add, so rounding cannot leave it a hair short of full.
    this.#chargedWh = this.energyToFullWh;
    return missingWh;
  }

  /** A plain snapshot, given the current it draws per phase now. */
  snapshot(drawingA: number): VehicleSnapshot {
    return {
      plugged: true,
      phases: this.phases,
      maxCurrentA: this.maxCurrentA,
      wantsCharge: this.#wantsCharge,
      full: this.full,
      energyChargedWh: this.#chargedWh,
      drawingA,
    };
  }
}
