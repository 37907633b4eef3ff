/**
 * The authorization cache (OCPP 1.6 §3.5.2): what the backend last said of an id tag.
 * @module
 */
import type { Kysely } from "kysely";
import type { AuthorizationStatus, AuthResult } from "../types.ts";
import type { Database } from "./schema.ts";

/** The cache, in the `auth_cache` table. */
export class AuthCache {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** What the backend said of `idTag`, as a result of source "cache". */
  async get(idTag: string): Promise<AuthResult | undefined> {
    const r = await this.#db.selectFrom("auth_cache").selectAll().where("id_tag", "=", idTag)
      .executeTakeFirst();
    if (!r) return undefined;
    const status = r.status as AuthorizationStatus;
    if (status !== "Accepted") return { status, source: "cache" };
    return {
      status,
      source: "cache",
      ...(r.parent_id_tag ? { parentIdTag: r.parent_id_tag } : {}),
      ...(r.expiry_at !== null ? { expiresAtMs: r.expiry_at } : {}),
    };
  }

  /** Stores what the backend said of `idTag`. */
  async put(idTag: string, result: AuthResult, nowMs: number): Promise<void> {
    const row = {
      id_tag: idTag,
      status: result.status,
      parent_id_tag: result.status === "Accepted" ? result.parentIdTag ?? null : null,
      expiry_at: result.status === "Accepted" ? result.expiresAtMs ?? null : null,
      updated_at: nowMs,
    };
    await this.#db.insertInto("auth_cache").values(row)
      .onConflict((oc) => oc.column("id_tag").doUpdateSet(row)).execute();
  }

  async clear(): Promise<void> {
    await this.#db.deleteFrom("auth_cache").execute();
  }
}
