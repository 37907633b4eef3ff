/**
 * `GET /metrics`: the station's metrics in the Prometheus text format, never open. A scraper
 * sends `Authorization: Bearer <metrics.token>`; a logged-in browser its session cookie. The
 * station's own families (charge points, sessions, faults, cluster, memory, event loop) are
 * read from the status snapshot and the store; the adapters add theirs (OCPP, Modbus).
 * @module
 */
import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import { type Family, renderText, type Sample, single } from "../station/metrics.ts";
import type { AppContext, AppEnv } from "./context.ts";
import { sameSecret } from "../station/auth/mod.ts";
import { HttpError } from "./errors.ts";
import { roleOf, SESSION_COOKIE } from "./security.ts";

/** The charge point statuses, each a line of the state set. */
const STATUSES = [
  "Available",
  "Preparing",
  "Charging",
  "SuspendedEVSE",
  "SuspendedEV",
  "Finishing",
  "Reserved",
  "Unavailable",
  "Faulted",
] as const;

// deno-lint-ignore no-explicit-any
type Json = any;

const perPoint = (cps: Json[], value: (cp: Json) => number): Sample[] =>
  cps.map((cp) => ({ labels: { connector: cp.id }, value: value(cp) }));

/** The families the station itself exposes, from its snapshot and its store. */
async function stationFamilies(ctx: AppContext): Promise<Family[]> {
  const s = ctx.status() as Json;
  const cps: Json[] = s.connectors;
  const seq = await ctx.station.store.sessionsStarted();
  const mem = Deno.memoryUsage();
  const families: Family[] = [
    single("ladewerk_up", "1 while the station program runs", "gauge", 1),
    single(
      "ladewerk_uptime_seconds",
      "Seconds since the station program started",
      "gauge",
      s.uptimeS,
    ),
    {
      name: "ladewerk_connector_status",
      help: "OCPP status of each charge point (1 for the current one)",
      type: "gauge",
      samples: cps.flatMap((cp) =>
        STATUSES.map((status) => ({
          labels: { connector: cp.id, status },
          value: cp.status === status ? 1 : 0,
        }))
      ),
    },
    {
      name: "ladewerk_connector_power_watts",
      help: "Active power of each charge point",
      type: "gauge",
      samples: perPoint(cps, (cp) => cp.powerW),
    },
    {
      name: "ladewerk_connector_energy_wh_total",
      help: "Energy register of each charge point's meter",
      type: "counter",
      samples: perPoint(cps, (cp) => cp.energyWh),
    },
    {
      name: "ladewerk_connector_current_amperes",
      help: "Measured current of each charge point per phase",
      type: "gauge",
      samples: cps.flatMap((cp) =>
        (cp.currentsA as number[]).map((a, i) => ({
          labels: { connector: cp.id, phase: `L${i + 1}` },
          value: a,
        }))
      ),
    },
    {
      name: "ladewerk_connector_offered_amperes",
      help: "Current offered to the vehicle (pilot signal) of each charge point",
      type: "gauge",
      samples: perPoint(cps, (cp) => cp.offeredA),
    },
    {
      name: "ladewerk_connector_session_active",
      help: "1 while a charging session runs on the charge point",
      type: "gauge",
      samples: perPoint(cps, (cp) => cp.session ? 1 : 0),
    },
    {
      name: "ladewerk_faults_active",
      help: "Faults in force, of the station (connector 0) and of each charge point",
      type: "gauge",
      samples: [
        { labels: { connector: 0 }, value: s.station.faults.length },
        ...perPoint(cps, (cp) => cp.faults.length),
      ],
    },
    single(
      "ladewerk_sessions_started_total",
      "Charging sessions started since the station's first start",
      "counter",
      seq,
    ),
    single("ladewerk_process_resident_memory_bytes", "Resident set size", "gauge", mem.rss),
    single("ladewerk_process_heap_used_bytes", "V8 heap in use", "gauge", mem.heapUsed),
  ];
  const runtime = s.runtime as Json;
  if (runtime) {
    families.push(
      single(
        "ladewerk_event_loop_lag_seconds",
        "Event-loop lag now",
        "gauge",
        runtime.eventLoopLagMs / 1000,
      ),
      single(
        "ladewerk_event_loop_lag_max_seconds",
        "Largest event-loop lag seen",
        "gauge",
        runtime.eventLoopLagMaxMs / 1000,
      ),
    );
  }
  const cluster = s.cluster as Json;
  if (cluster?.enabled) {
    const lease = cluster.member?.lease;
    families.push(
      single(
        "ladewerk_cluster_connected",
        "1 while the cluster broker is connected",
        "gauge",
        cluster.member?.connected ? 1 : 0,
      ),
      {
        name: "ladewerk_cluster_allocation_amperes",
        help: "Current the cluster master allocated to each charge point (0 without a lease)",
        type: "gauge",
        samples: perPoint(cps, (cp) => (lease?.pointsMa?.[cp.id] ?? 0) / 1000),
      },
    );
    if (cluster.master) {
      families.push(single(
        "ladewerk_cluster_members",
        "Members the master knows",
        "gauge",
        cluster.master.members.length,
      ));
    }
  }
  return families;
}

/** The `/metrics` route. */
export function metricsRoutes(ctx: AppContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/metrics", async (c) => {
    const token = ctx.station.settings.get("metrics.token");
    const bearer = /^Bearer (.+)$/.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
    const byToken = token !== "" && bearer !== "" && await sameSecret(bearer, token);
    const session = ctx.sessions.touch(getCookie(c, SESSION_COOKIE));
    const bySession = session !== undefined && roleOf(session) === "installer";
    if (!byToken && !bySession) {
      const reason = bearer
        ? "Wrong metrics token"
        : "A bearer token (metrics.token) or a web login is needed";
      throw new HttpError(
        401,
        reason,
        [{ field: "authorization", reason, code: bearer ? "wrong_token" : "no_session" }],
        { "WWW-Authenticate": 'Bearer realm="ladewerk metrics"' },
      );
    }
    const families = [...await stationFamilies(ctx), ...await ctx.station.metrics.collect()];
    return c.body(renderText(families), 200, {
      "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
      "Cache-Control": "no-store",
    });
  });
  return app;
}
