/**
 * The station database: one SQLite file in the data directory, migrated on open.
 * @module
 */
import { codeUnitOrder } from "../order.ts";
import { join } from "../path.ts";
import { type Kysely, sql } from "kysely";
import { Migrator } from "kysely/migration";
import { AuthCache } from "./auth_cache.ts";
import { ChargingProfileStore } from "./charging_profiles.ts";
import { EventStore } from "./events.ts";
import { AuditStore } from "./audit.ts";
import { HistoryStore } from "./history.ts";
import { Journal } from "./journal.ts";
import { migrationProvider, MIGRATIONS } from "./migrations.ts";
import { ReservationStore } from "./reservations.ts";
import type { Database } from "./schema.ts";
import { SessionStore } from "./sessions.ts";
import { prune, RETENTION, type RetentionPolicy } from "./retention.ts";
import { SqliteSettingsStorage } from "./settings_store.ts";
import { openSqlite } from "./sqlite.ts";
import { WhitelistStore } from "./whitelist.ts";

export type { Database, WhitelistAuthorization } from "./schema.ts";
export { type EventRow, EventStore, type LogEvent } from "./events.ts";
export { ReservationStore } from "./reservations.ts";
export { type Sample, type SessionRow, SessionStore } from "./sessions.ts";
export { type SettingsStorage, SqliteSettingsStorage } from "./settings_store.ts";
export {
  WHITELIST_MAX,
  type WhitelistEntry,
  WhitelistFullError,
  WhitelistStore,
} from "./whitelist.ts";

/** File name of the database inside the data directory. */
export { RETENTION, type RetentionPolicy } from "./retention.ts";
export { AuthCache } from "./auth_cache.ts";
export { Journal, type OwedMessage } from "./journal.ts";
export {
  type Actor,
  ACTORS,
  type AuditEntry,
  type AuditFilter,
  type AuditRow,
  AuditStore,
} from "./audit.ts";
export {
  type DayTotal,
  type HistoryFilter,
  type HistorySession,
  HistoryStore,
  type HistoryTotals,
  MAX_BUCKETS,
  type MonthTotal,
} from "./history.ts";

export const DB_FILE = "ladewerk.sqlite";

/** Transaction messages of one session that the backend has not received yet. */
export interface Undelivered {
  sessionId: number;
  connectorId: number;
  startedAtMs: number;
  /** "StartTransaction", "MeterValues ×N", "StopTransaction". */
  messages: string[];
}

/** The open database and its repositories. */
export class Store implements AsyncDisposable {
  readonly db: Kysely<Database>;
  readonly sessions: SessionStore;
  readonly events: EventStore;
  readonly whitelist: WhitelistStore;
  readonly settings: SqliteSettingsStorage;
  readonly reservations: ReservationStore;
  /** Transaction messages owed to the OCPP backend. */
  readonly journal: Journal;
  readonly authCache: AuthCache;
  readonly chargingProfiles: ChargingProfileStore;
  readonly history: HistoryStore;
  readonly audit: AuditStore;

  constructor(db: Kysely<Database>) {
    this.db = db;
    this.sessions = new SessionStore(db);
    this.events = new EventStore(db);
    this.whitelist = new WhitelistStore(db);
    this.settings = new SqliteSettingsStorage(db);
    this.reservations = new ReservationStore(db);
    this.journal = new Journal(db);
    this.authCache = new AuthCache(db);
    this.chargingProfiles = new ChargingProfileStore(db);
    this.history = new HistoryStore(db);
    this.audit = new AuditStore(db);
  }

  /** A value of the small key-value table (list versions and such). */
  async getMeta(key: string): Promise<string | undefined> {
    const r = await this.db.selectFrom("meta").select("value").where("key", "=", key)
      .executeTakeFirst();
    return r?.value;
  }

  /** Sets a value of the key-value table. */
  async setMeta(key: string, value: string): Promise<void> {
    await this.db.insertInto("meta").values({ key, value })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value })).execute();
  }

  /** Sessions started since the database was made (SQLite's AUTOINCREMENT counter: retention
   * and deletions never lower it). */
  async sessionsStarted(): Promise<number> {
    const r = await sql<{ seq: number }>`SELECT seq FROM sqlite_sequence WHERE name = 'sessions'`
      .execute(this.db);
    return Number(r.rows[0]?.seq ?? 0);
  }

  /** Whether ChangeAvailability left a charge point operative (the default) across restarts. */
  async operative(connectorId: number): Promise<boolean> {
    return await this.getMeta(`availability.${connectorId}`) !== "Inoperative";
  }

  /** Stores a charge point's availability (ChangeAvailability). */
  async setOperative(connectorId: number, operative: boolean): Promise<void> {
    await this.setMeta(`availability.${connectorId}`, operative ? "Operative" : "Inoperative");
  }

  /** Transaction messages not yet delivered to the backend, per session, oldest first. */
  async undelivered(): Promise<Undelivered[]> {
    const rows = await this.db.selectFrom("sessions")
      .select(["id", "connector_id", "started_at", "ocpp_start", "ocpp_stop"])
      .select((eb) =>
        eb.selectFrom("ocpp_outbox").select((o) => o.fn.countAll<number>().as("n"))
          .whereRef("ocpp_outbox.session_id", "=", "sessions.id").where("done_at", "is", null)
          .as("meter_values")
      )
      .where((eb) => eb.or([eb("ocpp_start", "=", "pending"), eb("ocpp_stop", "=", "pending")]))
      .orderBy("id").execute();
    return rows.map((r) => ({
      sessionId: r.id,
      connectorId: r.connector_id,
      startedAtMs: r.started_at,
      messages: [
        ...(r.ocpp_start === "pending" ? ["StartTransaction"] : []),
        ...(Number(r.meter_values) > 0 ? [`MeterValues ×${Number(r.meter_values)}`] : []),
        ...(r.ocpp_stop === "pending" ? ["StopTransaction"] : []),
      ],
    }));
  }

  /**
   * Factory reset of what the OCPP backend and the operator set up, in one transaction: the
   * authorization cache, charging profiles, reservations, availability and the local list
   * version; undelivered transaction messages are dropped (the caller has confirmed it).
   */
  async factoryReset(): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom("auth_cache").execute();
      await tx.deleteFrom("charging_profiles").execute();
      await tx.deleteFrom("reservations").execute();
      await tx.deleteFrom("meta").where("key", "like", "availability.%").execute();
      await tx.deleteFrom("ocpp_outbox").where("done_at", "is", null).execute();
      await tx.updateTable("sessions").set({ ocpp_start: null }).where("ocpp_start", "=", "pending")
        .execute();
      await tx.updateTable("sessions").set({ ocpp_stop: null }).where("ocpp_stop", "=", "pending")
        .execute();
    });
  }

  /** Removes what the retention policy no longer keeps, in small batches; the rows removed. */
  async prune(nowMs: number, policy: RetentionPolicy = RETENTION): Promise<number> {
    return await prune(this.db, nowMs, { policy });
  }

  /** Writes and removes a fresh 2 KiB row; rejects while storage has no room for new rows. */
  async probeWrite(): Promise<void> {
    await this.setMeta("storage.probe", "x".repeat(2048));
    await this.db.deleteFrom("meta").where("key", "=", "storage.probe").execute();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.db.destroy();
  }
}

/** Opens the database in `dataDir` (created if missing) and runs pending migrations. */
export async function openStore(dataDir: string): Promise<Store> {
  await Deno.mkdir(dataDir, { recursive: true });
  const { db, raw } = openSqlite<Database>(join(dataDir, DB_FILE));
  // A database at the latest schema (its user_version says so) skips the migrator's lock,
  // table and bookkeeping queries: a few milliseconds of every start.
  const latest = Object.keys(MIGRATIONS).length;
  const row = raw.prepare("PRAGMA user_version").get() as { user_version?: number } | undefined;
  if (Number(row?.user_version) !== latest) {
    const migrator = new Migrator({
      db,
      provider: migrationProvider,
      // Its default orders by localeCompare (see codeUnitOrder); the names are ASCII.
      nameComparator: codeUnitOrder,
    });
    const { error } = await migrator.migrateToLatest();
    if (error) {
      await db.destroy();
      throw new Error(`Cannot migrate the database in ${dataDir}`, { cause: error });
    }
    raw.exec(`PRAGMA user_version = ${latest}`);
  }
  return new Store(db);
}
