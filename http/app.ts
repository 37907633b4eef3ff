/**
 * The station's HTTP app as a value: `createApp(deps)` returns a Hono app that `run.ts`
 * serves and tests call with `app.request(...)`.
 * @module
 */
import { Hono } from "hono";
import { TrieRouter } from "hono/router/trie-router";
import { SimModem } from "../drivers/sim/modem.ts";
import { SimNetworkConfig } from "../drivers/sim/network.ts";
import { LoginThrottle, WebSessions } from "../station/auth/mod.ts";
import { statusSnapshot } from "../station/snapshot.ts";
import { authRoutes } from "./auth_routes.ts";
import { type AppContext, type AppDeps, type AppEnv, monotonicClock } from "./context.ts";
import { errorResponse, HttpError } from "./errors.ts";
import { bodyLimits, sameOrigin } from "./limits.ts";
import { auditRoutes } from "./audit_routes.ts";
import { backupRoutes } from "./backup_routes.ts";
import { historyRoutes } from "./history_routes.ts";
import { usersRoutes } from "./users_routes.ts";
import { liveRoutes, startPowerSampler } from "./live_routes.ts";
import { metricsRoutes } from "./metrics_routes.ts";
import { followNetworkSettings, networkRoutes, networkSetup } from "./network_routes.ts";
import { PowerHistory } from "./power_history.ts";
import { apiGuard, securityHeaders } from "./security.ts";
import { settingsRoutes } from "./settings_routes.ts";
import { simRoutes } from "./sim_routes.ts";
import { softwareRoutes } from "./software_routes.ts";
import { DEFAULT_UI_DIR, serveUi } from "./static.ts";
import { stationRoutes } from "./station_routes.ts";
import { StatusHub } from "./status_hub.ts";
import { whitelistRoutes } from "./whitelist_routes.ts";

export type { AppDeps } from "./context.ts";

/** Builds the services the routes share from the dependencies. */
function context(deps: AppDeps): AppContext {
  const { station, info } = deps;
  const clock = deps.clock ?? monotonicClock;
  // Adapters (OCPP) add their state to the snapshot through `station.addStatus`.
  const status = (): Record<string, unknown> => statusSnapshot(station, info);
  return {
    deps,
    station,
    clock,
    sessions: deps.sessions ?? new WebSessions({ clock }),
    throttle: new LoginThrottle({ clock }),
    password: {
      settings: station.settings,
      serial: info.serial,
      factoryPassword: deps.factoryPassword,
    },
    network: deps.network ?? new SimNetworkConfig({ setup: networkSetup(station.settings.all()) }),
    modem: deps.modem ?? new SimModem(),
    history: new PowerHistory({ connectors: station.state.connectors.length }),
    hub: new StatusHub(station, status),
    status,
  };
}

/** Builds the HTTP app; its timers and event streams end when `deps.signal` aborts. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const ctx = context(deps);
  startPowerSampler(ctx, deps.signal);
  const networkChanges = followNetworkSettings(ctx, deps.signal);

  // The trie router needs no compiling: Hono's default builds one regular expression of all
  // 160 routes on the first request, 5 to 12 ms of the first answer after a start, to save
  // a hundredth of a millisecond on each later one.
  const app = new Hono<AppEnv>({ router: new TrieRouter() });
  app.onError(errorResponse);
  app.notFound((c) =>
    errorResponse(new HttpError(404, `No route: ${c.req.method} ${c.req.path}`), c)
  );
  app.use("*", securityHeaders);
  app.use("/api/*", sameOrigin, bodyLimits, apiGuard(ctx));
  for (
    const routes of [
      authRoutes,
      liveRoutes,
      settingsRoutes,
      (c: AppContext) => networkRoutes(c, networkChanges),
      whitelistRoutes,
      historyRoutes,
      auditRoutes,
      backupRoutes,
      usersRoutes,
      stationRoutes,
      softwareRoutes,
    ]
  ) app.route("/api", routes(ctx));
  app.route("/", metricsRoutes(ctx));
  if (deps.sim) app.route("/api/sim", simRoutes(deps.station, deps.sim, ctx.status));
  serveUi(app, deps.uiDir ?? DEFAULT_UI_DIR);
  return app;
}
