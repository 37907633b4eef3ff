/**
 * Cluster figures: `allocate()` over 250 charge points (125 members of two points, mixed
 * phases, some drawing less, some unreachable), and end to end over a real Mosquitto on
 * loopback: a master (`ClusterMaster`, as in the station) and 125 light members (plain MQTT
 * clients that answer allocations as a station does); a new session on one point lowers
 * everybody else, and the time is measured until every member has its new allocation and until
 * the new point has its raise (decrease before increase: after the others confirmed).
 * @module
 */
import mqtt from "mqtt";
import {
  allocate,
  DEFAULT_RULES,
  type GridPhase,
  type PointDemand,
} from "../station/cluster/allocate.ts";
import { Bus } from "../station/cluster/bus.ts";
import { ClusterMaster } from "../station/cluster/master.ts";
import {
  type Demand,
  DEMAND_PERIOD_MS,
  PROTOCOL_VERSION,
  topics,
} from "../station/cluster/protocol.ts";
import { startMosquitto } from "../tests/helpers/mosquitto.ts";
import { type Figure, median } from "./figure.ts";

const MEMBERS = 125;
const RUNS = 200;

function demands(): PointDemand[] {
  const out: PointDemand[] = [];
  for (let m = 0; m < MEMBERS; m++) {
    for (let id = 1; id <= 2; id++) {
      const i = m * 2 + id;
      out.push({
        key: `m${m}/${id}`,
        member: `m${m}`,
        active: i % 5 !== 0,
        startedAtMs: i * 1000,
        maxMa: i % 7 === 0 ? 16_000 : 32_000,
        phases: i % 3 === 0 ? [(i % 9 / 3) as GridPhase] : [0, 1, 2],
        drawMa: i % 4 === 0 ? 8_000 : 32_000,
        reachable: m % 25 !== 0,
        fallbackMa: 6_000,
      });
    }
  }
  return out;
}

function computeFigures(): Figure[] {
  const rules = { ...DEFAULT_RULES, limitMa: 800_000 };
  const input = demands();
  let memory = allocate(input, rules, 0).memory;
  // Warmed up first: the figure is the steady state, not the compiler.
  for (let r = 0; r < 50; r++) memory = allocate(input, rules, 0, memory).memory;
  const ms: number[] = [];
  for (let r = 1; r <= RUNS; r++) {
    const t0 = performance.now();
    memory = allocate(input, rules, 1000 + r * 5_000, memory).memory;
    ms.push(performance.now() - t0);
  }
  return [
    {
      name: "allocate 250 points median",
      value: median(ms),
      unit: "ms",
      note: `${RUNS} runs, 125 members, mixed phases, 5 unreachable`,
    },
    { name: "allocate 250 points max", value: Math.max(...ms), unit: "ms" },
  ];
}

/** A member as light as it gets: publishes its demand, applies and confirms allocations. */
function lightMember(url: string, prefix: string, name: string, plugged: boolean[]) {
  const client = mqtt.connect(url, { clientId: `bench-${name}`, clean: true });
  let applied: Demand["applied"] = null;
  const received = new Map<number, number>();
  const listeners: (() => void)[] = [];
  const demand = (): Demand => ({
    v: PROTOCOL_VERSION,
    type: "demand",
    member: name,
    fallbackMa: 0,
    applied,
    points: plugged.map((p, i) => ({
      id: i + 1,
      active: p,
      startedAtMs: i,
      maxMa: 63_000,
      phases: [0, 1, 2],
      drawMa: received.get(i + 1) ?? 0,
      offeredMa: received.get(i + 1) ?? 0,
    })),
  });
  const publish = () =>
    client.publish(topics.member(prefix, name), JSON.stringify(demand()), { qos: 1, retain: true });
  client.on("connect", () => {
    client.subscribe(topics.allocation(prefix, name), { qos: 1 });
    publish();
  });
  const timer = setInterval(publish, DEMAND_PERIOD_MS);
  client.on("message", (_t, payload) => {
    const a = JSON.parse(new TextDecoder().decode(payload));
    const changed = a.points.some((p: { id: number; ma: number }) => received.get(p.id) !== p.ma);
    for (const p of a.points) received.set(p.id, p.ma);
    applied = { master: a.master, epoch: a.epoch, seq: a.seq };
    if (changed) publish();
    for (const l of listeners) l();
  });
  return {
    received,
    publish,
    onAllocation: (fn: () => void) => listeners.push(fn),
    close: () => {
      clearInterval(timer);
      return client.endAsync(true);
    },
  };
}

async function endToEnd(): Promise<Figure[]> {
  await using broker = await startMosquitto();
  const prefix = "ladewerk/cluster/bench";
  // Enough for everyone above the minimum, so that one more session lowers all the others.
  const limitMa = 10_000_000;
  const plugged = Array.from({ length: MEMBERS }, (_, m) => [true, m !== 0]);
  const members = plugged.map((p, m) => lightMember(broker.url, prefix, `m${m}`, p));
  const bus = new Bus({ url: broker.url, clientId: "bench-master" });
  const master = new ClusterMaster({
    bus,
    prefix,
    master: "master",
    priority: 100,
    epoch: "bench",
    rules: () => ({ ...DEFAULT_RULES, limitMa }),
    now: () => performance.now(),
  });
  master.start();
  const waitFor = async (cond: () => boolean, timeoutMs: number) => {
    const until = performance.now() + timeoutMs;
    while (!cond()) {
      if (performance.now() > until) throw new Error("cluster bench: no allocation in time");
      await new Promise((r) => setTimeout(r, 2));
    }
    return performance.now();
  };
  const others = members.flatMap((x, m) =>
    [1, 2].filter((id) => m !== 0 || id !== 2).map((id) => ({ x, id }))
  );
  // 249 sessions share the limit.
  const before = Math.floor(limitMa / 249 / 100) * 100;
  await waitFor(() => others.every(({ x, id }) => x.received.get(id) === before), 60_000);
  const t0 = performance.now();
  plugged[0]![1] = true;
  members[0]!.publish();
  const lowered = await waitFor(
    () => others.every(({ x, id }) => x.received.get(id)! < before),
    10_000,
  );
  const raised = await waitFor(() => (members[0]!.received.get(2) ?? 0) > 0, 10_000);
  const after = members[0]!.received.get(2)!;
  await master[Symbol.asyncDispose]();
  await bus[Symbol.asyncDispose]();
  await Promise.all(members.map((m) => m.close()));
  return [
    {
      name: "cluster demand change → all lowered",
      value: lowered - t0,
      unit: "ms",
      note: `125 MQTT members over Mosquitto on loopback, 250 points, ${before} → ${after} mA`,
    },
    {
      name: "cluster demand change → new point raised",
      value: raised - t0,
      unit: "ms",
      note: "after every lowered member confirmed (decrease before increase)",
    },
  ];
}

export async function run(): Promise<Figure[]> {
  return [...computeFigures(), ...await endToEnd()];
}
