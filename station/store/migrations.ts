/**
 * Numbered migrations, a static list so they work inside a bundle. A migration that has
 * shipped is never edited: add the next number instead.
 * @module
 */
import { type Kysely, sql } from "kysely";
import type { Migration, MigrationProvider } from "kysely/migration";

// deno-lint-ignore no-explicit-any
type AnyDb = Kysely<any>;

const m001: Migration = {
  async up(db: AnyDb) {
    await db.schema.createTable("settings")
      .addColumn("key", "text", (c) => c.primaryKey())
      .addColumn("value", "text", (c) => c.notNull())
      .addColumn("updated_at", "integer", (c) => c.notNull())
      .execute();
    await db.schema.createTable("sessions")
      .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
      .addColumn("connector_id", "integer", (c) => c.notNull())
      .addColumn("id_tag", "text", (c) => c.notNull())
      .addColumn("auth_source", "text")
      .addColumn("started_at", "integer", (c) => c.notNull())
      .addColumn("meter_start_wh", "integer", (c) => c.notNull())
      .addColumn("last_meter_wh", "integer", (c) => c.notNull())
      .addColumn("last_meter_at", "integer", (c) => c.notNull())
      .addColumn("stopped_at", "integer")
      .addColumn("meter_stop_wh", "integer")
      .addColumn("stop_reason", "text")
      .addColumn("stop_id_tag", "text")
      .addColumn("transaction_id", "integer")
      .addColumn("reservation_id", "integer")
      .execute();
    // At most one open session per charge point, whatever happens.
    await sql`CREATE UNIQUE INDEX sessions_one_open ON sessions (connector_id)
      WHERE stopped_at IS NULL`.execute(db);
    await db.schema.createIndex("sessions_started").on("sessions").column("started_at")
      .execute();
    await db.schema.createTable("meter_samples")
      .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
      .addColumn("connector_id", "integer", (c) => c.notNull())
      .addColumn("session_id", "integer", (c) => c.references("sessions.id"))
      .addColumn("at", "integer", (c) => c.notNull())
      .addColumn("energy_wh", "integer", (c) => c.notNull())
      .addColumn("power_w", "integer", (c) => c.notNull())
      .addColumn("current_l1_ma", "integer", (c) => c.notNull())
      .addColumn("current_l2_ma", "integer", (c) => c.notNull())
      .addColumn("current_l3_ma", "integer", (c) => c.notNull())
      .addColumn("voltage_l1_dv", "integer", (c) => c.notNull())
      .addColumn("voltage_l2_dv", "integer", (c) => c.notNull())
      .addColumn("voltage_l3_dv", "integer", (c) => c.notNull())
      .addColumn("offered_ma", "integer", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("meter_samples_at").on("meter_samples")
      .columns(["connector_id", "at"]).execute();
    await db.schema.createIndex("meter_samples_session").on("meter_samples")
      .column("session_id").execute();
    await db.schema.createTable("whitelist")
      .addColumn("uid", "text", (c) => c.primaryKey())
      .addColumn("gid", "text")
      .addColumn("expiry_at", "integer")
      .addColumn(
        "authorization",
        "text",
        (c) =>
          c.notNull().check(
            sql`authorization IN ('accepted','blocked','expired','invalid','concurrentTx')`,
          ),
      )
      .addColumn("deleted", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("updated_at", "integer", (c) => c.notNull())
      .execute();
    await db.schema.createTable("events")
      .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
      .addColumn("at", "integer", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("connector_id", "integer")
      .addColumn("code", "text")
      .addColumn("message", "text", (c) => c.notNull())
      .addColumn("data", "text")
      .execute();
    await db.schema.createIndex("events_at").on("events").column("at").execute();
    await db.schema.createTable("meta")
      .addColumn("key", "text", (c) => c.primaryKey())
      .addColumn("value", "text", (c) => c.notNull())
      .execute();
  },
};

/** OCPP: which transaction messages a session still owes the backend, the MeterValues outbox
 * and the authorization cache. */
const m002: Migration = {
  async up(db: AnyDb) {
    // null: no backend was set when the session started; "pending": owed; "done": answered.
    await db.schema.alterTable("sessions").addColumn("ocpp_start", "text").execute();
    await db.schema.alterTable("sessions").addColumn("ocpp_stop", "text").execute();
    await db.schema.createIndex("sessions_ocpp_owed").on("sessions")
      .columns(["ocpp_start", "ocpp_stop"]).execute();
    await db.schema.createTable("ocpp_outbox")
      .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
      .addColumn("session_id", "integer", (c) => c.references("sessions.id"))
      .addColumn("connector_id", "integer", (c) => c.notNull())
      .addColumn("action", "text", (c) => c.notNull())
      .addColumn("payload", "text", (c) => c.notNull())
      .addColumn("created_at", "integer", (c) => c.notNull())
      .addColumn("done_at", "integer")
      .execute();
    await db.schema.createIndex("ocpp_outbox_owed").on("ocpp_outbox").columns(["done_at", "id"])
      .execute();
    await db.schema.createTable("auth_cache")
      .addColumn("id_tag", "text", (c) => c.primaryKey())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("parent_id_tag", "text")
      .addColumn("expiry_at", "integer")
      .addColumn("updated_at", "integer", (c) => c.notNull())
      .execute();
  },
};

/** Charging profiles installed by SetChargingProfile (OCPP smart charging), so that they
 * survive a restart. `profile` is the JSON of the OCPP ChargingProfile. */
const m003: Migration = {
  async up(db: AnyDb) {
    await db.schema.createTable("charging_profiles")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("connector_id", "integer", (c) => c.notNull())
      .addColumn("purpose", "text", (c) => c.notNull())
      .addColumn("stack_level", "integer", (c) => c.notNull())
      .addColumn("session_id", "integer")
      .addColumn("installed_at", "integer", (c) => c.notNull())
      .addColumn("profile", "text", (c) => c.notNull())
      .execute();
  },
};

/** Reservations in force (ReserveNow), so that they survive a restart. Firmware and
 * diagnostics states live in `meta`. */
const m004: Migration = {
  async up(db: AnyDb) {
    await db.schema.createTable("reservations")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("connector_id", "integer", (c) => c.notNull())
      .addColumn("id_tag", "text", (c) => c.notNull())
      .addColumn("parent_id_tag", "text")
      .addColumn("expires_at", "integer", (c) => c.notNull())
      .addColumn("created_at", "integer", (c) => c.notNull())
      .execute();
  },
};

/** Indexes of the session history (by card and period) and of the journal's delivery order
 * (MeterValues by the reading's time). */
const m005: Migration = {
  async up(db: AnyDb) {
    await db.schema.createIndex("sessions_tag_started").on("sessions")
      .columns(["id_tag", "started_at"]).execute();
    await db.schema.dropIndex("ocpp_outbox_owed").execute();
    await db.schema.createIndex("ocpp_outbox_owed").on("ocpp_outbox")
      .columns(["done_at", "created_at", "id"]).execute();
  },
};

/** The audit log: who changed what, when. */
const m006: Migration = {
  async up(db: AnyDb) {
    await db.schema.createTable("audit")
      .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
      .addColumn("at", "integer", (c) => c.notNull())
      .addColumn("actor", "text", (c) => c.notNull())
      .addColumn("action", "text", (c) => c.notNull())
      .addColumn("target", "text")
      .addColumn("old_value", "text")
      .addColumn("new_value", "text")
      .addColumn("detail", "text")
      .execute();
    await db.schema.createIndex("audit_at").on("audit").column("at").execute();
  },
};

/** Every migration, by its number. */
export const MIGRATIONS: Record<string, Migration> = {
  "001_initial": m001,
  "002_ocpp": m002,
  "003_charging_profiles": m003,
  "004_reservations_firmware": m004,
  "005_history_indexes": m005,
  "006_audit": m006,
};

/** Serves the static migration list to Kysely's Migrator. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};
