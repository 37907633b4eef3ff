/**
 * The simulated station hardware: charge controllers with vehicles, meters, RFID reader,
 * display and LEDs behind the ports, plus the control surface of the simulator and tests.
 * No timers: everything moves by calls and the clock.
 * @module
 */
import { FAULTS, isFaultCode } from "../../station/faults.ts";
import type { Clock, Hardware, Unsubscribe } from "../ports.ts";
import { SimChargeController } from "./charge_controller.ts";
import { SimDisplay } from "./display.ts";
import { type ActiveFault, checkConnectorId, checkFaultPlacement } from "./fault_placement.ts";
import { FaultSet } from "./fault_set.ts";
import { SimLeds } from "./leds.ts";
import { SimMeter } from "./meter.ts";
import { SimTokenReader } from "./token_reader.ts";
import type { VehicleOptions, VehicleSnapshot } from "./vehicle.ts";

export type { ActiveFault } from "./fault_placement.ts";
export type { VehicleOptions, VehicleSnapshot } from "./vehicle.ts";
export type { PhaseCurrentsA } from "./electrics.ts";
export { SimChargeController } from "./charge_controller.ts";
export { SimDisplay } from "./display.ts";
export { SimLeds } from "./leds.ts";
export { SimMeter } from "./meter.ts";
export { SimTokenReader } from "./token_reader.ts";

/** Options of the simulated hardware. */
export interface SimulatedHardwareOptions {
  /** Number of charge points. */
  connectors: 1 | 2;
  clock: Clock;
  /** Meter registers at start by connector (index 0 is connector 1). @default [0, 0] */
  initialEnergyWh?: readonly number[];
}

/** The whole station's hardware, simulated. */
export class SimulatedHardware implements Hardware {
  /** One controller per charge point, connector ids 1..n. */
  readonly controllers: SimChargeController[];
  /** One meter per charge point, connector ids 1..n. */
  readonly meters: SimMeter[];
  /** The RFID reader. */
  readonly reader: SimTokenReader = new SimTokenReader();
  /** The display; its `lines` show what the station shows. */
  readonly display: SimDisplay = new SimDisplay();
  /** The LEDs; `pattern(connectorId)` shows what the station shows. */
  readonly leds: SimLeds;
  /** The clock everything runs on. */
  readonly clock: Clock;
  #stationFaults = new FaultSet("station");

  /** Builds the hardware; throws RangeError for a bad connector count or register. */
  constructor(options: SimulatedHardwareOptions) {
    const { connectors, clock, initialEnergyWh = [] } = options;
    if (connectors !== 1 && connectors !== 2) {
      throw new RangeError(`Invalid connector count ${connectors}: expected 1 or 2`);
    }
    if (initialEnergyWh.length > connectors) {
      throw new RangeError(
        `Invalid initialEnergyWh: ${initialEnergyWh.length} registers for ${connectors} connectors`,
      );
    }
    this.clock = clock;
    this.leds = new SimLeds({ connectors });
    const ids = Array.from({ length: connectors }, (_, index) => index + 1);
    this.controllers = ids.map((connectorId) => new SimChargeController({ connectorId, clock }));
    this.meters = this.controllers.map((flow, index) =>
      new SimMeter({ connectorId: flow.connectorId, flow, initialEnergyWh: initialEnergyWh[index] })
    );
  }

  /** Calls `listener` when a station fault (connector 0) is raised or cleared. */
  onStationFault(listener: (code: string, active: boolean) => void): Unsubscribe {
    return this.#stationFaults.onChange(listener);
  }

  /** Plugs a vehicle in; RangeError for a bad connector id or if one is plugged. */
  plug(connectorId: number, options: VehicleOptions = {}): void {
    this.#controller(connectorId, "plug a vehicle into").plug(options);
  }

  /** Unplugs the vehicle; RangeError for a bad connector id or if none is plugged. */
  unplug(connectorId: number): void {
    this.#controller(connectorId, "unplug").unplug();
  }

  /** The vehicle pauses (false) or resumes (true) charging; RangeError without one. */
  setEvCharging(connectorId: number, charging: boolean): void {
    this.#controller(connectorId, "set charging on").setEvCharging(charging);
  }

  /** Presents an RFID card to the reader. */
  presentCard(idTag: string): void {
    this.reader.present(idTag);
  }

  /** Raises a fault: 0 for a station fault, 1..n for a connector fault. RangeError if misplaced. */
  raiseFault(code: string, connectorId: number): void {
    const fault = checkFaultPlacement(code, connectorId, this.controllers.length);
    if (connectorId === 0) this.#stationFaults.raise(fault);
    else this.#controller(connectorId, "raise a fault on").raiseFault(fault);
  }

  /** Clears `code` wherever active, or only on `connectorId`; returns whether any was cleared. */
  clearFault(code: string, connectorId?: number): boolean {
    if (!isFaultCode(code)) throw new RangeError(`Unknown fault code: ${code}`);
    if (connectorId !== undefined && connectorId !== 0) {
      checkConnectorId(connectorId, this.controllers.length, "clear a fault on");
    }
    if (FAULTS[code].scope === "station") {
      return (connectorId ?? 0) === 0 && this.#stationFaults.clear(code);
    }
    return this.controllers
      .filter((controller) => connectorId === undefined || controller.connectorId === connectorId)
      .map((controller) => controller.clearFault(code))
      .some(Boolean);
  }

  /** Active faults: station faults first, then by connector, each in the order raised. */
  activeFaults(): ActiveFault[] {
    return [
      ...this.#stationFaults.codes().map((code) => ({ code, connectorId: 0 })),
      ...this.controllers.flatMap((controller) =>
        controller.activeFaults().map((code) => ({ code, connectorId: controller.connectorId }))
      ),
    ];
  }

  /** A plain snapshot of the vehicle at a charge point. */
  vehicle(connectorId: number): VehicleSnapshot {
    return this.#controller(connectorId, "look at the vehicle at").vehicle();
  }

  /** Brings every charge point up to the clock's now, e.g. after advancing a manual clock. */
  sync(): void {
    for (const controller of this.controllers) controller.sync();
  }

  /** Removes every listener; the hardware holds no timers or other resources. */
  [Symbol.asyncDispose](): Promise<void> {
    for (const controller of this.controllers) controller.removeAllListeners();
    this.reader.removeAllListeners();
    this.#stationFaults.removeAllListeners();
    return Promise.resolve();
  }

  #controller(connectorId: number, action: string): SimChargeController {
    checkConnectorId(connectorId, this.controllers.length, action);
    return this.controllers[connectorId - 1]!;
  }
}
