/**
 * The cluster adapter (load management level 2, M-1.5.3): `startCluster()` runs this station
 * as a member of the cluster and, with the role master or standby, also as its master, each on
 * its own broker connection with its own last will. Follows the `cluster.*` settings: the limit,
 * minimum, rotation and wiring apply at once, any other change starts the adapter afresh with
 * the points at their fallback meanwhile. When the cluster is switched off the `cluster` limit
 * is removed from every point.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { CoreEvent, StationState } from "../core/mod.ts";
import type { MeterReading } from "../../drivers/ports.ts";
import type { SettingsChange } from "../settings/mod.ts";
import type { GridPhase } from "./allocate.ts";
import type { Bus } from "./bus.ts";
import type { ClusterMaster, MasterStatus } from "./master.ts";
import type { ClusterMember, MemberStatus } from "./member.ts";

export type { ClusterAlarm, MasterStatus } from "./master.ts";
export type { MemberStatus } from "./member.ts";

const log = getLogger(["ladewerk", "cluster"]);

/** Broker of a master without one set: Mosquitto on the station itself. */
export const DEFAULT_BROKER = "mqtt://127.0.0.1:1883";

/** What the adapter needs of the station (`Station` has it). */
export interface ClusterStation {
  readonly state: StationState;
  reading(connectorId: number): MeterReading | undefined;
  dispatch(event: CoreEvent): Promise<void>;
  readonly settings: {
    get(key: string): unknown;
    readonly factory: { readonly serial: string };
    onChange(listener: (change: SettingsChange) => void): () => void;
  };
}

/** What `GET /api/status` → `cluster` shows. */
export interface ClusterStatus {
  enabled: boolean;
  role: "master" | "slave" | "standby";
  clusterId: string;
  broker: string;
  member: MemberStatus | null;
  /** On the master and the standby. */
  master: MasterStatus | null;
}

const PRIORITY = { master: 100, standby: 50 } as const;
/** Cluster settings the running agents read at every use: no restart for them. */
const LIVE_SETTINGS = new Set([
  "cluster.limitA",
  "cluster.minCurrentA",
  "cluster.rotationMin",
  "cluster.cp1.phase",
  "cluster.cp2.phase",
]);
const PHASE_OF: Record<string, GridPhase> = { L1: 0, L2: 1, L3: 2 };

/** A running cluster adapter. */
export interface Cluster extends AsyncDisposable {
  status(): ClusterStatus;
  /** Forgets a member gone for good; only the master (or standby) can. */
  forget(member: string): "forgotten" | "unknown" | "online" | "notMaster";
}

/** Starts the adapter; it follows the settings until disposed. */
export function startCluster(station: ClusterStation): Cluster {
  const get = <T>(key: string) => station.settings.get(key) as T;
  const member = station.settings.factory.serial;
  let running: { member: ClusterMember; master?: ClusterMaster; buses: Bus[] } | null = null;
  let chain = Promise.resolve();

  const broker = () => {
    const url = get<string>("cluster.broker");
    return url || (get<string>("cluster.role") === "slave" ? "" : DEFAULT_BROKER);
  };

  /**
   * Stops the agents. While the cluster stays on (a restart for new connection settings) the
   * points keep a limit, the fallback, so no instant of the restart is unlimited; only when the
   * cluster is switched off does the `cluster` limit go.
   */
  const stop = async () => {
    const r = running;
    running = null;
    if (!r) return;
    await r.master?.[Symbol.asyncDispose]();
    await r.member[Symbol.asyncDispose]();
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const b of r.buses) await b[Symbol.asyncDispose]();
    const limitMa = get<boolean>("cluster.enabled")
      ? get<number>("cluster.fallbackA") * 1000
      : undefined;
    for (const c of station.state.connectors) {
      await station.dispatch({ type: "limit", source: "cluster", connectorId: c.id, limitMa });
    }
  };

  const start = async () => {
    if (!get<boolean>("cluster.enabled")) return;
    // The agents, their protocol and the MQTT stack load only on a station that is in a
    // cluster: most are not, and their schemas cost every start otherwise (issue 14).
    const [{ Bus }, { ClusterMember }, { ClusterMaster }, { clusterPrefix }, { DEFAULT_RULES }] =
      await Promise.all([
        import("./bus.ts"),
        import("./member.ts"),
        import("./master.ts"),
        import("./protocol.ts"),
        import("./allocate.ts"),
      ]);
    const url = broker();
    if (!url) {
      log.warn("Cluster enabled without a broker (cluster.broker): this member waits");
      return;
    }
    const role = get<ClusterStatus["role"]>("cluster.role");
    const prefix = clusterPrefix(get<string>("cluster.id"));
    const fallbackMa = () => get<number>("cluster.fallbackA") * 1000;
    const credentials = {
      ...(get<string>("cluster.username") ? { username: get<string>("cluster.username") } : {}),
      ...(get<string>("cluster.password") ? { password: get<string>("cluster.password") } : {}),
      ...(get<string>("cluster.caCertificatePem")
        ? { caPem: get<string>("cluster.caCertificatePem") }
        : {}),
    };
    const now = () => performance.now();
    const ids = station.state.connectors.map((c) => c.id);
    const memberBus = new Bus({
      url,
      clientId: `ladewerk-${member}-member`,
      ...credentials,
      will: ClusterMember.will(prefix, member, ids, fallbackMa()),
    });
    const agent = new ClusterMember({
      bus: memberBus,
      prefix,
      member,
      state: () => station.state,
      reading: (id) => station.reading(id),
      setLimit: (connectorId, limitMa) =>
        station.dispatch({ type: "limit", source: "cluster", connectorId, limitMa }),
      fallbackMa,
      wiring: (id) => PHASE_OF[get<string>(`cluster.cp${id}.phase`)] ?? 0,
      now,
    });
    running = { member: agent, buses: [memberBus] };
    if (role !== "slave") {
      const masterBus = new Bus({
        url,
        clientId: `ladewerk-${member}-master`,
        ...credentials,
        will: ClusterMaster.will(prefix, member),
      });
      const master = new ClusterMaster({
        bus: masterBus,
        prefix,
        master: member,
        priority: PRIORITY[role],
        epoch: `${Date.now().toString(36)}-${crypto.randomUUID().slice(0, 8)}`,
        rules: () => ({
          ...DEFAULT_RULES,
          limitMa: get<number>("cluster.limitA") * 1000,
          minMa: get<number>("cluster.minCurrentA") * 1000,
          rotationMs: get<number>("cluster.rotationMin") * 60_000,
        }),
        now,
      });
      running.master = master;
      running.buses.push(masterBus);
      master.start();
    }
    agent.start();
    log.info(`Cluster ${prefix} on ${url}: ${member} as ${role}`);
  };

  const unsubscribe = station.settings.onChange(({ changed }) => {
    // The limit, minimum, rotation and wiring are read live; the rest needs new connections.
    if (!Object.keys(changed).some((k) => k.startsWith("cluster.") && !LIVE_SETTINGS.has(k))) {
      return;
    }
    chain = chain.then(stop).then(start).catch((e) => log.error(`Cluster restart failed: ${e}`));
  });
  chain = chain.then(start).catch((e) => log.error(`Cluster start failed: ${e}`));

  return {
    status: () => ({
      enabled: get<boolean>("cluster.enabled"),
      role: get<ClusterStatus["role"]>("cluster.role"),
      clusterId: get<string>("cluster.id"),
      broker: broker(),
      member: running?.member.status() ?? null,
      master: running?.master?.status() ?? null,
    }),
    forget: (m) => running?.master?.forget(m) ?? "notMaster",
    async [Symbol.asyncDispose]() {
      unsubscribe();
      await chain;
      await stop();
    },
  };
}
