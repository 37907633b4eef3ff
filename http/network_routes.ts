/**
 * What the WAN interface and the modem run with (M-1.4); the saved set-up is in the settings.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { Hono } from "hono";
import type { NetworkSetup } from "../drivers/ports.ts";
import type { SettingValues } from "../station/settings/mod.ts";
import type { AppContext, AppEnv } from "./context.ts";
import { fieldError } from "./errors.ts";

const log = getLogger(["ladewerk", "http"]);

/** The WAN set-up saved in the settings. */
export function networkSetup(v: SettingValues): NetworkSetup {
  return {
    ipv4: {
      mode: v["network.ipv4.mode"],
      address: v["network.ipv4.address"],
      prefix: v["network.ipv4.prefix"],
      gateway: v["network.ipv4.gateway"],
      dns: v["network.ipv4.dns"],
      dhcpRangeStart: v["network.ipv4.dhcpRangeStart"],
      dhcpRangeEnd: v["network.ipv4.dhcpRangeEnd"],
    },
    ipv6: {
      mode: v["network.ipv6.mode"],
      address: v["network.ipv6.address"],
      prefix: v["network.ipv6.prefix"],
      gateway: v["network.ipv6.gateway"],
      dns: v["network.ipv6.dns"],
    },
    neverDefaultGateway: v["network.neverDefaultGateway"],
  };
}

/** How long a network change from outside waits for its confirmation. */
export const NETWORK_CONFIRM_MS = 60_000;

/** A network change waiting for the technician's confirmation. */
interface Pending {
  previous: Partial<SettingValues>;
  untilMs: number;
  timer: ReturnType<typeof setTimeout>;
}

function networkValues(v: SettingValues): Partial<SettingValues> {
  return Object.fromEntries(Object.entries(v).filter(([k]) => k.startsWith("network.")));
}

/**
 * Applies the saved set-up whenever a network setting changes, until `signal` aborts. A change
 * from outside (the web interface) must be confirmed within a minute (`POST
 * /api/network/confirm`), as good routers do: a set-up that cut the technician off is rolled
 * back to the last confirmed one by itself.
 */
export function followNetworkSettings(ctx: AppContext, signal: AbortSignal): NetworkChanges {
  const settings = ctx.station.settings;
  const confirmMs = ctx.deps.networkConfirmMs ?? NETWORK_CONFIRM_MS;
  let confirmed = networkValues(settings.all());
  let pending: Pending | undefined;
  let restoring = false;
  const apply = () =>
    ctx.network.apply(networkSetup(settings.all())).catch((e) =>
      log.error(`Cannot apply the network settings: ${e instanceof Error ? e.message : e}`)
    );
  const rollBack = async () => {
    const p = pending;
    pending = undefined;
    if (!p) return;
    log.warn("Network change not confirmed within the time: back to the last confirmed set-up");
    restoring = true;
    try {
      await settings.set(p.previous, { writer: "station" });
    } finally {
      restoring = false;
    }
    await ctx.station.store.events.append([{
      atMs: ctx.station.hardware.clock.nowMs(),
      kind: "network",
      code: "NetworkRolledBack",
      message: "Network change not confirmed: the last confirmed set-up is back",
    }]).catch(() => {});
  };
  const unsubscribe = settings.onChange((change) => {
    if (!Object.keys(change.changed).some((k) => k.startsWith("network."))) return;
    void apply();
    if (restoring) return;
    if (!pending) {
      pending = {
        previous: confirmed,
        untilMs: ctx.clock.nowMs() + confirmMs,
        timer: setTimeout(() => void rollBack(), confirmMs),
      };
    }
  });
  signal.addEventListener("abort", () => {
    unsubscribe();
    clearTimeout(pending?.timer);
  }, { once: true });
  return {
    pending: () => pending ? { untilMs: pending.untilMs } : null,
    confirm: () => {
      if (!pending) return false;
      clearTimeout(pending.timer);
      pending = undefined;
      confirmed = networkValues(settings.all());
      return true;
    },
  };
}

/** The network change waiting for confirmation, and its confirmation. */
export interface NetworkChanges {
  pending(): { untilMs: number } | null;
  confirm(): boolean;
}

/** The routes under `/api`. */
export function networkRoutes(ctx: AppContext, changes: NetworkChanges): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/network", async (c) => {
    const { ipv4, ipv6, neverDefaultGateway } = ctx.network.applied();
    const modem = await ctx.modem.info();
    const pending = changes.pending();
    return c.json({
      applied: { ipv4, ipv6, neverDefaultGateway },
      modem,
      pendingConfirmation: pending ? { until: new Date(pending.untilMs).toISOString() } : null,
    });
  });
  /** Keeps the network change made last (else it is rolled back after a minute). */
  app.post("/network/confirm", (c) => {
    if (!changes.confirm()) {
      throw fieldError(409, "network", "No network change waits for confirmation", "not_pending");
    }
    log.info("Network change confirmed");
    return c.json({ confirmed: true });
  });
  return app;
}
