/**
 * One source of live status for every event stream: hears the station's effects and, once a
 * second, notices changes without effects (meter readings); tells its clients at most every
 * `minIntervalMs`. Runs only while a client listens.
 * @module
 */
import type { Station } from "../station/runtime.ts";

type Snapshot = Record<string, unknown>;
type Client = (snapshot: Snapshot) => void;

/** What changes the dashboard: the snapshot without time and uptime. */
function fingerprint(snapshot: Snapshot): string {
  const { time: _time, uptimeS: _uptime, ...rest } = snapshot;
  return JSON.stringify(rest);
}

/** Pushes status snapshots to subscribed clients. */
export class StatusHub {
  #station: Station;
  #render: () => Snapshot;
  #minIntervalMs: number;
  #pollMs: number;
  #clients = new Set<Client>();
  #unsubscribe: (() => void) | undefined;
  #poll: ReturnType<typeof setInterval> | undefined;
  #pending: ReturnType<typeof setTimeout> | undefined;
  #lastSentMs = -Infinity;
  #lastFingerprint = "";

  constructor(
    station: Station,
    render: () => Snapshot,
    options: { minIntervalMs?: number; pollMs?: number } = {},
  ) {
    this.#station = station;
    this.#render = render;
    this.#minIntervalMs = options.minIntervalMs ?? 200;
    this.#pollMs = options.pollMs ?? 1000;
  }

  /** Number of listening clients. */
  get size(): number {
    return this.#clients.size;
  }

  /** Adds a client; the returned function removes it (and stops the hub after the last). */
  add(client: Client): () => void {
    this.#clients.add(client);
    if (this.#clients.size === 1) this.#start();
    return () => {
      if (this.#clients.delete(client) && this.#clients.size === 0) this.#stop();
    };
  }

  #start(): void {
    this.#lastFingerprint = fingerprint(this.#render());
    this.#unsubscribe = this.#station.subscribe(() => this.#schedule());
    this.#poll = setInterval(() => {
      if (fingerprint(this.#render()) !== this.#lastFingerprint) this.#schedule();
    }, this.#pollMs);
  }

  #stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    clearInterval(this.#poll);
    clearTimeout(this.#pending);
    this.#poll = this.#pending = undefined;
  }

  #schedule(): void {
    if (this.#pending !== undefined || this.#clients.size === 0) return;
    const waitMs = Math.max(0, this.#lastSentMs + this.#minIntervalMs - performance.now());
    this.#pending = setTimeout(() => this.#flush(), waitMs);
  }

  #flush(): void {
    this.#pending = undefined;
    this.#lastSentMs = performance.now();
    const snapshot = this.#render();
    this.#lastFingerprint = fingerprint(snapshot);
    for (const client of [...this.#clients]) client(snapshot);
  }
}
