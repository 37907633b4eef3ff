/**
 * Power of the last hour for the dashboard chart: one point per 10 s per charge point in a
 * ring buffer, in memory.
 * @module
 */

/** One point: start of its 10 s step (ms since the epoch) and the mean power in W. */
export type PowerPoint = [atMs: number, powerW: number];

interface Slot {
  stepStartMs: number;
  sumW: number;
  n: number;
}

/** A ring buffer of power per charge point. */
export class PowerHistory {
  readonly stepMs: number;
  readonly slots: number;
  #rings: Map<number, (Slot | undefined)[]>;

  /** Keeps `windowMs` of `stepMs` steps for charge points 1..`connectors`. */
  constructor(options: { connectors: number; stepMs?: number; windowMs?: number }) {
    this.stepMs = options.stepMs ?? 10_000;
    this.slots = Math.ceil((options.windowMs ?? 3_600_000) / this.stepMs);
    this.#rings = new Map(
      Array.from({ length: options.connectors }, (_, i) => [i + 1, new Array(this.slots)]),
    );
  }

  /** Adds a reading; readings within one step are averaged. */
  record(connectorId: number, atMs: number, powerW: number): void {
    const ring = this.#rings.get(connectorId);
    if (!ring || !Number.isFinite(powerW)) return;
    const step = Math.floor(atMs / this.stepMs);
    const index = ((step % this.slots) + this.slots) % this.slots;
    const stepStartMs = step * this.stepMs;
    const slot = ring[index];
    if (slot && slot.stepStartMs === stepStartMs) {
      slot.sumW += powerW;
      slot.n++;
    } else {
      ring[index] = { stepStartMs, sumW: powerW, n: 1 };
    }
  }

  /** Points of the last `minutes` up to `nowMs`, oldest first. */
  points(connectorId: number, nowMs: number, minutes = 60): PowerPoint[] {
    const ring = this.#rings.get(connectorId) ?? [];
    const fromMs = nowMs - minutes * 60_000;
    return ring
      .filter((s): s is Slot => s !== undefined && s.stepStartMs > fromMs && s.stepStartMs <= nowMs)
      .sort((a, b) => a.stepStartMs - b.stepStartMs)
      .map((s) => [s.stepStartMs, Math.round((s.sumW / s.n) * 10) / 10]);
  }

  /** The charge points kept. */
  connectorIds(): number[] {
    return [...this.#rings.keys()];
  }
}
