/**
 * Simulated LEDs that remember their pattern per charge point.
 * @module
 */
import type { LedPattern, Leds } from "../ports.ts";

/** Options of the simulated LEDs. */
export interface SimLedsOptions {
  /** Number of charge points; connector ids 0 (station) to this are accepted. */
  connectors: number;
}

/** LEDs whose last pattern per connector can be read back. */
export class SimLeds implements Leds {
  #connectors: number;
  #patterns = new Map<number, Readonly<LedPattern>>();

  /** LEDs for `connectors` charge points, all without pattern. */
  constructor(options: SimLedsOptions) {
    this.#connectors = options.connectors;
  }

  /** Sets the pattern of a connector; throws RangeError for an unknown connector id. */
  set(connectorId: number, pattern: LedPattern): void {
    if (!Number.isInteger(connectorId) || connectorId < 0 || connectorId > this.#connectors) {
      throw new RangeError(
        `Cannot set the LEDs of connector ${connectorId}: expected 0..${this.#connectors}`,
      );
    }
    this.#patterns.set(connectorId, Object.freeze({ ...pattern }));
  }

  /** The pattern last set for a connector, or undefined if none was. */
  pattern(connectorId: number): Readonly<LedPattern> | undefined {
    return this.#patterns.get(connectorId);
  }
}
