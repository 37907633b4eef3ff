/**
 * The Modbus set-points of the charge points and their fallback timers. A set-point is the
 * smaller of register 256 (share of the point's maximum) and 257 (mA); it reaches the core as
 * the `modbus` limit. Every write restarts the point's timer; when it runs out (register 259
 * seconds, 0 = never) the fallback current (register 258) replaces the set-point until the
 * next write. The timer starts with the first write only: a station whose clients only read
 * never changes its charging behaviour. Set-points live in memory.
 * @module
 */
import type { SetpointReading } from "./register_def.ts";

/** Timers the fallback runs on; a test passes a manual implementation. */
export interface Timers {
  set(callback: () => void, delayMs: number): unknown;
  clear(id: unknown): void;
}

/** `setTimeout` and `clearTimeout`. */
export const REAL_TIMERS: Timers = {
  set: (callback, delayMs) => setTimeout(callback, delayMs),
  clear: (id) => clearTimeout(id as number),
};

/** Where a point's set-point comes from: nothing written, a client's write, the fallback. */
export type SetpointMode = "none" | "written" | "fallback";

/** What the set-points need from the station. */
export interface SetpointDeps {
  connectorIds: readonly number[];
  /** Hands the limit of a charge point to the core (undefined removes it); never rejects. */
  apply(connectorId: number, limitMa: number | undefined): Promise<void>;
  /** The point's maximum current (register B+9) that register 256 is a share of, in mA. */
  maxMa(connectorId: number): number;
  /** The fallback settings of a charge point, read live. */
  fallback(connectorId: number): { currentMa: number; timeoutS: number };
  /** Monotonic milliseconds. @default performance.now */
  nowMs?: () => number;
  /** @default REAL_TIMERS */
  timers?: Timers;
  /** Hears a fallback taking over (for the log). */
  onFallback?(connectorId: number, currentMa: number, timeoutS: number): void;
  /** Hears what went wrong in a timer, where no caller can. */
  onError?(error: unknown): void;
}

const FULL_SHARE_BP = 10_000;

interface Point {
  mode: SetpointMode;
  shareBp: number;
  /** Register 257 as written; null while only 256 was written. */
  currentMa: number | null;
  lastWriteMs: number;
  timer: unknown;
  /** The limit last handed to the core. */
  appliedMa: number | undefined;
}

/** The set-points of every charge point. */
export class Setpoints implements Disposable {
  #deps: SetpointDeps;
  #points = new Map<number, Point>();
  #timers: Timers;
  #nowMs: () => number;
  #disposed = false;

  constructor(deps: SetpointDeps) {
    this.#deps = deps;
    this.#timers = deps.timers ?? REAL_TIMERS;
    this.#nowMs = deps.nowMs ?? (() => performance.now());
    for (const id of deps.connectorIds) {
      this.#points.set(id, {
        mode: "none",
        shareBp: FULL_SHARE_BP,
        currentMa: null,
        lastWriteMs: 0,
        timer: undefined,
        appliedMa: undefined,
      });
    }
  }

  /** Where the set-point of a charge point comes from now. */
  mode(connectorId: number): SetpointMode {
    return this.#point(connectorId).mode;
  }

  /** Registers 256 and 257: the set-point in force (without one: 100 % and the maximum). */
  read(connectorId: number): SetpointReading {
    const p = this.#point(connectorId);
    if (p.mode === "fallback") {
      return { shareBp: FULL_SHARE_BP, currentMa: this.#deps.fallback(connectorId).currentMa };
    }
    return { shareBp: p.shareBp, currentMa: p.currentMa ?? this.#deps.maxMa(connectorId) };
  }

  /** The limit the set-point puts on a charge point; undefined for none. */
  limitMa(connectorId: number): number | undefined {
    const p = this.#point(connectorId);
    if (p.mode === "none") return undefined;
    if (p.mode === "fallback") return this.#deps.fallback(connectorId).currentMa;
    const shareMa = p.shareBp >= FULL_SHARE_BP
      ? Infinity
      : Math.floor(this.#deps.maxMa(connectorId) * p.shareBp / FULL_SHARE_BP);
    const limitMa = Math.min(shareMa, p.currentMa ?? Infinity);
    return limitMa === Infinity ? undefined : limitMa;
  }

  /**
   * A client wrote register 256 and/or 257 (values checked by the map): the set-point changes,
   * a fallback in force ends, the timer restarts. Resolves once the core has the new limit.
   */
  write(connectorId: number, change: { shareBp?: number; currentMa?: number }): Promise<void> {
    if (this.#disposed) throw new Error("Cannot write a set-point: Modbus has stopped");
    const p = this.#point(connectorId);
    if (p.mode !== "written") {
      p.shareBp = FULL_SHARE_BP;
      p.currentMa = null;
    }
    p.mode = "written";
    if (change.shareBp !== undefined) p.shareBp = change.shareBp;
    if (change.currentMa !== undefined) p.currentMa = change.currentMa;
    p.lastWriteMs = this.#nowMs();
    this.#arm(connectorId, p);
    return this.#apply(connectorId, p);
  }

  /** Settings changed (fallback, station limit): timers and limits follow. */
  async refresh(): Promise<void> {
    if (this.#disposed) return;
    await Promise.all([...this.#points].map(([id, p]) => {
      this.#arm(id, p);
      return this.#apply(id, p);
    }));
  }

  /** Drops every set-point (Modbus switched off or read-only): the core's limits go. */
  async clear(): Promise<void> {
    await Promise.all([...this.#points].map(([id, p]) => {
      this.#stopTimer(p);
      p.mode = "none";
      p.shareBp = FULL_SHARE_BP;
      p.currentMa = null;
      return this.#apply(id, p);
    }));
  }

  /** Stops the timers; later writes are refused. */
  [Symbol.dispose](): void {
    this.#disposed = true;
    for (const p of this.#points.values()) this.#stopTimer(p);
  }

  #point(connectorId: number): Point {
    const p = this.#points.get(connectorId);
    if (!p) throw new RangeError(`Invalid charge point ${connectorId}: no set-point`);
    return p;
  }

  #apply(connectorId: number, p: Point): Promise<void> {
    const limitMa = this.limitMa(connectorId);
    if (limitMa === p.appliedMa) return Promise.resolve();
    p.appliedMa = limitMa;
    return this.#deps.apply(connectorId, limitMa);
  }

  #stopTimer(p: Point): void {
    if (p.timer !== undefined) this.#timers.clear(p.timer);
    p.timer = undefined;
  }

  /** (Re)starts the fallback timer of a written set-point, from its last write. */
  #arm(connectorId: number, p: Point): void {
    this.#stopTimer(p);
    if (p.mode !== "written" || this.#disposed) return;
    const { timeoutS } = this.#deps.fallback(connectorId);
    if (timeoutS <= 0) return;
    const dueMs = p.lastWriteMs + timeoutS * 1000 - this.#nowMs();
    if (dueMs <= 0) this.#expire(connectorId, p);
    else p.timer = this.#timers.set(() => this.#expire(connectorId, p), dueMs);
  }

  #expire(connectorId: number, p: Point): void {
    p.timer = undefined;
    if (p.mode !== "written" || this.#disposed) return;
    p.mode = "fallback";
    // A timer has no caller: whatever fails here is reported, never thrown.
    try {
      const { currentMa, timeoutS } = this.#deps.fallback(connectorId);
      this.#deps.onFallback?.(connectorId, currentMa, timeoutS);
      this.#apply(connectorId, p).catch((e) => this.#deps.onError?.(e));
    } catch (e) {
      this.#deps.onError?.(e);
    }
  }
}
