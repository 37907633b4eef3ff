/**
 * The dashboard's live data (M-1.3, B-1): status, the event stream and the power history.
 * @module
 */
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import * as z from "zod";
import type { AppContext, AppEnv } from "./context.ts";
import { parseQuery } from "./errors.ts";

/** A status event also goes out this often when nothing changed (keep-alive). */
export const KEEP_ALIVE_MS = 10_000;

const HistoryQuery = z.object({
  minutes: z.coerce.number().int().min(1).max(60).default(60),
});

/** Samples the station's power into the history every `everyMs` until `signal` aborts. */
export function startPowerSampler(ctx: AppContext, signal: AbortSignal, everyMs = 2_000): void {
  const sample = () => {
    const nowMs = ctx.station.hardware.clock.nowMs();
    for (const c of ctx.station.state.connectors) ctx.history.record(c.id, nowMs, c.powerW);
  };
  if (signal.aborted) return;
  sample();
  const timer = setInterval(sample, everyMs);
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}

/** The routes under `/api`. */
export function liveRoutes(ctx: AppContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { signal } = ctx.deps;
  const keepAliveMs = ctx.deps.eventKeepAliveMs ?? KEEP_ALIVE_MS;

  app.get("/status", (c) => c.json(ctx.status()));

  app.get("/power-history", (c) => {
    const { minutes } = parseQuery(c, HistoryQuery);
    const nowMs = ctx.station.hardware.clock.nowMs();
    return c.json({
      stepS: ctx.history.stepMs / 1000,
      connectors: ctx.history.connectorIds().map((id) => ({
        id,
        points: ctx.history.points(id, nowMs, minutes),
      })),
    });
  });

  app.get("/events", (c) => {
    const session = c.get("session");
    return streamSSE(c, async (stream) => {
      const done = Promise.withResolvers<void>();
      const live = () =>
        !stream.aborted && !stream.closed && !signal.aborted &&
        (session === undefined || ctx.sessions.isLive(session.id));
      let queue = Promise.resolve();
      let first = true;
      const send = (snapshot: Record<string, unknown>) => {
        queue = queue.then(async () => {
          if (!live()) return done.resolve();
          await stream.writeSSE({
            event: "status",
            data: JSON.stringify(snapshot),
            ...(first ? { retry: 2000 } : {}),
          });
          first = false;
        });
      };
      const end = () => done.resolve();
      const remove = ctx.hub.add(send);
      const keepAlive = setInterval(() => send(ctx.status()), keepAliveMs);
      signal.addEventListener("abort", end, { once: true });
      stream.onAbort(end);
      send(ctx.status());
      try {
        await done.promise;
      } finally {
        remove();
        clearInterval(keepAlive);
        signal.removeEventListener("abort", end);
      }
    });
  });

  return app;
}
