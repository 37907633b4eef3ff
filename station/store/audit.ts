/**
 * The audit log: who changed what and when. Settings (old and new value, secrets masked),
 * whitelist saves, passwords, logins and failed logins, updates, resets, restarts and control
 * over MQTT; by the installer, the owner, the OCPP backend, Modbus, MQTT or the station itself.
 * Bounded like the event log (retention by age and count).
 * @module
 */
import type { Kysely, Selectable } from "kysely";
import type { AuditTable, Database } from "./schema.ts";

import type { Actor } from "../types.ts";

export { type Actor, ACTORS } from "../types.ts";

/** A stored audit entry. */
export type AuditRow = Selectable<AuditTable>;

/** An entry to write. */
export interface AuditEntry {
  atMs: number;
  actor: Actor;
  /** `setting`, `whitelist`, `password`, `login`, `loginFailed`, `update`, `restart`, ... */
  action: string;
  /** What was changed: a setting key, a user, a charge point. */
  target?: string | null;
  oldValue?: string | null;
  newValue?: string | null;
  /** Who exactly (a client address) or what else (counts, reasons). */
  detail?: string | null;
}

/** Which entries: a period, an actor, an action. */
export interface AuditFilter {
  fromMs: number;
  toMs: number;
  actor?: Actor | undefined;
  action?: string | undefined;
}

/** Audit persistence. */
export class AuditStore {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Appends entries in one statement. */
  async append(entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.#db.insertInto("audit").values(entries.map((e) => ({
      at: e.atMs,
      actor: e.actor,
      action: e.action,
      target: e.target ?? null,
      old_value: e.oldValue ?? null,
      new_value: e.newValue ?? null,
      detail: e.detail ?? null,
    }))).execute();
  }

  #where(f: AuditFilter) {
    let q = this.#db.selectFrom("audit").where("at", ">=", f.fromMs).where("at", "<", f.toMs);
    if (f.actor !== undefined) q = q.where("actor", "=", f.actor);
    if (f.action !== undefined) q = q.where("action", "=", f.action);
    return q;
  }

  /** Entries of `f`, newest first. */
  async list(f: AuditFilter, o: { limit: number; offset: number }): Promise<AuditRow[]> {
    const rows = await this.#where(f).selectAll().orderBy("at", "desc").orderBy("id", "desc")
      .limit(o.limit).offset(o.offset).execute();
    return rows.map((r) => ({ ...r }));
  }

  /** How many entries `f` selects. */
  async count(f: AuditFilter): Promise<number> {
    const r = await this.#where(f).select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
