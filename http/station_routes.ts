/**
 * The station pages (M-1.3, M-1.6, M-1.2): station facts, charge modules and flashing, the
 * browser time sync, restarts and the factory reset.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { Hono } from "hono";
import * as z from "zod";
import { APP_VERSION } from "../station/version.ts";
import type { AppContext, AppEnv } from "./context.ts";
import { fieldError, parseBody } from "./errors.ts";
import { clearSessionCookie } from "./security.ts";
import { LIST_VERSION_KEY } from "./whitelist_routes.ts";

const log = getLogger(["ladewerk", "http"]);

const RestartBody = z.strictObject({ kind: z.enum(["daemon", "system"]) });
const ResetBody = z.strictObject({
  confirm: z.literal("RESET", { error: 'Type "RESET" to confirm' }),
  /** Undelivered transaction messages may be lost (they are listed when refused). */
  dropUndelivered: z.boolean().optional(),
});
const TimeBody = z.strictObject({
  timeMs: z.number().int().min(Date.UTC(2020, 0, 1)).max(Date.UTC(2100, 0, 1)),
});

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

/** Versions of the OS, the app and the charge controllers' firmware. */
export function versions(ctx: AppContext) {
  const os = `${Deno.build.os} ${safe(() => Deno.osRelease(), "")}`.trim();
  return {
    os: ctx.deps.info.hardware === "sim" ? `${os} (simulation)` : os,
    app: APP_VERSION,
    runtime: `Deno ${Deno.version.deno}`,
    controllers: ctx.station.hardware.controllers.map((c) => ({
      connectorId: c.connectorId,
      ...c.info(),
    })),
  };
}

function addresses() {
  return safe(() => Deno.networkInterfaces(), []).map((i) => ({
    name: i.name,
    address: i.address,
    family: i.family,
    prefix: Number(i.cidr.split("/")[1]),
  }));
}

async function logEvent(ctx: AppContext, code: string, message: string): Promise<void> {
  await ctx.station.store.events.append([{
    atMs: ctx.station.hardware.clock.nowMs(),
    kind: "webui",
    code,
    message,
  }]);
}

/** Runs `task` after `delayMs`, unless the app's lifetime ends first. */
function later(ctx: AppContext, delayMs: number, task: () => void): void {
  const { signal } = ctx.deps;
  if (signal.aborted) return;
  const timer = setTimeout(() => {
    signal.removeEventListener("abort", cancel);
    task();
  }, delayMs);
  const cancel = () => clearTimeout(timer);
  signal.addEventListener("abort", cancel, { once: true });
}

/** The routes under `/api`. */
export function stationRoutes(ctx: AppContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { station, deps } = ctx;
  const settings = station.settings;
  let flash: {
    state: "idle" | "flashing" | "done" | "failed";
    finishedAt: string | null;
    percent?: number;
    error?: string;
  } = {
    state: "idle",
    finishedAt: null,
  };

  app.get("/info", (c) => {
    const nowMs = station.hardware.clock.nowMs();
    return c.json({
      serial: deps.info.serial,
      model: deps.info.model,
      vendor: deps.info.vendor,
      hardware: deps.info.hardware,
      versions: versions(ctx),
      chargeBoxId: settings.get("ocpp.chargeBoxIdTemplate").replaceAll(
        "{serial}",
        deps.info.serial,
      ),
      uptimeS: Math.floor((nowMs - station.startedAtMs) / 1000),
      addresses: addresses(),
      time: new Date(nowMs).toISOString(),
      timeSource: settings.get("time.source"),
      timeZone: settings.get("time.zone"),
      // A simulated station runs on the host's clock; a device knows its time once synced.
      timeValid: deps.timeValid?.() ?? (deps.info.hardware === "sim" ||
        deps.timeSync?.setAtMs !== undefined),
      clockOffsetMs: deps.timeSync?.offsetMs ?? 0,
    });
  });

  app.get("/modules", (c) => {
    const hw = station.hardware;
    return c.json({
      controllers: hw.controllers.map((ctl) => ({ connectorId: ctl.connectorId, ...ctl.info() })),
      meters: hw.meters.map((m) => ({ connectorId: m.connectorId, ...m.info() })),
      flash,
    });
  });

  app.post("/modules/flash", async (c) => {
    const busy = station.state.connectors.filter((cp) => cp.session !== null).map((cp) => cp.id);
    if (busy.length > 0) {
      throw fieldError(
        409,
        "sessions",
        `End the running sessions first: charge point ${busy.join(", ")}`,
        "sessions_running",
      );
    }
    if (flash.state === "flashing") {
      throw fieldError(409, "flash", "A flash is running already", "busy");
    }
    flash = { state: "flashing", finishedAt: null, percent: 0 };
    await logEvent(ctx, "FlashStarted", "Charge controller flash started from the web interface");
    const real = deps.flashControllers;
    if (real) {
      // The points take no session while their controllers are away.
      await station.dispatch({ type: "availability", connectorId: 0, operative: false });
      real((percent) => flash = { ...flash, percent }).then(
        async (versions) => {
          flash = {
            state: "done",
            finishedAt: new Date(station.hardware.clock.nowMs()).toISOString(),
            percent: 100,
          };
          log.info(`Charge controllers flashed: ${versions.join(", ")}`);
          await logEvent(ctx, "FlashDone", `Charge controllers flashed: ${versions.join(", ")}`);
        },
        async (e) => {
          const error = e instanceof Error ? e.message : String(e);
          flash = {
            state: "failed",
            finishedAt: new Date(station.hardware.clock.nowMs()).toISOString(),
            error,
          };
          log.error(`Charge controller flash failed: ${error}`);
          await logEvent(ctx, "FlashFailed", `Charge controller flash failed: ${error}`);
        },
      ).finally(() => void station.restoreAvailability());
      return c.json({ flash }, 202);
    }
    later(ctx, deps.flashDelayMs ?? 3000, () => {
      // The simulated controllers keep their firmware: reading their info is the whole flash.
      const infos = station.hardware.controllers.map((ctl) => ctl.info());
      flash = { state: "done", finishedAt: new Date(station.hardware.clock.nowMs()).toISOString() };
      log.info(`Charge controllers flashed: ${infos.map((i) => i.firmwareVersion).join(", ")}`);
    });
    return c.json({ flash }, 202);
  });

  app.post("/time/sync", async (c) => {
    const { timeMs } = await parseBody(c, TimeBody);
    if (settings.get("time.source") !== "Browser") {
      throw fieldError(
        409,
        "time.source",
        "The time source is not Browser: choose Browser and save first",
        "wrong_source",
      );
    }
    if (!deps.timeSync) {
      throw fieldError(409, "timeMs", "This station's clock cannot be set", "not_supported");
    }
    const beforeMs = deps.timeSync.nowMs();
    deps.timeSync.setTimeMs(timeMs);
    log.info(`Time set from the browser: moved by ${timeMs - beforeMs} ms`);
    await logEvent(ctx, "TimeSet", `Time set from the browser: moved by ${timeMs - beforeMs} ms`);
    return c.body(null, 204);
  });

  app.delete("/cluster/members/:member", async (c) => {
    const member = c.req.param("member");
    const answer = deps.cluster?.forget(member) ?? "notMaster";
    if (answer === "notMaster") {
      throw fieldError(409, "member", "Only the master or the standby keeps members", "not_master");
    }
    if (answer === "unknown") throw fieldError(404, "member", `No member ${member}`, "unknown");
    if (answer === "online") {
      throw fieldError(409, "member", `Member ${member} is still heard`, "online");
    }
    await logEvent(ctx, "ClusterMemberForgotten", `Cluster member ${member} forgotten`);
    return c.body(null, 204);
  });

  app.post("/admin/restart", async (c) => {
    const { kind } = await parseBody(c, RestartBody);
    const control = deps.control;
    if (!control) throw fieldError(409, "kind", "Restart is not available here", "not_supported");
    log.info(`${kind === "daemon" ? "Daemon" : "System"} restart requested from the web interface`);
    await logEvent(ctx, "Restart", `${kind} restart requested from the web interface`);
    await ctx.station.audit([{ actor: "installer", action: "restart", target: kind }]);
    later(ctx, deps.restartDelayMs ?? 100, () => control.restart(kind));
    return c.json({ kind }, 202);
  });

  app.post("/admin/factory-reset", async (c) => {
    const body = await parseBody(c, ResetBody);
    const nowMs = station.hardware.clock.nowMs();
    // No billing record vanishes silently: undelivered transaction messages are listed.
    const owed = await station.store.undelivered();
    if (owed.length > 0 && !body.dropUndelivered) {
      const list = owed.slice(0, 20).map((o) =>
        `session ${o.sessionId} (charge point ${o.connectorId}, ` +
        `${new Date(o.startedAtMs).toISOString()}): ${o.messages.join(", ")}`
      ).join("; ");
      throw fieldError(
        409,
        "dropUndelivered",
        `${owed.length} session(s) still owe the backend transaction messages, which a reset ` +
          `would lose: ${list}${owed.length > 20 ? "; …" : ""}`,
        "undelivered",
        { sessions: owed.length },
      );
    }
    if (owed.length > 0) {
      log.warn(`Factory reset drops the undelivered messages of ${owed.length} session(s)`);
    }
    await ctx.station.audit([{ actor: "installer", action: "factoryReset" }]);
    await station.store.factoryReset();
    await settings.resetAll(nowMs);
    await station.store.whitelist.apply({
      replace: true,
      upsert: [{
        uid: settings.factory.masterKey,
        gid: null,
        expiryAtMs: null,
        authorization: "accepted",
        deleted: false,
      }],
    }, nowMs);
    await station.store.setMeta(LIST_VERSION_KEY, "0");
    ctx.sessions.deleteAllExcept();
    clearSessionCookie(c);
    log.warn(
      "Factory reset from the web interface: settings, whitelist, password, cache, profiles, " +
        "reservations and availability",
    );
    await logEvent(ctx, "FactoryReset", "Factory reset from the web interface");
    if (deps.control) {
      const control = deps.control;
      later(ctx, deps.restartDelayMs ?? 100, () => control.restart("system"));
    }
    return c.json({ restart: deps.control ? "system" : null }, 202);
  });

  return app;
}
