/**
 * Clocks behind the `Clock` port: the system clock for the running station and a manual
 * clock that tests and the simulator move by hand.
 * @module
 */
import type { Clock } from "./ports.ts";

/** The real-time clock of the host: `Date.now()`. */
export const systemClock: Clock = Object.freeze({ nowMs: () => Date.now() });

/** A clock that only moves when told to; for tests and time-lapse simulation. */
export class ManualClock implements Clock {
  #nowMs: number;

  /** Starts the clock at `startMs` milliseconds since the Unix epoch. @default 0 */
  constructor(startMs = 0) {
    this.#nowMs = checkTimeMs(startMs);
  }

  /** Milliseconds since the Unix epoch, as last set or advanced. */
  nowMs(): number {
    return this.#nowMs;
  }

  /** Moves the clock forward by `ms` milliseconds; use `set` to go back. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`Cannot advance the clock by ${ms} ms: expected a finite value >= 0`);
    }
    this.#nowMs += ms;
  }

  /** Sets the clock to `ms` milliseconds since the Unix epoch, backwards too. */
  set(ms: number): void {
    this.#nowMs = checkTimeMs(ms);
  }
}

function checkTimeMs(ms: number): number {
  if (!Number.isFinite(ms)) {
    throw new RangeError(`Cannot set the clock to ${ms} ms: expected a finite value`);
  }
  return ms;
}

/**
 * A clock that runs on another one plus an offset: the station's clock after a one-time
 * browser time sync (M-1.6.1). The offset lives in memory only.
 */
export class AdjustableClock implements Clock {
  #base: Clock;
  #offsetMs = 0;
  #setAtMs: number | undefined;

  /** Runs on `base` (the host clock) with offset 0. */
  constructor(base: Clock) {
    this.#base = base;
  }

  /** Milliseconds since the Unix epoch: the base clock plus the offset. */
  nowMs(): number {
    return this.#base.nowMs() + this.#offsetMs;
  }

  /** The offset to the base clock, in ms. @default 0 */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** When the time was last set (on this clock), undefined if never. */
  get setAtMs(): number | undefined {
    return this.#setAtMs;
  }

  /** Sets the time to `ms` since the Unix epoch by moving the offset. */
  setTimeMs(ms: number): void {
    this.#offsetMs = checkTimeMs(ms) - this.#base.nowMs();
    this.#setAtMs = ms;
  }
}
