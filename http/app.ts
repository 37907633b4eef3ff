/**
 * The station's HTTP app as a value: `createApp(deps)` returns a Hono app that `main.ts`
 * serves and tests call with `app.request(...)`.
 * @module
 */
import { Hono } from "hono";
import type { Station } from "../station/runtime.ts";
import { type StationInfo, statusSnapshot } from "../station/snapshot.ts";
import { errorResponse, HttpError } from "./errors.ts";
import { type SimControl, simRoutes } from "./sim_routes.ts";

/** What the HTTP app needs. */
export interface AppDeps {
  station: Station;
  info: StationInfo;
  /** The simulator's control surface; the `/api/sim` routes exist only when given. */
  sim?: SimControl;
  /** Lifecycle requests from the admin menu: the station restarts in-process. */
  control?: { restart(kind: "daemon" | "system"): void };
}

/** Builds the HTTP app. */
export function createApp(deps: AppDeps): Hono {
  const { station, info } = deps;
  const status = () => statusSnapshot(station, info);
  const app = new Hono();
  app.onError(errorResponse);
  app.notFound((c) =>
    errorResponse(new HttpError(404, `No route: ${c.req.method} ${c.req.path}`), c)
  );
  app.get("/api/status", (c) => c.json(status()));
  if (deps.sim) app.route("/api/sim", simRoutes(station, deps.sim, status));
  return app;
}
