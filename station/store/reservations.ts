/**
 * Reservations in force (OCPP ReserveNow), kept so that they survive a restart: the runtime
 * feeds them into the core's initial state and removes a row when the core ends it.
 * @module
 */
import type { Kysely } from "kysely";
import type { Reservation } from "../core/mod.ts";
import type { Database } from "./schema.ts";

/** The stored reservations. */
export class ReservationStore {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Every stored reservation, oldest first (expired ones too: the core ends them). */
  async list(): Promise<Reservation[]> {
    const rows = await this.#db.selectFrom("reservations").selectAll().orderBy("created_at")
      .orderBy("id").execute();
    return rows.map((r) => ({
      id: r.id,
      connectorId: r.connector_id,
      idTag: r.id_tag,
      ...(r.parent_id_tag !== null ? { parentIdTag: r.parent_id_tag } : {}),
      expiresAtMs: r.expires_at,
    }));
  }

  /** Stores a reservation, replacing one with the same id. */
  async put(r: Reservation, nowMs: number): Promise<void> {
    const row = {
      id: r.id,
      connector_id: r.connectorId,
      id_tag: r.idTag,
      parent_id_tag: r.parentIdTag ?? null,
      expires_at: r.expiresAtMs,
      created_at: nowMs,
    };
    await this.#db.insertInto("reservations").values(row)
      .onConflict((oc) => oc.column("id").doUpdateSet(row)).execute();
  }

  /** Forgets a reservation (used, expired or cancelled). */
  async remove(id: number): Promise<void> {
    await this.#db.deleteFrom("reservations").where("id", "=", id).execute();
  }
}
