/**
 * StatusNotifications waiting to be sent: at most one per connector, the latest wins (a status
 * that was overtaken before it went out is not worth sending), so the queue never grows past
 * the number of connectors plus one.
 * @module
 */
import type { CoreEffect } from "../core/mod.ts";

/** A status change of a charge point, or of the station (connector 0). */
export type StatusEffect = Extract<CoreEffect, { type: "status" }>;

/** The waiting statuses, oldest first. */
export class StatusQueue {
  #items: StatusEffect[] = [];

  /** Queues `status`, replacing one of the same connector still waiting. */
  push(status: StatusEffect): void {
    this.#items = this.#items.filter((s) => s.connectorId !== status.connectorId);
    this.#items.push(status);
  }

  /** The oldest waiting status. */
  peek(): StatusEffect | undefined {
    return this.#items[0];
  }

  /** Takes the oldest waiting status. */
  shift(): StatusEffect | undefined {
    return this.#items.shift();
  }

  clear(): void {
    this.#items = [];
  }

  get size(): number {
    return this.#items.length;
  }
}
