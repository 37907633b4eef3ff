/**
 * The event log: faults raised and cleared, status changes, sessions, logins.
 * @module
 */
import type { Kysely, Selectable } from "kysely";
import type { Database, EventsTable } from "./schema.ts";

/** A stored event. */
export type EventRow = Selectable<EventsTable>;

/** An event to log. */
export interface LogEvent {
  atMs: number;
  kind: string;
  message: string;
  connectorId?: number;
  code?: string;
  data?: unknown;
}

/** Event log persistence. */
export class EventStore {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Appends events in one transaction. */
  async append(events: readonly LogEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.#db.insertInto("events").values(events.map((e) => ({
      at: e.atMs,
      kind: e.kind,
      message: e.message,
      connector_id: e.connectorId ?? null,
      code: e.code ?? null,
      data: e.data === undefined ? null : JSON.stringify(e.data),
    }))).execute();
  }

  /** Events in a time range, newest first. */
  async list(
    options: { fromMs?: number; toMs?: number; kind?: string; limit?: number } = {},
  ): Promise<EventRow[]> {
    let q = this.#db.selectFrom("events").selectAll();
    if (options.fromMs !== undefined) q = q.where("at", ">=", options.fromMs);
    if (options.toMs !== undefined) q = q.where("at", "<=", options.toMs);
    if (options.kind !== undefined) q = q.where("kind", "=", options.kind);
    const rows = await q.orderBy("id", "desc").limit(options.limit ?? 1000).execute();
    return rows.map((r) => ({ ...r }));
  }
}
