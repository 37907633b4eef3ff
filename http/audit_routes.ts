/**
 * The audit log: `GET /api/audit` (paged, by period, actor and action) and `GET /api/audit.csv`
 * (streamed). Installer only. Periods as in the session history.
 * @module
 */
import { Hono } from "hono";
import * as z from "zod";
import { ACTORS, type AuditFilter, type AuditRow } from "../station/store/mod.ts";
import type { AppContext, AppEnv } from "./context.ts";
import { csvStream } from "./csv_stream.ts";
import { parseQuery } from "./errors.ts";
import { filterOf, PeriodQuery } from "./history_routes.ts";
import { formatLocal } from "./whitelist_csv.ts";

const Filter = PeriodQuery.extend({
  actor: z.enum(ACTORS).optional(),
  action: z.string().max(40).regex(/^[A-Za-z]+$/).optional(),
});
const PageQuery = Filter.extend({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

/** The CSV export's header. */
export const AUDIT_CSV_HEADER = ["time", "actor", "action", "target", "old", "new", "detail"];

function toApi(r: AuditRow) {
  return {
    id: r.id,
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    action: r.action,
    target: r.target,
    oldValue: r.old_value,
    newValue: r.new_value,
    detail: r.detail,
  };
}

/** An audit entry as a CSV record (local time of `timeZone`). */
export function auditRecord(r: AuditRow, timeZone: string): string[] {
  return [
    formatLocal(r.at, timeZone),
    r.actor,
    r.action,
    r.target ?? "",
    r.old_value ?? "",
    r.new_value ?? "",
    r.detail ?? "",
  ];
}

/** The routes under `/api`. */
export function auditRoutes(ctx: AppContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const audit = ctx.station.store.audit;
  const zone = () => ctx.station.settings.get("time.zone");
  const filter = (q: z.infer<typeof Filter>): AuditFilter => {
    const { fromMs, toMs } = filterOf(q, zone(), ctx.station.hardware.clock.nowMs());
    return { fromMs, toMs, actor: q.actor, action: q.action };
  };

  app.get("/audit", async (c) => {
    const q = parseQuery(c, PageQuery);
    const f = filter(q);
    const [rows, total] = await Promise.all([
      audit.list(f, { limit: q.pageSize, offset: (q.page - 1) * q.pageSize }),
      audit.count(f),
    ]);
    return c.json({
      period: { from: new Date(f.fromMs).toISOString(), to: new Date(f.toMs).toISOString() },
      page: q.page,
      pageSize: q.pageSize,
      total,
      pages: Math.max(1, Math.ceil(total / q.pageSize)),
      entries: rows.map(toApi),
    });
  });

  app.get("/audit.csv", (c) => {
    const f = filter(parseQuery(c, Filter));
    const tz = zone();
    const body = csvStream(
      AUDIT_CSV_HEADER,
      (offset, limit) => audit.list(f, { limit, offset }),
      (r) => auditRecord(r, tz),
    );
    return c.body(body, 200, {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="audit-${ctx.deps.info.serial}.csv"`,
    });
  });

  return app;
}
