/**
 * A simulated display that remembers what it shows.
 * @module
 */
import type { Display } from "../ports.ts";

/** A display whose last lines can be read back. */
export class SimDisplay implements Display {
  #lines: readonly string[] = Object.freeze([]);

  /** Shows `lines`, replacing what was shown. */
  show(lines: readonly string[]): void {
    this.#lines = Object.freeze([...lines]);
  }

  /** The lines shown now; empty before the first `show`. */
  get lines(): readonly string[] {
    return this.#lines;
  }
}
