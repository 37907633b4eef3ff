/**
 * The transaction journal: what the station still owes the backend, read from storage so
 * that nothing is lost across SIGKILL or reboot. StartTransaction and StopTransaction are
 * owed by the session row itself (written in the same statement that opens or closes the
 * session); transaction MeterValues are rows of the outbox. Delivery is oldest event first.
 * @module
 */
import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.ts";
import type { SessionRow } from "./sessions.ts";

/** One message owed to the backend. */
export type OwedMessage =
  | { kind: "start"; session: SessionRow; atMs: number }
  | { kind: "stop"; session: SessionRow; atMs: number }
  | {
    kind: "meterValues";
    id: number;
    session: SessionRow;
    connectorId: number;
    payload: Record<string, unknown>;
    atMs: number;
  };

const RANK = { start: 0, meterValues: 1, stop: 2 } as const;

/** Reads and settles owed transaction messages. */
export class Journal {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The oldest owed message, or undefined when nothing is owed. */
  async next(): Promise<OwedMessage | undefined> {
    const start = await this.#db.selectFrom("sessions").selectAll()
      .where("ocpp_start", "=", "pending").orderBy("started_at").orderBy("id").limit(1)
      .executeTakeFirst();
    const stop = await this.#db.selectFrom("sessions").selectAll()
      .where("ocpp_stop", "=", "pending").where("ocpp_start", "=", "done")
      .orderBy("stopped_at").orderBy("id").limit(1).executeTakeFirst();
    const mv = await this.#db.selectFrom("ocpp_outbox")
      .innerJoin("sessions", "sessions.id", "ocpp_outbox.session_id")
      .select([
        "ocpp_outbox.id as outbox_id",
        "ocpp_outbox.payload",
        "ocpp_outbox.created_at",
        "ocpp_outbox.connector_id as outbox_connector",
        "sessions.ocpp_start as start_state",
        "sessions.id as sid",
      ])
      .where("ocpp_outbox.done_at", "is", null).where("sessions.ocpp_start", "=", "done")
      // By the reading's own time: a clock-aligned value is stamped with its aligned time
      // (08:15:00.000) but may be stored after a periodic one taken a few ms later.
      .orderBy("ocpp_outbox.created_at").orderBy("ocpp_outbox.id").limit(1).executeTakeFirst();
    const candidates: OwedMessage[] = [];
    if (start) candidates.push({ kind: "start", session: { ...start }, atMs: start.started_at });
    if (stop) candidates.push({ kind: "stop", session: { ...stop }, atMs: stop.stopped_at! });
    if (mv) {
      const session = await this.#db.selectFrom("sessions").selectAll().where("id", "=", mv.sid)
        .executeTakeFirstOrThrow();
      candidates.push({
        kind: "meterValues",
        id: mv.outbox_id,
        session: { ...session },
        connectorId: mv.outbox_connector,
        payload: JSON.parse(mv.payload),
        atMs: mv.created_at,
      });
    }
    candidates.sort((a, b) => a.atMs - b.atMs || RANK[a.kind] - RANK[b.kind]);
    return candidates[0];
  }

  /** Number of owed messages (for the status page). */
  async count(): Promise<number> {
    const a = await this.#db.selectFrom("sessions").select((eb) => eb.fn.countAll().as("n"))
      .where("ocpp_start", "=", "pending").executeTakeFirstOrThrow();
    const b = await this.#db.selectFrom("sessions").select((eb) => eb.fn.countAll().as("n"))
      .where("ocpp_stop", "=", "pending").executeTakeFirstOrThrow();
    const c = await this.#db.selectFrom("ocpp_outbox").select((eb) => eb.fn.countAll().as("n"))
      .where("done_at", "is", null).executeTakeFirstOrThrow();
    return Number(a.n) + Number(b.n) + Number(c.n);
  }

  /**
   * Stores transaction MeterValues before they are sent, if the session is still open; false
   * if it closed meanwhile (its StopTransaction is the last word). The reading becomes the
   * session's last stored one in the same transaction, so a session closed after a power
   * loss never stops before a MeterValues it owes.
   */
  async enqueueMeterValues(m: {
    sessionId: number;
    connectorId: number;
    payload: Record<string, unknown>;
    atMs: number;
    energyWh: number;
  }): Promise<boolean> {
    return await this.#db.transaction().execute(async (tx) => {
      const open = await tx.updateTable("sessions").set({
        last_meter_wh: sql`max(last_meter_wh, ${Math.floor(m.energyWh)})`,
        last_meter_at: sql`max(last_meter_at, ${m.atMs})`,
      }).where("id", "=", m.sessionId).where("stopped_at", "is", null).returning("id")
        .executeTakeFirst();
      if (!open) return false;
      await tx.insertInto("ocpp_outbox").values({
        session_id: m.sessionId,
        connector_id: m.connectorId,
        action: "MeterValues",
        payload: JSON.stringify(m.payload),
        created_at: m.atMs,
      }).execute();
      return true;
    });
  }

  /** The backend answered a StartTransaction: the session has its transactionId. */
  async startDone(sessionId: number, transactionId: number): Promise<void> {
    await this.#db.updateTable("sessions")
      .set({ ocpp_start: "done", transaction_id: transactionId }).where("id", "=", sessionId)
      .execute();
  }

  /** The backend answered a StopTransaction. */
  async stopDone(sessionId: number): Promise<void> {
    await this.#db.updateTable("sessions").set({ ocpp_stop: "done" }).where("id", "=", sessionId)
      .execute();
  }

  /** The backend answered a MeterValues. */
  async meterValuesDone(id: number, atMs: number): Promise<void> {
    await this.#db.updateTable("ocpp_outbox").set({ done_at: atMs }).where("id", "=", id)
      .execute();
  }

  /** The open session with this transactionId, if any. */
  async connectorOfTransaction(transactionId: number): Promise<number | undefined> {
    const r = await this.#db.selectFrom("sessions").select("connector_id")
      .where("transaction_id", "=", transactionId).where("stopped_at", "is", null)
      .executeTakeFirst();
    return r?.connector_id;
  }

  /** Samples of a session for StopTransaction's transactionData, oldest first. */
  async samplesOf(sessionId: number) {
    const rows = await this.#db.selectFrom("meter_samples").selectAll()
      .where("session_id", "=", sessionId).orderBy("at").execute();
    return rows.map((r) => ({ ...r }));
  }
}
