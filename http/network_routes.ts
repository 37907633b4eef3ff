/**
 * What the WAN interface and the modem run with (M-1.4); the saved set-up is in the settings.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { Hono } from "hono";
import type { NetworkSetup } from "../drivers/ports.ts";
import type { SettingValues } from "../station/settings/mod.ts";
import type { AppContext, AppEnv } from "./context.ts";

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

/** Applies the saved set-up whenever a network setting changes, until `signal` aborts. */
export function followNetworkSettings(ctx: AppContext, signal: AbortSignal): void {
  const settings = ctx.station.settings;
  const unsubscribe = settings.onChange((change) => {
    if (Object.keys(change.changed).some((k) => k.startsWith("network."))) {
      ctx.network.apply(networkSetup(settings.all())).catch((e) =>
        log.error(`Cannot apply the network settings: ${e instanceof Error ? e.message : e}`)
      );
    }
  });
  signal.addEventListener("abort", unsubscribe, { once: true });
}

/** The routes under `/api`. */
export function networkRoutes(ctx: AppContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/network", async (c) => {
    const { ipv4, ipv6, neverDefaultGateway } = ctx.network.applied();
    const modem = await ctx.modem.info();
    return c.json({ applied: { ipv4, ipv6, neverDefaultGateway }, modem });
  });
  return app;
}
