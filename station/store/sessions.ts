/**
 * Sessions and meter samples. One open session per charge point at most (a unique index
 * says so); a sample and the session's last reading are written in one transaction.
 * @module
 */
import { type Kysely, type Selectable, sql } from "kysely";
import type { MeterReading } from "../../drivers/ports.ts";
import type { Database, SessionsTable } from "./schema.ts";

/** A stored session. */
export type SessionRow = Selectable<SessionsTable>;

/** What is known when a session starts. */
export interface SessionStart {
  connectorId: number;
  idTag: string;
  authSource: string;
  startedAtMs: number;
  meterStartWh: number;
  reservationId?: number;
  /** Whether the session owes the backend its Start/StopTransaction (a backend is set). */
  journal?: boolean;
}

/** What is known when a session stops. */
export interface SessionStop {
  connectorId: number;
  stoppedAtMs: number;
  meterStopWh: number;
  reason: string;
  idTag?: string;
}

/** A meter reading to store, with the current offered at that moment. */
export interface Sample {
  connectorId: number;
  reading: MeterReading;
  offeredMa: number;
}

const wh = (v: number) => Math.floor(v);

/** A stop is owed to the backend exactly when the start was. */
const OWED_IF_STARTED = sql<
  "pending" | null
>`CASE WHEN ocpp_start IS NULL THEN NULL ELSE 'pending' END`;

/** Session and sample persistence. */
export class SessionStore {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Stores a new open session and returns its id. */
  async open(start: SessionStart): Promise<number> {
    const row = await this.#db.insertInto("sessions").values({
      connector_id: start.connectorId,
      id_tag: start.idTag,
      auth_source: start.authSource,
      started_at: start.startedAtMs,
      meter_start_wh: wh(start.meterStartWh),
      last_meter_wh: wh(start.meterStartWh),
      last_meter_at: start.startedAtMs,
      reservation_id: start.reservationId ?? null,
      ocpp_start: start.journal ? "pending" : null,
    }).returning("id").executeTakeFirstOrThrow();
    return row.id;
  }

  /** Closes the open session of a charge point; returns it, or undefined if none was open. */
  async close(stop: SessionStop): Promise<SessionRow | undefined> {
    const row = await this.#db.updateTable("sessions").set({
      stopped_at: stop.stoppedAtMs,
      meter_stop_wh: wh(stop.meterStopWh),
      last_meter_wh: wh(stop.meterStopWh),
      last_meter_at: stop.stoppedAtMs,
      stop_reason: stop.reason,
      stop_id_tag: stop.idTag ?? null,
      ocpp_stop: OWED_IF_STARTED,
    }).where("connector_id", "=", stop.connectorId).where("stopped_at", "is", null)
      .returningAll().executeTakeFirst();
    return row ? { ...row } : undefined;
  }

  /**
   * Closes every session left open by a crash or power loss: stop reason PowerLoss, stop
   * reading and time = the last stored reading. Returns the sessions closed.
   */
  /** Sessions without a stop (interrupted by a crash or a power loss), oldest first. */
  async interrupted(): Promise<SessionRow[]> {
    const rows = await this.#db.selectFrom("sessions").selectAll().where("stopped_at", "is", null)
      .orderBy("id").execute();
    return rows.map((r) => ({ ...r }));
  }

  async closeInterrupted(keep: readonly number[] = []): Promise<SessionRow[]> {
    return await this.#db.transaction().execute(async (tx) => {
      const open = await tx.selectFrom("sessions").selectAll().where("stopped_at", "is", null)
        .execute();
      const closed: SessionRow[] = [];
      for (const s of open) {
        if (keep.includes(s.id)) continue;
        const row = await tx.updateTable("sessions").set({
          stopped_at: s.last_meter_at,
          meter_stop_wh: s.last_meter_wh,
          stop_reason: "PowerLoss",
          ocpp_stop: OWED_IF_STARTED,
        }).where("id", "=", s.id).returningAll().executeTakeFirstOrThrow();
        closed.push({ ...row });
      }
      return closed;
    });
  }

  /** Stores samples and moves each open session's last reading forward, atomically. */
  async recordSamples(samples: readonly Sample[]): Promise<void> {
    if (samples.length === 0) return;
    await this.#db.transaction().execute(async (tx) => {
      for (const { connectorId, reading, offeredMa } of samples) {
        // Only forward: a transaction MeterValues may have stored a later reading already.
        const open = await tx.updateTable("sessions").set({
          last_meter_wh: sql`max(last_meter_wh, ${wh(reading.energyWh)})`,
          last_meter_at: sql`max(last_meter_at, ${reading.atMs})`,
        })
          .where("connector_id", "=", connectorId).where("stopped_at", "is", null)
          .returning("id").executeTakeFirst();
        const [l1, l2, l3] = reading.phases;
        await tx.insertInto("meter_samples").values({
          connector_id: connectorId,
          session_id: open?.id ?? null,
          at: reading.atMs,
          energy_wh: wh(reading.energyWh),
          power_w: Math.round(reading.powerW),
          current_l1_ma: Math.round(l1.currentA * 1000),
          current_l2_ma: Math.round(l2.currentA * 1000),
          current_l3_ma: Math.round(l3.currentA * 1000),
          voltage_l1_dv: Math.round(l1.voltageV * 10),
          voltage_l2_dv: Math.round(l2.voltageV * 10),
          voltage_l3_dv: Math.round(l3.voltageV * 10),
          offered_ma: Math.round(offeredMa),
        }).execute();
      }
    });
  }

  /** The open session of a charge point, if any. */
  async openOf(connectorId: number): Promise<SessionRow | undefined> {
    const row = await this.#db.selectFrom("sessions").selectAll()
      .where("connector_id", "=", connectorId).where("stopped_at", "is", null)
      .executeTakeFirst();
    return row ? { ...row } : undefined;
  }

  /** A session by id. */
  async get(id: number): Promise<SessionRow | undefined> {
    const row = await this.#db.selectFrom("sessions").selectAll().where("id", "=", id)
      .executeTakeFirst();
    return row ? { ...row } : undefined;
  }

  /** The newest sessions first. */
  async list(limit = 100, offset = 0): Promise<SessionRow[]> {
    const rows = await this.#db.selectFrom("sessions").selectAll().orderBy("id", "desc")
      .limit(limit).offset(offset).execute();
    return rows.map((r) => ({ ...r }));
  }

  /** The highest energy register ever stored for a charge point (0 if none). */
  async lastEnergyWh(connectorId: number): Promise<number> {
    const s = await this.#db.selectFrom("meter_samples").select((eb) =>
      eb.fn.max("energy_wh").as("wh")
    ).where("connector_id", "=", connectorId).executeTakeFirst();
    const t = await this.#db.selectFrom("sessions").select((eb) =>
      eb.fn.max("last_meter_wh").as("wh")
    ).where("connector_id", "=", connectorId).executeTakeFirst();
    return Math.max(Number(s?.wh ?? 0), Number(t?.wh ?? 0));
  }

  /** Samples of a charge point in a time range, oldest first. */
  async samples(connectorId: number, fromMs: number, toMs: number) {
    const rows = await this.#db.selectFrom("meter_samples").selectAll()
      .where("connector_id", "=", connectorId).where("at", ">=", fromMs).where("at", "<=", toMs)
      .orderBy("at").execute();
    return rows.map((r) => ({ ...r }));
  }
}
