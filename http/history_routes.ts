/**
 * Session history (B-1): `GET /api/sessions` (paged, by card and period, with totals),
 * `GET /api/sessions/summary` (totals per card and local month, energy per local day) and
 * `GET /api/sessions.csv` (every session of the filter, for accounting, streamed page by page).
 * Periods are local dates of the station's time zone (`from` and `to` inclusive) or ISO times.
 * @module
 */
import { Hono } from "hono";
import * as z from "zod";
import type { HistoryFilter, HistorySession } from "../station/store/mod.ts";
import { utcOffsetMs } from "../station/time_zone.ts";
import type { AppContext, AppEnv } from "./context.ts";
import { csvStream } from "./csv_stream.ts";
import { fieldError, parseQuery } from "./errors.ts";
import { formatLocal } from "./whitelist_csv.ts";

const DAY = 86_400_000;
/** The longest period one request covers: the sessions' retention (5 years) and a bit. */
export const MAX_PERIOD_DAYS = 2000;
/** The daily chart covers at most the last this many days of the period. */
export const MAX_CHART_DAYS = 400;
/** Largest page of `GET /api/sessions`. */
export const MAX_PAGE_SIZE = 200;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const When = z.string().max(40).refine(
  (v) => (DATE.test(v) || INSTANT.test(v)) && !Number.isNaN(Date.parse(v)),
  "A date (2026-12-31) or an ISO time with its offset (2026-12-31T08:00:00Z)",
);
const IdTag = z.string().min(1).max(20);
/** A period: `from` and `to` as local dates or ISO times. */
export const PeriodQuery = z.object({ from: When.optional(), to: When.optional() });
const Filter = PeriodQuery.extend({ idTag: IdTag.optional() });
const PageQuery = Filter.extend({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
});

/** Local midnight in `timeZone` that begins the date `yyyy-mm-dd`. */
function localMidnight(date: string, timeZone: string): number {
  const guess = Date.parse(`${date}T00:00:00Z`);
  const first = guess - utcOffsetMs(timeZone, guess);
  return guess - utcOffsetMs(timeZone, first);
}

/** The filter of a query: `to` a date means the end of that day; defaults: the last 30 days. */
export function filterOf(
  q: z.infer<typeof PeriodQuery> & { idTag?: string | undefined },
  timeZone: string,
  nowMs: number,
): HistoryFilter {
  const toMs = q.to === undefined ? nowMs + 1 : DATE.test(q.to)
    ? localMidnight(
      new Date(Date.parse(`${q.to}T00:00:00Z`) + DAY).toISOString().slice(0, 10),
      timeZone,
    )
    : Date.parse(q.to);
  const fromMs = q.from === undefined
    ? localMidnight(
      new Date(toMs - 30 * DAY + utcOffsetMs(timeZone, toMs)).toISOString().slice(0, 10),
      timeZone,
    )
    : DATE.test(q.from)
    ? localMidnight(q.from, timeZone)
    : Date.parse(q.from);
  if (toMs <= fromMs) {
    throw fieldError(400, "to", "The period ends before it begins", "period_order");
  }
  if (toMs - fromMs > MAX_PERIOD_DAYS * DAY) {
    throw fieldError(
      400,
      "from",
      `A period covers at most ${MAX_PERIOD_DAYS} days`,
      "period_too_long",
      { max: MAX_PERIOD_DAYS },
    );
  }
  return { fromMs, toMs, ...(q.idTag !== undefined ? { idTag: q.idTag } : {}) };
}

const iso = (ms: number | null) => ms === null ? null : new Date(ms).toISOString();

function toApi(s: HistorySession) {
  return {
    id: s.id,
    connectorId: s.connectorId,
    idTag: s.idTag,
    startedAt: iso(s.startedAtMs),
    stoppedAt: iso(s.stoppedAtMs),
    durationS: s.durationS,
    energyWh: s.energyWh,
    stopReason: s.stopReason,
    transactionId: s.transactionId,
  };
}

/** Header of the CSV export. */
export const HISTORY_CSV_HEADER = [
  "session",
  "connector",
  "idTag",
  "start",
  "stop",
  "durationS",
  "energyKWh",
  "stopReason",
  "transactionId",
];

/** The history routes under `/api`. */
export function historyRoutes(ctx: AppContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const history = ctx.station.store.history;
  const timeZone = () => ctx.station.settings.get("time.zone");
  const nowMs = () => ctx.station.hardware.clock.nowMs();
  const period = (f: HistoryFilter) => ({
    from: iso(f.fromMs),
    to: iso(f.toMs),
    timeZone: timeZone(),
  });

  app.get("/sessions", async (c) => {
    const q = parseQuery(c, PageQuery);
    const now = nowMs();
    const f = filterOf(q, timeZone(), now);
    const [sessions, totals] = await Promise.all([
      history.page(f, { limit: q.pageSize, offset: (q.page - 1) * q.pageSize, nowMs: now }),
      history.totals(f, now),
    ]);
    return c.json({
      period: period(f),
      idTag: f.idTag ?? null,
      page: q.page,
      pageSize: q.pageSize,
      pages: Math.max(1, Math.ceil(totals.count / q.pageSize)),
      totals,
      sessions: sessions.map(toApi),
    });
  });

  app.get("/sessions/summary", async (c) => {
    const now = nowMs();
    const f = filterOf(parseQuery(c, Filter), timeZone(), now);
    const chart = { ...f, fromMs: Math.max(f.fromMs, f.toMs - MAX_CHART_DAYS * DAY) };
    const [months, days] = await Promise.all([
      history.perCardMonth(f, timeZone(), now),
      history.perDay(chart, timeZone(), now),
    ]);
    return c.json({ period: period(f), idTag: f.idTag ?? null, months, days });
  });

  app.get("/sessions.csv", (c) => {
    const now = nowMs();
    const f = filterOf(parseQuery(c, Filter), timeZone(), now);
    const zone = timeZone();
    const body = csvStream(
      HISTORY_CSV_HEADER,
      (offset, limit) => history.page(f, { limit, offset, nowMs: now }),
      (s) => [
        s.id,
        s.connectorId,
        s.idTag,
        formatLocal(s.startedAtMs, zone),
        s.stoppedAtMs === null ? "" : formatLocal(s.stoppedAtMs, zone),
        s.durationS,
        (s.energyWh / 1000).toFixed(3),
        s.stopReason ?? "",
        s.transactionId ?? "",
      ],
    );
    const name = `sessions-${ctx.deps.info.serial}-${formatLocal(f.fromMs, zone).slice(0, 10)}-${
      formatLocal(f.toMs - 1, zone).slice(0, 10)
    }.csv`;
    return c.body(body, 200, {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${name}"`,
    });
  });

  return app;
}
