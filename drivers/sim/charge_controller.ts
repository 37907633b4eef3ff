/**
 * A simulated charge controller with the vehicle plugged into its point: pilot, contactor,
 * cable lock, faults, and the energy that flows while the vehicle charges.
 * @module
 */
import type { FaultCode } from "../../station/faults.ts";
import { Listeners, throwErrors } from "../listeners.ts";
import type { ChargeController, Clock, ControllerInfo, PilotState, Unsubscribe } from "../ports.ts";
import { derivePilot, energyWh, type PhaseCurrentsA, phaseCurrentsA, powerW } from "./electrics.ts";
import { FaultSet } from "./fault_set.ts";
import { NO_VEHICLE, SimVehicle, type VehicleOptions, type VehicleSnapshot } from "./vehicle.ts";

/** Options of a simulated charge controller. */
export interface SimChargeControllerOptions {
  /** The charge point it drives (1 or 2). */
  connectorId: number;
  clock: Clock;
}

/** What flowed through the contactor, as a meter measures it. */
export interface FlowMeasurement {
  /** Energy delivered since the controller was built. */
  deliveredWh: number;
  currentsA: PhaseCurrentsA;
  atMs: number;
}

// A listener that flips the state on every report would loop forever; stop it loudly.
const MAX_REPORT_ROUNDS = 100;

/**
 * A charge controller driving a simulated vehicle. Energy is integrated exactly whenever
 * anything is asked or changed: the draw is constant in between. No timers: a vehicle
 * that gets full is noticed by the next call (e.g. `sync()` or a meter read).
 */
export class SimChargeController implements ChargeController {
  /** The charge point this controller drives. */
  readonly connectorId: number;
  #clock: Clock;
  #vehicle: SimVehicle | undefined;
  #offeredCurrentMa = 0;
  #contactorClosed = false;
  #locked = false;
  #deliveredWh = 0;
  #syncedAtMs: number;
  #reportedPilot: PilotState = "A";
  #reporting = false;
  #pilotListeners = new Listeners<[PilotState]>();
  #faults = new FaultSet("connector");
  #handedOver = false;

  /** A controller with no vehicle, PWM off, contactor open and cable unlocked. */
  constructor(options: SimChargeControllerOptions) {
    this.connectorId = options.connectorId;
    this.#clock = options.clock;
    this.#syncedAtMs = options.clock.nowMs();
  }

  /** A simulated board runs on across a daemon restart: what it ran when handed over. */
  kept(): "charging" | "connected" | undefined {
    if (!this.#handedOver) return undefined;
    const pilot = this.pilot();
    return pilot === "C" ? "charging" : pilot === "B" ? "connected" : undefined;
  }

  handOver(): void {
    this.#handedOver = true;
  }

  /** The pilot state now. */
  pilot(): PilotState {
    this.sync();
    return this.#pilot();
  }

  /** Calls `listener` on every pilot change, in order, also for changes made by listeners. */
  onPilot(listener: (pilot: PilotState) => void): Unsubscribe {
    return this.#pilotListeners.add(listener);
  }

  /** Calls `listener` when a fault of this point is raised or cleared. */
  onFault(listener: (code: string, active: boolean) => void): Unsubscribe {
    return this.#faults.onChange(listener);
  }

  /** Sets the PWM offer; 0 switches PWM off. Throws RangeError outside 0..maxCurrentMa. */
  setOfferedCurrent(currentMa: number): void {
    const { maxCurrentMa } = this.info();
    if (!Number.isFinite(currentMa) || currentMa < 0 || currentMa > maxCurrentMa) {
      throw new RangeError(
        `Cannot offer ${currentMa} mA on connector ${this.connectorId}: expected 0..${maxCurrentMa}`,
      );
    }
    this.#change(() => this.#offeredCurrentMa = currentMa);
  }

  /** Closes or opens the contactor. */
  setContactor(closed: boolean): void {
    this.#change(() => this.#contactorClosed = closed);
  }

  /** Locks or unlocks the cable; a raised ConnectorLockFailure keeps the lock where it is. */
  setLock(locked: boolean): void {
    if (this.#faults.codes().includes("ConnectorLockFailure")) return;
    this.#change(() => this.#locked = locked);
  }

  /** The simulated lock feedback. */
  lockState(): boolean {
    return this.#locked;
  }

  /** Model "SIM-CC", 32 A. */
  info(): ControllerInfo {
    return {
      model: "SIM-CC",
      firmwareVersion: "1.0.0-sim",
      serial: `SIM-CC-${String(this.connectorId).padStart(4, "0")}`,
      maxCurrentMa: 32000,
    };
  }

  /** The PWM offer last set. */
  get offeredCurrentMa(): number {
    return this.#offeredCurrentMa;
  }

  /** Whether the contactor is closed. */
  get contactorClosed(): boolean {
    return this.#contactorClosed;
  }

  /** Whether the cable is locked. */
  get locked(): boolean {
    return this.#locked;
  }

  /** Plugs a vehicle in; throws RangeError if one is plugged or the options are impossible. */
  plug(options: VehicleOptions = {}): void {
    if (this.#vehicle) {
      throw new RangeError(
        `Cannot plug a vehicle into connector ${this.connectorId}: one is plugged already`,
      );
    }
    const vehicle = new SimVehicle(options);
    this.#change(() => this.#vehicle = vehicle);
  }

  /** Unplugs the vehicle; throws RangeError if none is plugged. */
  unplug(): void {
    this.#pluggedVehicle("unplug");
    this.#change(() => this.#vehicle = undefined);
  }

  /** The vehicle pauses (false) or resumes (true) charging; throws RangeError without one. */
  setEvCharging(charging: boolean): void {
    const vehicle = this.#pluggedVehicle("set charging on");
    this.#change(() => vehicle.wantsCharge = charging);
  }

  /** A plain snapshot of the vehicle now. */
  vehicle(): VehicleSnapshot {
    this.sync();
    const vehicle = this.#vehicle;
    return vehicle ? vehicle.snapshot(this.#currentsA()[0]) : { ...NO_VEHICLE };
  }

  /** Integrates up to now and returns what flowed, as the meter measures it. */
  measure(): FlowMeasurement {
    this.sync();
    return { deliveredWh: this.#deliveredWh, currentsA: this.#currentsA(), atMs: this.#syncedAtMs };
  }

  /** Raises a connector fault; false if active already. RangeError for other codes. */
  raiseFault(code: string): boolean {
    return this.#faults.raise(code);
  }

  /** Clears a connector fault; false if it was not active. */
  clearFault(code: string): boolean {
    return this.#faults.clear(code);
  }

  /** Active fault codes in the order raised. */
  activeFaults(): FaultCode[] {
    return this.#faults.codes();
  }

  /** Integrates the energy up to the clock's now and reports a vehicle that got full. */
  sync(): void {
    this.#integrate();
    this.#report();
  }

  /** Unsubscribes every pilot and fault listener. */
  removeAllListeners(): void {
    this.#pilotListeners.clear();
    this.#faults.removeAllListeners();
  }

  #pluggedVehicle(action: string): SimVehicle {
    if (!this.#vehicle) {
      throw new RangeError(`Cannot ${action} connector ${this.connectorId}: no vehicle is plugged`);
    }
    return this.#vehicle;
  }

  // Energy up to now flows under the old state; then the change; then its pilot report.
  // The change happens even if a listener reporting a full vehicle throws.
  #change(mutate: () => void): void {
    try {
      this.sync();
    } finally {
      mutate();
      this.#report();
    }
  }

  #integrate(): void {
    const nowMs = this.#clock.nowMs();
    // A clock set backwards delivers nothing; the register never runs backwards.
    const durationMs = Math.max(0, nowMs - this.#syncedAtMs);
    this.#syncedAtMs = nowMs;
    const vehicle = this.#vehicle;
    if (!vehicle || durationMs === 0) return;
    const offeredWh = energyWh(powerW(this.#currentsA()), durationMs);
    if (offeredWh > 0) this.#deliveredWh += vehicle.absorb(offeredWh);
  }

  #pilot(): PilotState {
    const vehicle = this.#vehicle;
    return derivePilot({
      plugged: vehicle !== undefined,
      wantsCharge: vehicle?.wantsCharge ?? false,
      full: vehicle?.full ?? false,
      offeredCurrentMa: this.#offeredCurrentMa,
    });
  }

  #currentsA(): PhaseCurrentsA {
    return phaseCurrentsA({
      pilot: this.#pilot(),
      contactorClosed: this.#contactorClosed,
      offeredCurrentMa: this.#offeredCurrentMa,
      phases: this.#vehicle?.phases ?? 3,
      maxCurrentA: this.#vehicle?.maxCurrentA ?? 0,
    });
  }

  // Re-entrant calls from listeners only change state; the outermost call reports every
  // change in order, so each listener sees the same sequence and none sees a stale state.
  #report(): void {
    if (this.#reporting) return;
    this.#reporting = true;
    const errors: unknown[] = [];
    try {
      for (let round = 0; this.#pilot() !== this.#reportedPilot; round++) {
        if (round === MAX_REPORT_ROUNDS) {
          throw new Error(
            `Cannot settle the pilot of connector ${this.connectorId}: listeners flip it endlessly`,
          );
        }
        const pilot = this.#pilot();
        this.#reportedPilot = pilot;
        try {
          this.#pilotListeners.emit(pilot);
        } catch (error) {
          errors.push(error);
        }
      }
    } finally {
      this.#reporting = false;
    }
    throwErrors(errors);
  }
}
