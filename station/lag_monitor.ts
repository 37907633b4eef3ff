/**
 * Event-loop lag: a timer that should fire every `intervalMs` notes how late it fires. The
 * longest stall since start and the last long ones show in `GET /api/status` → `runtime`, so a
 * benchmark or a technician can see whether and when anything blocked the station.
 * @module
 */

/** A timer that fired at least `STALL_MS` late. */
export interface Stall {
  /** When the stall ended (epoch ms). */
  at: string;
  ms: number;
}

/** Lateness from which a tick counts as a stall. */
export const STALL_MS = 50;
/** Stalls kept, the newest last. */
export const MAX_STALLS = 20;

/** What `GET /api/status` shows under `runtime`. */
export interface RuntimeStatus {
  /** Longest event-loop stall seen since start, in ms (timer lateness). */
  eventLoopLagMaxMs: number;
  /** Lateness of the last timer tick, in ms. */
  eventLoopLagMs: number;
  /** The last `MAX_STALLS` stalls of `STALL_MS` or more. */
  stalls: Stall[];
  rssBytes: number;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** Watches the event loop until disposed. */
export class LagMonitor implements Disposable {
  #maxMs = 0;
  #lastMs = 0;
  #stalls: Stall[] = [];
  #timer: ReturnType<typeof setInterval>;

  constructor(intervalMs = 20, now: () => number = Date.now) {
    let expected = performance.now() + intervalMs;
    this.#timer = setInterval(() => {
      const t = performance.now();
      this.#lastMs = Math.max(0, t - expected);
      this.#maxMs = Math.max(this.#maxMs, this.#lastMs);
      if (this.#lastMs >= STALL_MS) {
        this.#stalls.push({ at: new Date(now()).toISOString(), ms: round(this.#lastMs) });
        if (this.#stalls.length > MAX_STALLS) this.#stalls.shift();
      }
      expected = t + intervalMs;
    }, intervalMs);
    Deno.unrefTimer(this.#timer);
  }

  status(): RuntimeStatus {
    return {
      eventLoopLagMaxMs: round(this.#maxMs),
      eventLoopLagMs: round(this.#lastMs),
      stalls: [...this.#stalls],
      rssBytes: Deno.memoryUsage().rss,
    };
  }

  [Symbol.dispose](): void {
    clearInterval(this.#timer);
  }
}
