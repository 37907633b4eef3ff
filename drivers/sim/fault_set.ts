/**
 * The active faults of one place (the station or one charge point).
 * @module
 */
import { type FaultCode, FAULTS, isFaultCode } from "../../station/faults.ts";
import { Listeners } from "../listeners.ts";
import type { Unsubscribe } from "../ports.ts";

/** Active fault codes of one scope; reports each raise and clear once. */
export class FaultSet {
  #scope: "station" | "connector";
  #active = new Set<FaultCode>();
  #listeners = new Listeners<[string, boolean]>();

  /** An empty set for faults of `scope`. */
  constructor(scope: "station" | "connector") {
    this.#scope = scope;
  }

  /** Raises `code`; returns false if it was active already. Throws RangeError for a code of another scope. */
  raise(code: string): boolean {
    const fault = this.#check(code, "raise");
    if (this.#active.has(fault)) return false;
    this.#active.add(fault);
    this.#listeners.emit(fault, true);
    return true;
  }

  /** Clears `code`; returns false if it was not active. */
  clear(code: string): boolean {
    const fault = this.#check(code, "clear");
    if (!this.#active.delete(fault)) return false;
    this.#listeners.emit(fault, false);
    return true;
  }

  /** Whether `code` is active. */
  has(code: string): boolean {
    return isFaultCode(code) && this.#active.has(code);
  }

  /** Active codes in the order they were raised. */
  codes(): FaultCode[] {
    return [...this.#active];
  }

  /** Calls `listener` with each code raised (true) or cleared (false). */
  onChange(listener: (code: string, active: boolean) => void): Unsubscribe {
    return this.#listeners.add(listener);
  }

  /** Unsubscribes every listener. */
  removeAllListeners(): void {
    this.#listeners.clear();
  }

  #check(code: string, action: "raise" | "clear"): FaultCode {
    if (!isFaultCode(code)) throw new RangeError(`Unknown fault code: ${code}`);
    if (FAULTS[code].scope !== this.#scope) {
      throw new RangeError(`Cannot ${action} ${code} here: it is a ${FAULTS[code].scope} fault`);
    }
    return code;
  }
}
