/**
 * The cluster agents (master, standby, members) in one process over a real Mosquitto, each on
 * its own TCP proxy so that a test can cut any of them from the broker. A seeded random
 * sequence plugs and unplugs vehicles, lets them draw less, cuts members and the master and
 * brings them back; after every limit any member applies, and every 100 ms, the offered
 * currents must add up to no more than the limit, each 0 or at least 6 A.
 * @module
 */
import assert from "node:assert/strict";
import { seededRandom } from "../../tests/helpers/random.ts";
import type { StationState } from "../core/mod.ts";
import type { MeterReading } from "../../drivers/ports.ts";
import { startMosquitto } from "../../tests/helpers/mosquitto.ts";
import { startTcpProxy, type TcpProxy } from "../../tests/helpers/tcp_proxy.ts";
import { DEFAULT_RULES } from "./allocate.ts";
import { Bus } from "./bus.ts";
import { ClusterMaster } from "./master.ts";
import { ClusterMember } from "./member.ts";

const LIMIT_MA = 24_000;
/** m0 and m1 fall back to 6 A, the others pause: 12 A of the limit stay reserved. */
const fallbackOf = (i: number) => i < 2 ? 6_000 : 0;
const PREFIX = "ladewerk/cluster/property";
const RUN_MS = Number(Deno.env.get("CLUSTER_AGENTS_MS") ?? 45_000);

/** One simulated station of one point: a session or not, a vehicle that wants some current. */
class FakeStation {
  session = false;
  startedAtMs = 0;
  wantsMa = 32_000;
  limitMa = 0;

  get offeredMa(): number {
    return this.session ? Math.min(this.limitMa, 32_000) : 0;
  }

  state(): StationState {
    return {
      config: { hardwareMaxCurrentMa: [32_000], stationMaxCurrentMa: 32_000 },
      connectors: [{
        id: 1,
        session: this.session ? { startedAtMs: this.startedAtMs } : null,
        finishing: false,
        limits: { cluster: this.limitMa },
        offeredMa: this.offeredMa,
      }],
      stationLimits: {},
    } as unknown as StationState;
  }

  reading(): MeterReading {
    const a = Math.min(this.offeredMa, this.wantsMa) / 1000;
    return {
      energyWh: 0,
      powerW: a * 690,
      atMs: 0,
      phases: [0, 1, 2].map(() => ({ voltageV: 230, currentA: a })) as MeterReading["phases"],
    };
  }
}

Deno.test({
  name:
    "cluster agents over Mosquitto: random plugs, cuts and a lost master never exceed the limit",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const seed = Number(Deno.env.get("CLUSTER_SEED") ?? 4711);
    console.log(`seed ${seed} (CLUSTER_SEED=${seed} repeats this run)`);
    const rnd = seededRandom(seed);
    await using broker = await startMosquitto();
    const now = () => performance.now();
    const proxies: TcpProxy[] = [];
    const buses: Bus[] = [];
    const bus = (name: string, will: ConstructorParameters<typeof Bus>[0]["will"]) => {
      const proxy = startTcpProxy(broker.port);
      proxies.push(proxy);
      const b = new Bus({
        url: `mqtt://127.0.0.1:${proxy.port}`,
        clientId: `prop-${name}`,
        reconnectMs: 500,
        ...(will ? { will } : {}),
      });
      buses.push(b);
      return { bus: b, proxy };
    };
    const violations: string[] = [];
    const stations = Array.from({ length: 5 }, () => new FakeStation());
    const check = (when: string) => {
      const offered = stations.map((s) => s.offeredMa);
      const sum = offered.reduce((a, b) => a + b, 0);
      if (sum > LIMIT_MA) violations.push(`${when}: sum ${sum} (${offered})`);
      for (const ma of offered) if (ma > 0 && ma < 6_000) violations.push(`${when}: ${ma} mA`);
    };
    const members = stations.map((st, i) => {
      const name = `m${i}`;
      const { bus: b, proxy } = bus(name, ClusterMember.will(PREFIX, name, [1], fallbackOf(i)));
      const agent = new ClusterMember({
        bus: b,
        prefix: PREFIX,
        member: name,
        state: () => st.state(),
        reading: () => st.reading(),
        setLimit: (_id, limitMa) => {
          // Lower first: the check sees the state right after the change.
          st.limitMa = limitMa;
          check(`${name} → ${limitMa}`);
          return Promise.resolve();
        },
        fallbackMa: () => fallbackOf(i),
        wiring: () => 0,
        now,
      });
      agent.start();
      return { agent, proxy };
    });
    const rules = () => ({ ...DEFAULT_RULES, limitMa: LIMIT_MA, rotationMs: 20_000 });
    const masters = (["master", "standby"] as const).map((name, i) => {
      const { bus: b, proxy } = bus(name, ClusterMaster.will(PREFIX, name));
      const agent = new ClusterMaster({
        bus: b,
        prefix: PREFIX,
        master: name,
        priority: i === 0 ? 100 : 50,
        epoch: `e${i}`,
        rules,
        now,
      });
      agent.start();
      return { agent, proxy };
    });
    const sampler = setInterval(() => check("sample"), 100);
    let cuts = 0;
    let masterCuts = 0;
    let charged = 0;
    try {
      const started = now();
      const until = started + RUN_MS;
      while (now() < until) {
        // Once in every run the master goes, a third of the way in, for 15 s.
        if (masterCuts === 0 && now() > started + RUN_MS / 3) {
          masters[0]!.proxy.cut();
          masterCuts++;
          setTimeout(() => masters[0]!.proxy.restore(), 15_000);
        }
        await new Promise((r) => setTimeout(r, 300));
        const x = rnd();
        const i = Math.floor(rnd() * stations.length);
        const st = stations[i]!;
        if (x < 0.15) {
          st.session = !st.session;
          st.startedAtMs = Date.now();
        } else if (x < 0.22) {
          st.wantsMa = rnd() < 0.3 ? 0 : 6_000 + Math.floor(rnd() * 26_000);
        } else if (x < 0.25) {
          members[i]!.proxy.cut();
          cuts++;
          setTimeout(() => members[i]!.proxy.restore(), 3_000 + rnd() * 15_000);
        }
        if (stations.some((s, k) => s.offeredMa > Math.max(6_000, fallbackOf(k)))) charged++;
      }
    } finally {
      clearInterval(sampler);
      for (const m of [...members, ...masters]) await m.agent[Symbol.asyncDispose]();
      for (const b of buses) await b[Symbol.asyncDispose]();
      for (const p of proxies) p[Symbol.dispose]();
    }
    assert.deepEqual(violations.slice(0, 10), [], `seed ${seed}`);
    assert.ok(cuts > 0 && masterCuts > 0, `cuts ${cuts}, master cuts ${masterCuts}`);
    assert.ok(charged > 10, "the cluster handed out current above the fallback at all");
  },
});
