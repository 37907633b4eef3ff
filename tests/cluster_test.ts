/**
 * Cluster load management (level 2) across station processes and a real Mosquitto: the limit
 * holds at every sample (every 0.5 s, through `GET /api/status`) while members plug, pause,
 * lose the broker, restart, and the master dies; forged, malformed and wrong-version messages
 * (sent with Debian's `mosquitto_pub`, another MQTT implementation) change nothing.
 * @module
 */
import assert from "node:assert/strict";
import { type Mosquitto, startMosquitto } from "./helpers/mosquitto.ts";
import { startStation, type StationProcess } from "./helpers/station_process.ts";
import { startTcpProxy } from "./helpers/tcp_proxy.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const LIMIT_A = 20;

function member(
  broker: string,
  serial: string,
  role: "master" | "slave" | "standby",
  more: string[] = [],
): Promise<StationProcess> {
  return startStation({
    args: [
      "--serial",
      serial,
      "--connectors",
      "1",
      "--cluster-role",
      role,
      "--cluster-broker",
      broker,
      "--cluster-id",
      "site-a",
      "--cluster-limit-a",
      String(LIMIT_A),
      ...more,
    ],
  });
}

/** Plugs a vehicle and presents the master card on point 1. */
async function charge(st: StationProcess): Promise<void> {
  await st.api("/api/sim/connectors/1/plug", { method: "POST", json: {} });
  await st.api("/api/sim/rfid", { method: "POST", json: { idTag: "MASTERKEY" } });
  await st.waitFor((s: Json) => s.connectors[0].session !== null);
}

/**
 * Samples every live station every 0.5 s and records every moment at which the offered
 * currents (all vehicles draw on three phases) add up to more than the limit, or an offered
 * current lies between 0 and 6 A.
 */
function sampler(stations: () => StationProcess[]) {
  const violations: string[] = [];
  let samples = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const alive = stations();
      const statuses = await Promise.all(
        alive.map((st) => st.api<Json>("/api/status").then((r) => r.body).catch(() => null)),
      );
      const offered = statuses.flatMap((s) => s ? s.connectors.map((c: Json) => c.offeredMa) : []);
      const sum = offered.reduce((a: number, b: number) => a + b, 0);
      samples++;
      if (sum > LIMIT_A * 1000) violations.push(`sum ${sum} mA: ${offered.join(", ")}`);
      for (const ma of offered) {
        if (ma > 0 && ma < 6000) violations.push(`offered ${ma} mA`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    violations,
    get samples() {
      return samples;
    },
    async stop() {
      stopped = true;
      await done;
    },
  };
}

async function publish(broker: Mosquitto, topic: string, payload: string, more: string[] = []) {
  const out = await new Deno.Command("mosquitto_pub", {
    args: ["-h", "127.0.0.1", "-p", String(broker.port), "-t", topic, "-m", payload, ...more],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { ok: out.success, error: new TextDecoder().decode(out.stderr) };
}

const offered = (s: Json) => s.connectors[0].offeredMa;

Deno.test("cluster: three stations share the limit, the newest pauses, forged and garbage messages change nothing", async () => {
  await using broker = await startMosquitto();
  await using a = await member(broker.url, "1001", "master");
  await using b = await member(broker.url, "1002", "slave");
  await using c = await member(broker.url, "1003", "slave");
  await using d = await member(broker.url, "1004", "slave");
  const all = [a, b, c, d];
  const sampling = sampler(() => all);
  // One after the other as the master learns of them: sessions a few ms apart reach it in any
  // order (each member reports a change within 250 ms), and a running point is never displaced.
  for (const [i, st] of all.entries()) {
    await charge(st);
    await a.waitFor((s: Json) =>
      s.cluster.master.members.find((m: Json) => m.member === `100${i + 1}`)?.points[0]?.active
    );
  }
  // 20 A over four points is 5 A each, below 6 A: the newest session (d) pauses.
  for (const st of [a, b, c]) await st.waitFor((s: Json) => offered(s) === 6600);
  const paused = await d.waitFor((s: Json) =>
    offered(s) === 0 && s.connectors[0].status === "SuspendedEVSE"
  );
  assert.equal(paused.connectors[0].limitsMa.cluster, 0);
  // The master's view follows d's demand within a round.
  const { master } =
    (await a.waitFor((s: Json) =>
      s.cluster.master.members.length === 4 && s.cluster.master.members[3].points[0].paused
    )).cluster;
  assert.equal(master.active, true);
  assert.deepEqual(master.members.map((m: Json) => m.member), ["1001", "1002", "1003", "1004"]);
  assert.deepEqual(
    master.members.map((m: Json) => m.points[0].paused),
    [false, false, false, true],
  );

  // Forged: an allocation from a master that is not the current one.
  const forged = JSON.stringify({
    v: 1,
    type: "allocation",
    master: "evil",
    epoch: "x",
    seq: 1e6,
    leaseMs: 60_000,
    points: [{ id: 1, ma: 32_000 }],
  });
  const topic = "ladewerk/cluster/site-a/allocation/1004";
  for (const payload of [forged, "{not json", forged.replace('"v":1', '"v":2'), "[]"]) {
    assert.ok((await publish(broker, topic, payload)).ok);
  }
  await publish(broker, "ladewerk/cluster/site-a/master/evil", '{"v":9,"type":"master"}', ["-r"]);
  await publish(broker, "ladewerk/cluster/site-a/member/1009", "garbage", ["-r"]);
  const ignoring = await d.waitFor((s: Json) => s.cluster.member.ignored >= 5);
  assert.equal(offered(ignoring), 0, "the forged 32 A were not applied");
  assert.match(ignoring.cluster.member.lastIgnored, /master|version|JSON|allocation/);
  await new Promise((r) => setTimeout(r, 1500));
  for (const st of [a, b, c]) assert.equal(offered((await st.api<Json>("/api/status")).body), 6600);

  // A session ends: the paused point gets its share within a second or so.
  await b.api("/api/sim/connectors/1/unplug", { method: "POST" });
  await d.waitFor((s: Json) => offered(s) === 6600, { timeoutMs: 5000 });

  await sampling.stop();
  assert.ok(sampling.samples >= 3, `${sampling.samples} samples`);
  assert.deepEqual(sampling.violations, []);
});

Deno.test("cluster: a member cut from the broker falls back and rejoins; the standby takes over from a killed master; a restarted member rejoins", async () => {
  await using broker = await startMosquitto();
  using proxy = startTcpProxy(broker.port);
  const fallback = ["--cluster-fallback-a", "6"];
  await using a = await member(broker.url, "2001", "master", fallback);
  await using b = await member(broker.url, "2002", "standby", fallback);
  let c = await member(`mqtt://127.0.0.1:${proxy.port}`, "2003", "slave", fallback);
  try {
    let alive = [a, b, c];
    const sampling = sampler(() => alive);
    for (const st of alive) await charge(st);
    for (const st of alive) await st.waitFor((s: Json) => offered(s) === 6600);
    assert.equal((await b.api<Json>("/api/status")).body.cluster.master.active, false);

    // c loses the broker: its lease runs out, it offers its 6 A fallback, which the master
    // reserves; the others share the rest.
    proxy.cut();
    await c.waitFor((s: Json) => s.cluster.member.lease === null && offered(s) === 6000, {
      timeoutMs: 20_000,
    });
    for (const st of [a, b]) {
      await st.waitFor((s: Json) => offered(s) === 7000, { timeoutMs: 20_000 });
    }
    proxy.restore();
    await c.waitFor((s: Json) => s.cluster.member.lease !== null && offered(s) === 6600, {
      timeoutMs: 20_000,
    });

    // The master dies: the standby waits for its leases to run out, then allocates, keeping
    // the dead master's fallback in reserve.
    a.kill("SIGKILL");
    await a.exited;
    alive = [b, c];
    await b.waitFor(
      (s: Json) =>
        s.cluster.master.active === true &&
        s.cluster.master.members.find((m: Json) => m.member === "2001").reachable === false,
      { timeoutMs: 15_000 },
    );
    for (const st of alive) {
      await st.waitFor((s: Json) => s.cluster.member.master === "2002" && offered(s) === 7000, {
        timeoutMs: 30_000,
      });
    }

    // c restarts: it rejoins under the new master.
    await c.stop();
    c = await startStation({
      dataDir: c.dataDir,
      args: ["--serial", "2003", "--connectors", "1"],
    });
    alive = [b, c];
    const back = await c.waitFor((s: Json) => s.cluster.member.lease?.master === "2002", {
      timeoutMs: 20_000,
    });
    assert.equal(back.cluster.role, "slave", "the cluster settings were stored");
    await sampling.stop();
    assert.deepEqual(sampling.violations, []);
  } finally {
    await c[Symbol.asyncDispose]();
  }
});

Deno.test("cluster: two masters on one cluster both raise the alarm, the higher id steps down", async () => {
  await using broker = await startMosquitto();
  await using a = await member(broker.url, "3001", "master");
  await using b = await member(broker.url, "3002", "master");
  const stepped = await b.waitFor(
    (s: Json) =>
      s.cluster.master.active === false &&
      s.cluster.master.alarms.some((x: Json) => x.code === "twoMasters"),
    { timeoutMs: 15_000 },
  );
  assert.equal(stepped.cluster.member.master, "3001");
  const kept = await a.waitFor(
    (s: Json) =>
      s.cluster.master.active && s.cluster.master.alarms.some((x: Json) => x.code === "twoMasters"),
    { timeoutMs: 15_000 },
  );
  assert.equal(kept.cluster.member.master, "3001");
});

Deno.test("cluster: with broker credentials a station connects, an anonymous client is refused", async () => {
  await using broker = await startMosquitto({ users: { site: "Fuse-63A" } });
  await using a = await member(broker.url, "4001", "master", [
    "--cluster-user",
    "site",
    "--cluster-password",
    "Fuse-63A",
  ]);
  await a.waitFor((s: Json) => s.cluster.member.connected && s.cluster.member.master === "4001", {
    timeoutMs: 15_000,
  });
  const anonymous = await publish(broker, "ladewerk/cluster/site-a/allocation/4001", "{}");
  assert.equal(anonymous.ok, false, "the broker refuses a client without credentials");
  await using wrong = await member(broker.url, "4002", "slave", [
    "--cluster-user",
    "site",
    "--cluster-password",
    "guess",
  ]);
  await new Promise((r) => setTimeout(r, 2000));
  const s = (await wrong.api<Json>("/api/status")).body;
  assert.equal(s.cluster.member.connected, false);
  assert.equal(s.cluster.member.master, null);
  assert.equal(s.connectors[0].limitsMa.cluster, 0, "without a lease: the fallback, 0 A");
});

Deno.test("cluster: an mqtts:// broker is trusted through --cluster-ca-file, and refused without it", async () => {
  await using broker = await startMosquitto({ tls: true });
  assert.ok(broker.url.startsWith("mqtts://"));
  await using a = await member(broker.url, "6001", "master", ["--cluster-ca-file", broker.caFile!]);
  await a.waitFor((s: Json) => s.cluster.member.connected && s.cluster.member.master === "6001", {
    timeoutMs: 15_000,
  });
  await using b = await member(broker.url, "6002", "slave");
  await new Promise((r) => setTimeout(r, 2000));
  const s = (await b.api<Json>("/api/status")).body;
  assert.equal(s.cluster.member.connected, false, "an unknown certificate is not trusted");
  assert.match(b.output(), /certificate|self.signed|unable to verify/i);
});
