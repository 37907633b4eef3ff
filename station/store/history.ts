/**
 * Session history (B-1): the sessions of a period, optionally of one card, newest first and
 * paged; their totals; totals per card and local month, and energy per local day. Periods are
 * bounded by the caller; every query is one SQL statement over the `sessions_started` and
 * `sessions_tag_started` indexes, so a history of 100 000 sessions answers in milliseconds.
 * @module
 */
import { type Kysely, sql } from "kysely";
import { utcOffsetMs } from "../time_zone.ts";
import type { Database } from "./schema.ts";

/** Which sessions: started in [fromMs, toMs), of `idTag` when given. */
export interface HistoryFilter {
  fromMs: number;
  toMs: number;
  idTag?: string | undefined;
}

/** One session as the history shows it. */
export interface HistorySession {
  id: number;
  connectorId: number;
  idTag: string;
  startedAtMs: number;
  /** Null while it runs. */
  stoppedAtMs: number | null;
  /** Whole seconds; up to now while it runs. */
  durationS: number;
  /** Up to the last stored reading while it runs. */
  energyWh: number;
  stopReason: string | null;
  transactionId: number | null;
}

/** Count, energy and duration of the sessions a filter selects. */
export interface HistoryTotals {
  count: number;
  energyWh: number;
  durationS: number;
}

/** One card's sessions in one local month (`YYYY-MM`). */
export interface MonthTotal extends HistoryTotals {
  month: string;
  idTag: string;
}

/** Energy of the sessions started on one local day (`YYYY-MM-DD`). */
export interface DayTotal {
  day: string;
  count: number;
  energyWh: number;
}

/** Most local days or months one summary reaches. */
export const MAX_BUCKETS = 800;

const ENERGY = sql<number>`max(0, coalesce(meter_stop_wh, last_meter_wh) - meter_start_wh)`;
const durationOf = (nowMs: number) =>
  sql<number>`max(0, (coalesce(stopped_at, ${nowMs}) - started_at) / 1000)`;

/** Local calendar boundaries in `timeZone` that cut [fromMs, toMs): days or months. */
export function localBuckets(
  timeZone: string,
  fromMs: number,
  toMs: number,
  unit: "day" | "month",
): { key: string; startMs: number; endMs: number }[] {
  // Local midnight of a local calendar date: the offset is the one in force at that moment
  // (the offset of the UTC guess is right but for the hour of a change).
  const midnight = (y: number, m: number, d: number) => {
    const guess = Date.UTC(y, m, d);
    const first = guess - utcOffsetMs(timeZone, guess);
    return guess - utcOffsetMs(timeZone, first);
  };
  const local = new Date(fromMs + utcOffsetMs(timeZone, fromMs));
  let y = local.getUTCFullYear();
  let m = local.getUTCMonth();
  let d = unit === "day" ? local.getUTCDate() : 1;
  const out: { key: string; startMs: number; endMs: number }[] = [];
  if (toMs <= fromMs) return out;
  let start = midnight(y, m, d);
  while (start < toMs && out.length < MAX_BUCKETS) {
    const next = unit === "day" ? new Date(Date.UTC(y, m, d + 1)) : new Date(Date.UTC(y, m + 1, 1));
    const key = unit === "day"
      ? `${y}-${String(m + 1).padStart(2, "0")}-${String(d).padStart(2, "0")}`
      : `${y}-${String(m + 1).padStart(2, "0")}`;
    y = next.getUTCFullYear();
    m = next.getUTCMonth();
    d = next.getUTCDate();
    const end = midnight(y, m, d);
    out.push({ key, startMs: Math.max(start, fromMs), endMs: Math.min(end, toMs) });
    start = end;
  }
  return out;
}

/** Reads the session history. */
export class HistoryStore {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  #where(f: HistoryFilter) {
    let q = this.#db.selectFrom("sessions").where("started_at", ">=", f.fromMs)
      .where("started_at", "<", f.toMs);
    if (f.idTag !== undefined) q = q.where("id_tag", "=", f.idTag);
    return q;
  }

  /** The sessions of `f`, newest first, `limit` from `offset`. */
  async page(
    f: HistoryFilter,
    o: { limit: number; offset: number; nowMs: number },
  ): Promise<HistorySession[]> {
    const rows = await this.#where(f).select([
      "id",
      "connector_id",
      "id_tag",
      "started_at",
      "stopped_at",
      "stop_reason",
      "transaction_id",
    ]).select([ENERGY.as("energy_wh"), durationOf(o.nowMs).as("duration_s")])
      .orderBy("started_at", "desc").orderBy("id", "desc").limit(o.limit).offset(o.offset)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      connectorId: r.connector_id,
      idTag: r.id_tag,
      startedAtMs: r.started_at,
      stoppedAtMs: r.stopped_at,
      durationS: Math.floor(Number(r.duration_s)),
      energyWh: Number(r.energy_wh),
      stopReason: r.stop_reason,
      transactionId: r.transaction_id,
    }));
  }

  /** Count, energy and duration of all sessions of `f`. */
  async totals(f: HistoryFilter, nowMs: number): Promise<HistoryTotals> {
    const r = await this.#where(f).select((eb) => [
      eb.fn.countAll<number>().as("n"),
      sql<number>`coalesce(sum(${ENERGY}), 0)`.as("wh"),
      sql<number>`coalesce(sum(${durationOf(nowMs)}), 0)`.as("s"),
    ]).executeTakeFirstOrThrow();
    return { count: Number(r.n), energyWh: Number(r.wh), durationS: Math.floor(Number(r.s)) };
  }

  /** Totals per card and local month of `timeZone`, oldest month first, cards by name. */
  async perCardMonth(f: HistoryFilter, timeZone: string, nowMs: number): Promise<MonthTotal[]> {
    const buckets = localBuckets(timeZone, f.fromMs, f.toMs, "month");
    if (buckets.length === 0) return [];
    const rows = await this.#bucketed(f, buckets, nowMs, true);
    return rows.map((r) => ({
      month: r.key,
      idTag: r.id_tag!,
      count: Number(r.n),
      energyWh: Number(r.wh),
      durationS: Math.floor(Number(r.s)),
    }));
  }

  /** Energy per local day of `timeZone`, every day of the period (0 where nothing ran). */
  async perDay(f: HistoryFilter, timeZone: string, nowMs: number): Promise<DayTotal[]> {
    const buckets = localBuckets(timeZone, f.fromMs, f.toMs, "day");
    if (buckets.length === 0) return [];
    const rows = await this.#bucketed(f, buckets, nowMs, false);
    const byKey = new Map(rows.map((r) => [r.key, r]));
    return buckets.map((b) => {
      const r = byKey.get(b.key);
      return { day: b.key, count: Number(r?.n ?? 0), energyWh: Number(r?.wh ?? 0) };
    });
  }

  async #bucketed(
    f: HistoryFilter,
    buckets: { key: string; startMs: number; endMs: number }[],
    nowMs: number,
    perCard: boolean,
  ) {
    // The buckets as one JSON parameter: one statement whatever the period's length.
    const json = JSON.stringify(buckets.map((b) => [b.key, b.startMs, b.endMs]));
    const tag = f.idTag === undefined ? sql`` : sql`AND s.id_tag = ${f.idTag}`;
    const result = await sql<
      { key: string; id_tag: string | null; n: number; wh: number; s: number }
    >`
      WITH b(key, lo, hi) AS (
        SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(${json})
      )
      SELECT b.key AS key, ${perCard ? sql`s.id_tag` : sql`NULL`} AS id_tag,
        count(*) AS n, coalesce(sum(${ENERGY}), 0) AS wh,
        coalesce(sum(${durationOf(nowMs)}), 0) AS s
      FROM b JOIN sessions s ON s.started_at >= b.lo AND s.started_at < b.hi ${tag}
      GROUP BY b.key${perCard ? sql`, s.id_tag` : sql``}
      ORDER BY b.key${perCard ? sql`, s.id_tag` : sql``}
    `.execute(this.#db);
    return result.rows;
  }
}
