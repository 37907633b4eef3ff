/**
 * `startCluster()` following its settings, over a real Mosquitto: the live settings apply
 * without new connections, a restart keeps the points limited (at the fallback), and only
 * switching the cluster off removes the limit.
 * @module
 */
import assert from "node:assert/strict";
import type { CoreEvent, StationState } from "../core/mod.ts";
import type { SettingsChange } from "../settings/mod.ts";
import { startMosquitto } from "../../tests/helpers/mosquitto.ts";
import { startCluster } from "./mod.ts";

Deno.test({
  name: "startCluster(): live settings without a restart; a restart never leaves a point unlimited",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await using broker = await startMosquitto();
    const values: Record<string, unknown> = {
      "cluster.enabled": true,
      "cluster.role": "master",
      "cluster.broker": broker.url,
      "cluster.id": "one",
      "cluster.limitA": 16,
      "cluster.fallbackA": 6,
      "cluster.minCurrentA": 6,
      "cluster.rotationMin": 15,
      "cluster.username": "",
      "cluster.password": "",
      "cluster.caCertificatePem": "",
      "cluster.cp1.phase": "L1",
    };
    const listeners: ((c: SettingsChange) => void)[] = [];
    const change = (changed: Record<string, unknown>) => {
      Object.assign(values, changed);
      for (const l of listeners) l({ changed, restartNeeded: false } as SettingsChange);
    };
    const limits: (number | undefined)[] = [];
    const station = {
      state: {
        config: { hardwareMaxCurrentMa: [32_000], stationMaxCurrentMa: 32_000 },
        connectors: [{
          id: 1,
          session: { startedAtMs: 1 },
          finishing: false,
          limits: {},
          offeredMa: 0,
        }],
        stationLimits: {},
      } as unknown as StationState,
      reading: () => undefined,
      dispatch: (e: CoreEvent) => {
        if (e.type === "limit") limits.push(e.limitMa);
        return Promise.resolve();
      },
      settings: {
        get: (k: string) => values[k],
        factory: { serial: "7001" },
        onChange: (l: (c: SettingsChange) => void) => {
          listeners.push(l);
          return () => {};
        },
      },
    };
    const until = async (cond: () => boolean, what: string) => {
      const end = performance.now() + 15_000;
      while (!cond()) {
        if (performance.now() > end) throw new Error(`not in time: ${what} (${limits})`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await using cluster = startCluster(station);
    await until(() => limits.at(-1) === 16_000, "the whole limit for the one point");
    const epoch = cluster.status().master!.epoch;

    change({ "cluster.limitA": 10 });
    await until(() => limits.at(-1) === 10_000, "the lower limit");
    assert.equal(cluster.status().master!.epoch, epoch, "no restart for the limit");

    const from = limits.length;
    change({ "cluster.id": "two" });
    const restarted = () => {
      const e = cluster.status().master?.epoch;
      return e !== undefined && e !== epoch;
    };
    await until(() => restarted() && limits.at(-1) === 10_000, "back under the new master");
    assert.ok(!limits.slice(from).includes(undefined), `limited throughout: ${limits.slice(from)}`);
    assert.ok(limits.slice(from).includes(6_000), "the fallback while restarting");

    change({ "cluster.enabled": false });
    await until(() => limits.at(-1) === undefined && cluster.status().member === null, "off");
  },
});
