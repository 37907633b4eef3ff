/**
 * Login throttling per client address: after `freeAttempts` failures each further attempt
 * waits 2^(n - freeAttempts) s (at most `maxDelayS`), n being the failures so far.
 * @module
 */
import type { Clock } from "../../drivers/ports.ts";

/** Options of {@linkcode LoginThrottle}. */
export interface LoginThrottleOptions {
  clock: Clock;
  /** Failures without delay. @default 3 */
  freeAttempts?: number;
  /** Longest wait. @default 60 */
  maxDelayS?: number;
  /** An address without attempts for this long starts afresh. @default 900_000 (15 min) */
  forgetAfterMs?: number;
  /** Most addresses tracked; the stalest goes first. @default 1000 */
  maxAddresses?: number;
  /** Attempts started per minute over all addresses together, so rotating addresses does
   * not help. @default 30 */
  globalPerMinute?: number;
}

interface Failures {
  failures: number;
  lastFailureMs: number;
}

/** Decides whether a login attempt from an address may be tried now. */
export class LoginThrottle {
  #clock: Clock;
  #free: number;
  #maxDelayS: number;
  #forgetAfterMs: number;
  #maxAddresses: number;
  #records = new Map<string, Failures>();
  #globalPerMinute: number;
  /** Start times of the attempts of the last minute, oldest first (at most globalPerMinute). */
  #recent: number[] = [];

  constructor(options: LoginThrottleOptions) {
    this.#clock = options.clock;
    this.#free = options.freeAttempts ?? 3;
    this.#maxDelayS = options.maxDelayS ?? 60;
    this.#forgetAfterMs = options.forgetAfterMs ?? 15 * 60_000;
    this.#maxAddresses = options.maxAddresses ?? 1000;
    this.#globalPerMinute = options.globalPerMinute ?? 30;
  }

  /**
   * Starts an attempt: 0 when it may go ahead, else the seconds to wait. An attempt that goes
   * ahead counts as failed at once (so parallel attempts cannot all slip through) until
   * `succeeded` forgives it.
   */
  begin(address: string): number {
    const nowMs = this.#clock.nowMs();
    while (this.#recent.length > 0 && nowMs - this.#recent[0]! >= 60_000) this.#recent.shift();
    const globalWaitMs = this.#recent.length >= this.#globalPerMinute
      ? this.#recent[0]! + 60_000 - nowMs
      : 0;
    const waitS = Math.max(this.retryAfterS(address), Math.ceil(globalWaitMs / 1000));
    if (waitS > 0) return waitS;
    this.#recent.push(nowMs);
    this.failed(address);
    return 0;
  }

  /** Delay after `failures` failures, in seconds (0 below the free attempts). */
  delayS(failures: number): number {
    if (failures < this.#free) return 0;
    return Math.min(2 ** (failures - this.#free), this.#maxDelayS);
  }

  /** 0 when an attempt from `address` may go ahead, else the seconds to wait. */
  retryAfterS(address: string): number {
    const r = this.#record(address);
    if (!r) return 0;
    const waitMs = r.lastFailureMs + this.delayS(r.failures) * 1000 - this.#clock.nowMs();
    return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
  }

  /** Counts a failed attempt. */
  failed(address: string): void {
    const nowMs = this.#clock.nowMs();
    const r = this.#record(address) ?? { failures: 0, lastFailureMs: nowMs };
    r.failures++;
    r.lastFailureMs = nowMs;
    this.#records.delete(address);
    this.#records.set(address, r);
    if (this.#records.size > this.#maxAddresses) {
      const stalest = this.#records.keys().next().value;
      if (stalest !== undefined) this.#records.delete(stalest);
    }
  }

  /** A successful login forgets the failures. */
  succeeded(address: string): void {
    this.#records.delete(address);
  }

  #record(address: string): Failures | undefined {
    const r = this.#records.get(address);
    if (r && this.#clock.nowMs() - r.lastFailureMs >= this.#forgetAfterMs) {
      this.#records.delete(address);
      return undefined;
    }
    return r;
  }
}
