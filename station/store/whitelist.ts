/**
 * The whitelist (local authorization list): UID, GID (parent id), expiry, authorization and a
 * deleted flag. Multi-row changes are one transaction; the 1000-entry limit is enforced here.
 * @module
 */
import { type ExpressionBuilder, type Kysely, type Selectable, sql } from "kysely";
import type { WhitelistEntry } from "../types.ts";
import type { Database, WhitelistTable } from "./schema.ts";

/** The most entries the whitelist holds (M-1.8.2). */
export const WHITELIST_MAX = 1000;

export type { WhitelistEntry } from "../types.ts";

/** Refused because the whitelist would exceed its limit. */
export class WhitelistFullError extends RangeError {
  constructor(count: number) {
    super(`Whitelist holds at most ${WHITELIST_MAX} entries: this change would make ${count}`);
    this.name = "WhitelistFullError";
  }
}

/** Matches a UID case-insensitively, as OCPP compares id tags. */
function sameUid(uid: string) {
  return (eb: ExpressionBuilder<Database, "whitelist">) =>
    eb(eb.fn("upper", ["uid"]), "=", uid.toUpperCase());
}

function toEntry(r: Selectable<WhitelistTable>): WhitelistEntry {
  return {
    uid: r.uid,
    gid: r.gid,
    expiryAtMs: r.expiry_at,
    authorization: r.authorization,
    deleted: r.deleted === 1,
  };
}

/** Whitelist persistence. */
export class WhitelistStore {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The entry of a UID (case-insensitive), deleted ones included. */
  async get(uid: string): Promise<WhitelistEntry | undefined> {
    const r = await this.#db.selectFrom("whitelist").selectAll()
      .where(sameUid(uid)).executeTakeFirst();
    return r ? toEntry(r) : undefined;
  }

  /** Every entry, ordered by UID. */
  async all(): Promise<WhitelistEntry[]> {
    const rows = await this.#db.selectFrom("whitelist").selectAll().orderBy("uid").execute();
    return rows.map(toEntry);
  }

  /** Number of entries not deleted. */
  async count(): Promise<number> {
    const r = await this.#db.selectFrom("whitelist").select((eb) => eb.fn.countAll().as("n"))
      .where("deleted", "=", 0).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * Applies a set of changes in one transaction: `replace` first empties the list; entries are
   * upserted (replacing an entry whose UID differs only in case; of two spellings in one change
   * the later wins); `remove` deletes UIDs for good, whatever their case. Refuses the whole
   * change over the limit. A handful of statements whatever the size (the rows travel as one
   * JSON array), so a list of 1000 neither takes long nor holds the event loop. `meta` values
   * (the OCPP list version) are stored in the same transaction: both or neither.
   */
  async apply(
    change: {
      replace?: boolean;
      upsert?: readonly WhitelistEntry[];
      remove?: readonly string[];
      meta?: Readonly<Record<string, string>>;
    },
    nowMs: number,
  ): Promise<void> {
    const latest = new Map<string, WhitelistEntry>();
    for (const e of change.upsert ?? []) {
      const key = e.uid.toUpperCase();
      latest.delete(key);
      latest.set(key, e);
    }
    const rows = JSON.stringify(
      [...latest.values()].map((e) => [
        e.uid,
        e.gid,
        e.expiryAtMs,
        e.authorization,
        e.deleted ? 1 : 0,
      ]),
    );
    const removed = JSON.stringify(change.remove ?? []);
    await this.#db.transaction().execute(async (tx) => {
      if (change.replace) await tx.deleteFrom("whitelist").execute();
      if (change.remove?.length) {
        await sql`DELETE FROM whitelist
          WHERE upper(uid) IN (SELECT upper(value) FROM json_each(${removed}))`.execute(tx);
      }
      if (latest.size > 0) {
        // The primary key is case-sensitive: drop other spellings of the UIDs first.
        await sql`DELETE FROM whitelist
          WHERE upper(uid) IN (SELECT upper(value ->> 0) FROM json_each(${rows}))
            AND uid NOT IN (SELECT value ->> 0 FROM json_each(${rows}))`.execute(tx);
        await sql`INSERT INTO whitelist (uid, gid, expiry_at, authorization, deleted, updated_at)
          SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, ${nowMs}
          FROM json_each(${rows}) WHERE true
          ON CONFLICT (uid) DO UPDATE SET gid = excluded.gid, expiry_at = excluded.expiry_at,
            authorization = excluded.authorization, deleted = excluded.deleted,
            updated_at = excluded.updated_at`.execute(tx);
      }
      const r = await tx.selectFrom("whitelist").select((eb) => eb.fn.countAll().as("n"))
        .where("deleted", "=", 0).executeTakeFirstOrThrow();
      if (Number(r.n) > WHITELIST_MAX) throw new WhitelistFullError(Number(r.n));
      for (const [key, value] of Object.entries(change.meta ?? {})) {
        await tx.insertInto("meta").values({ key, value })
          .onConflict((oc) => oc.column("key").doUpdateSet({ value })).execute();
      }
    });
  }
}
