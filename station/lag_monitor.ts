/**
 * Event-loop lag: a timer that should fire every `intervalMs` notes how late it fires. The
 * longest stall since start shows in `GET /api/status` → `runtime`, so a benchmark or a
 * technician can see whether anything blocked the station.
 * @module
 */

/** What `GET /api/status` shows under `runtime`. */
export interface RuntimeStatus {
  /** Longest event-loop stall seen since start, in ms (timer lateness). */
  eventLoopLagMaxMs: number;
  /** Lateness of the last timer tick, in ms. */
  eventLoopLagMs: number;
  rssBytes: number;
}

/** Watches the event loop until disposed. */
export class LagMonitor implements Disposable {
  #maxMs = 0;
  #lastMs = 0;
  #timer: ReturnType<typeof setInterval>;

  constructor(intervalMs = 20) {
    let expected = performance.now() + intervalMs;
    this.#timer = setInterval(() => {
      const now = performance.now();
      this.#lastMs = Math.max(0, now - expected);
      this.#maxMs = Math.max(this.#maxMs, this.#lastMs);
      expected = now + intervalMs;
    }, intervalMs);
    Deno.unrefTimer(this.#timer);
  }

  status(): RuntimeStatus {
    return {
      eventLoopLagMaxMs: Math.round(this.#maxMs * 10) / 10,
      eventLoopLagMs: Math.round(this.#lastMs * 10) / 10,
      rssBytes: Deno.memoryUsage().rss,
    };
  }

  [Symbol.dispose](): void {
    clearInterval(this.#timer);
  }
}
