/**
 * Persistence of settings: a key and its JSON value; keys absent use the factory default.
 * @module
 */
import type { Kysely } from "kysely";
import type { Database } from "./schema.ts";

/** A stored value that is not valid JSON (a damaged row): its setting falls back to default. */
export class UnparsableSetting {
  constructor(readonly text: string) {}
}

/** Where settings are kept; every save is one transaction. */
export interface SettingsStorage {
  load(): Promise<Record<string, unknown>>;
  /** Writes `values` and deletes `reset` keys (back to default), atomically. */
  save(values: Record<string, unknown>, reset: readonly string[], nowMs: number): Promise<void>;
}

/** Settings kept in the `settings` table. */
export class SqliteSettingsStorage implements SettingsStorage {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async load(): Promise<Record<string, unknown>> {
    const rows = await this.#db.selectFrom("settings").selectAll().execute();
    return Object.fromEntries(rows.map((r) => [r.key, parseStored(r.value)]));
  }

  async save(
    values: Record<string, unknown>,
    reset: readonly string[],
    nowMs: number,
  ): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      for (const key of reset) await tx.deleteFrom("settings").where("key", "=", key).execute();
      for (const [key, value] of Object.entries(values)) {
        const row = { key, value: JSON.stringify(value), updated_at: nowMs };
        await tx.insertInto("settings").values(row)
          .onConflict((oc) => oc.column("key").doUpdateSet(row)).execute();
      }
    });
  }
}

function parseStored(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return new UnparsableSetting(text);
  }
}
