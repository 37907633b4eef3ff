/**
 * The whitelist (local authorization list): UID, GID (parent id), expiry, authorization and a
 * deleted flag. Multi-row changes are one transaction; the 1000-entry limit is enforced here.
 * @module
 */
import type { ExpressionBuilder, Kysely, Selectable } from "kysely";
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
   * upserted (replacing an entry whose UID differs only in case); `remove` deletes UIDs for good,
   * whatever their case. Refuses the whole change over the limit.
   */
  async apply(
    change: { replace?: boolean; upsert?: readonly WhitelistEntry[]; remove?: readonly string[] },
    nowMs: number,
  ): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      if (change.replace) await tx.deleteFrom("whitelist").execute();
      for (const uid of change.remove ?? []) {
        await tx.deleteFrom("whitelist").where(sameUid(uid)).execute();
      }
      for (const e of change.upsert ?? []) {
        // The primary key is case-sensitive: drop another spelling of the UID first.
        await tx.deleteFrom("whitelist").where(sameUid(e.uid)).where("uid", "!=", e.uid)
          .execute();
        const row = {
          uid: e.uid,
          gid: e.gid,
          expiry_at: e.expiryAtMs,
          authorization: e.authorization,
          deleted: e.deleted ? 1 : 0,
          updated_at: nowMs,
        };
        await tx.insertInto("whitelist").values(row)
          .onConflict((oc) => oc.column("uid").doUpdateSet(row)).execute();
      }
      const r = await tx.selectFrom("whitelist").select((eb) => eb.fn.countAll().as("n"))
        .where("deleted", "=", 0).executeTakeFirstOrThrow();
      if (Number(r.n) > WHITELIST_MAX) throw new WhitelistFullError(Number(r.n));
    });
  }
}
