/**
 * A simulated mobile modem with fixed facts.
 * @module
 */
import type { Modem, ModemInfo } from "../ports.ts";

const SIM_MODEM: ModemInfo = {
  present: true,
  model: "SIM-LTE-1",
  imei: "356938035643809",
  iccid: "8949000000000000001",
  imsi: "262010000000001",
  operator: "Sim Mobile",
  signalPercent: 70,
  simState: "ready",
};

/** The facts of a station without a modem. */
export const NO_MODEM: Readonly<ModemInfo> = Object.freeze({
  present: false,
  model: "",
  imei: "",
  iccid: "",
  imsi: "",
  operator: "",
  signalPercent: null,
  simState: "unknown",
});

/** A modem that answers the same facts every time; `{ present: false }` for none. */
export class SimModem implements Modem {
  #info: ModemInfo;

  /** Starts with the simulated facts, changed by `overrides`. */
  constructor(overrides: Partial<ModemInfo> = {}) {
    this.#info = { ...SIM_MODEM, ...overrides };
    if (!this.#info.present) this.#info = { ...NO_MODEM };
  }

  /** The facts of the modem. */
  info(): Promise<ModemInfo> {
    return Promise.resolve({ ...this.#info });
  }

  /** Changes facts, as the simulator might (signal, SIM state). */
  update(changes: Partial<ModemInfo>): void {
    this.#info = { ...this.#info, ...changes };
  }
}
