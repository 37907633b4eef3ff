/**
 * Installed charging profiles (OCPP smart charging) in the `charging_profiles` table, so that
 * they survive a restart.
 * @module
 */
import type { Kysely } from "kysely";
import type { ChargingProfile, InstalledProfile } from "../smart/profiles.ts";
import type { Database } from "./schema.ts";

/** Reads and writes the installed profiles. */
export class ChargingProfileStore {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Every installed profile. */
  async all(): Promise<InstalledProfile[]> {
    const rows = await this.#db.selectFrom("charging_profiles").selectAll().orderBy("id")
      .execute();
    return rows.map((r) => ({
      connectorId: r.connector_id,
      profile: JSON.parse(r.profile) as ChargingProfile,
      ...(r.session_id !== null ? { sessionId: r.session_id } : {}),
      installedAtMs: r.installed_at,
    }));
  }

  /** Removes profiles by chargingProfileId and writes others (new or changed), atomically. */
  async apply(change: { remove?: readonly number[]; put?: readonly InstalledProfile[] }) {
    const remove = change.remove ?? [];
    const put = change.put ?? [];
    if (remove.length === 0 && put.length === 0) return;
    await this.#db.transaction().execute(async (tx) => {
      if (remove.length > 0) {
        await tx.deleteFrom("charging_profiles").where("id", "in", [...remove]).execute();
      }
      for (const ip of put) {
        const row = {
          id: ip.profile.chargingProfileId,
          connector_id: ip.connectorId,
          purpose: ip.profile.chargingProfilePurpose,
          stack_level: ip.profile.stackLevel,
          session_id: ip.sessionId ?? null,
          installed_at: ip.installedAtMs,
          profile: JSON.stringify(ip.profile),
        };
        await tx.insertInto("charging_profiles").values(row)
          .onConflict((oc) => oc.column("id").doUpdateSet(row)).execute();
      }
    });
  }
}
