/**
 * A station as a member of the cluster: publishes what its charge points ask for, follows the
 * allocations of the current master and hands them to the core as the `cluster` limit. Without
 * a valid lease (none yet, the master gone, the broker lost) every point offers the fallback
 * current. An allocation from anyone but the current master, of another version or malformed
 * is logged and ignored.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { ConnectorState, StationState } from "../core/mod.ts";
import type { MeterReading } from "../../drivers/ports.ts";
import type { GridPhase } from "./allocate.ts";
import type { Bus } from "./bus.ts";
import {
  AllocationSchema,
  type Demand,
  DEMAND_PERIOD_MS,
  MASTER_TIMEOUT_MS,
  type MasterHeartbeat,
  MasterMessageSchema,
  type Offline,
  parseMessage,
  PROTOCOL_VERSION,
  topics,
} from "./protocol.ts";

const log = getLogger(["ladewerk", "cluster"]);

/** Below this a phase draws nothing. */
const DRAWING_MA = 1_000;
/** Masters (and standbys) tracked at once. */
export const MAX_MASTERS = 8;
/** A demand goes out at most this often on changes. */
const MIN_DEMAND_GAP_MS = 250;

/** What the member needs of the station. */
export interface MemberDeps {
  bus: Bus;
  prefix: string;
  member: string;
  state(): StationState;
  reading(connectorId: number): MeterReading | undefined;
  /** Hands a point's cluster limit to the core. */
  setLimit(connectorId: number, limitMa: number): Promise<void>;
  fallbackMa(): number;
  /** Grid phase of each point's L1 (0 = L1). */
  wiring(connectorId: number): GridPhase;
  /** Monotonic ms. */
  now(): number;
}

/** The allocation in force. */
interface Lease {
  master: string;
  epoch: string;
  seq: number;
  points: Map<number, number>;
  untilMs: number;
}

/** What `GET /api/status` → `cluster.member` shows. */
export interface MemberStatus {
  member: string;
  connected: boolean;
  master: string | null;
  lease:
    | { master: string; seq: number; expiresInMs: number; pointsMa: Record<string, number> }
    | null;
  /** Messages refused (malformed, wrong version, not from the current master). */
  ignored: number;
  lastIgnored: string | null;
}

/** The member's side of the cluster. */
export class ClusterMember implements AsyncDisposable {
  #deps: MemberDeps;
  #masters = new Map<string, { beat: MasterHeartbeat; heardMs: number }>();
  #lease: Lease | null = null;
  #limits = new Map<number, number>();
  #timers: ReturnType<typeof setInterval>[] = [];
  #lastDemandMs = -Infinity;
  #demandTimer: ReturnType<typeof setTimeout> | undefined;
  #ignored = 0;
  #lastIgnored: string | null = null;
  #closed = false;

  constructor(deps: MemberDeps) {
    this.#deps = deps;
  }

  /** The last will for the bus: published by the broker when this member is lost. */
  static will(prefix: string, member: string, connectorIds: number[], fallbackMa: number) {
    const offline: Offline = {
      v: PROTOCOL_VERSION,
      type: "offline",
      member,
      fallbackMa,
      points: connectorIds.map((id) => ({ id })),
    };
    return { topic: topics.member(prefix, member), payload: JSON.stringify(offline), retain: true };
  }

  start(): void {
    const { bus, prefix, member } = this.#deps;
    bus.subscribe(topics.masters(prefix), (topic, payload) => this.#onMaster(topic, payload));
    bus.subscribe(topics.allocation(prefix, member), (_t, payload) => this.#onAllocation(payload));
    bus.onConnect(() => this.publishDemand());
    this.#timers.push(setInterval(() => void this.#check(), 250));
    this.#timers.push(setInterval(() => this.publishDemand(), DEMAND_PERIOD_MS));
    void this.#check();
  }

  /** The master whose allocations count: the active one of highest priority heard lately. */
  currentMaster(): string | null {
    const now = this.#deps.now();
    let best: MasterHeartbeat | null = null;
    for (const [id, m] of this.#masters) {
      if (now - m.heardMs > MASTER_TIMEOUT_MS) {
        this.#masters.delete(id);
        continue;
      }
      if (!m.beat.active) continue;
      if (
        !best || m.beat.priority > best.priority ||
        (m.beat.priority === best.priority && m.beat.master < best.master)
      ) best = m.beat;
    }
    return best?.master ?? null;
  }

  #ignore(reason: string): void {
    this.#ignored++;
    this.#lastIgnored = reason;
    log.warn(`Cluster message ignored: ${reason}`);
  }

  #onMaster(topic: string, payload: Uint8Array): void {
    if (payload.byteLength === 0) return;
    const parsed = parseMessage(payload, MasterMessageSchema);
    if (!parsed.ok) return this.#ignore(`${topic}: ${parsed.reason}`);
    const m = parsed.message;
    if (!topic.endsWith(`/${m.master}`)) return this.#ignore(`${topic}: names ${m.master}`);
    if (m.type === "masterOffline") {
      this.#masters.delete(m.master);
      return;
    }
    // Bounded: a flood of made-up master names cannot fill the memory.
    if (!this.#masters.has(m.master) && this.#masters.size >= MAX_MASTERS) {
      this.currentMaster(); // forgets the silent ones
      if (this.#masters.size >= MAX_MASTERS) return this.#ignore(`${topic}: too many masters`);
    }
    this.#masters.set(m.master, { beat: m, heardMs: this.#deps.now() });
  }

  #onAllocation(payload: Uint8Array): void {
    const parsed = parseMessage(payload, AllocationSchema);
    if (!parsed.ok) return this.#ignore(`allocation: ${parsed.reason}`);
    const a = parsed.message;
    const master = this.currentMaster();
    if (a.master !== master) {
      return this.#ignore(`allocation from ${a.master}, the current master is ${master ?? "none"}`);
    }
    const beat = this.#masters.get(a.master)!.beat;
    if (a.epoch !== beat.epoch) return this.#ignore(`allocation of ${a.master}'s old epoch`);
    const lease = this.#lease;
    if (lease && lease.master === a.master && lease.epoch === a.epoch && a.seq < lease.seq) {
      return this.#ignore(`allocation ${a.seq} after ${lease.seq}`);
    }
    this.#lease = {
      master: a.master,
      epoch: a.epoch,
      seq: a.seq,
      points: new Map(a.points.map((p) => [p.id, p.ma])),
      untilMs: this.#deps.now() + a.leaseMs,
    };
    const same = lease !== null && lease.master === a.master && lease.epoch === a.epoch &&
      a.points.every((p) => lease.points.get(p.id) === p.ma) &&
      lease.points.size === a.points.length;
    void this.#check().then(() => {
      // A change is confirmed at once: the master raises others only after this point lowered.
      if (!same) this.publishDemand(true);
    });
  }

  /** Applies the lease, or the fallback once it ran out. */
  async #check(): Promise<void> {
    if (this.#closed) return;
    const now = this.#deps.now();
    if (this.#lease && now >= this.#lease.untilMs) {
      log.warn(
        `Cluster allocation ${this.#lease.seq} of ${this.#lease.master} expired: fallback ` +
          `${this.#deps.fallbackMa()} mA`,
      );
      this.#lease = null;
      this.publishDemand(true);
    }
    for (const c of this.#deps.state().connectors) {
      const limit = this.#lease?.points.get(c.id) ?? this.#deps.fallbackMa();
      if (this.#limits.get(c.id) === limit) continue;
      this.#limits.set(c.id, limit);
      await this.#deps.setLimit(c.id, limit);
    }
    // A session that starts or ends is news for the master.
    if (this.#changed()) this.publishDemand();
  }

  #lastShape = "";
  #changed(): boolean {
    const shape = this.#deps.state().connectors.map((c) =>
      `${c.id}:${!!c.session}:${this.#phases(c).join("")}`
    ).join(",");
    if (shape === this.#lastShape) return false;
    this.#lastShape = shape;
    return true;
  }

  /** Grid phases a point loads: those its vehicle draws on, all three until it draws. */
  #phases(c: ConnectorState): GridPhase[] {
    const reading = this.#deps.reading(c.id);
    const offset = this.#deps.wiring(c.id);
    const drawn = (reading?.phases ?? []).flatMap((p, i) =>
      p.currentA * 1000 >= DRAWING_MA ? [((i + offset) % 3) as GridPhase] : []
    );
    return drawn.length > 0 && c.session ? drawn.sort() : ([0, 1, 2] as GridPhase[]);
  }

  /** The demand message of now. */
  demand(): Demand {
    const state = this.#deps.state();
    const lease = this.#lease;
    return {
      v: PROTOCOL_VERSION,
      type: "demand",
      member: this.#deps.member,
      fallbackMa: this.#deps.fallbackMa(),
      applied: lease ? { master: lease.master, epoch: lease.epoch, seq: lease.seq } : null,
      points: state.connectors.map((c, i) => {
        const others = Object.entries(c.limits).filter(([source]) => source !== "cluster")
          .map(([, ma]) => ma);
        const reading = this.#deps.reading(c.id);
        return {
          id: c.id,
          active: c.session !== null && !c.finishing,
          startedAtMs: Math.max(0, Math.round(c.session?.startedAtMs ?? 0)),
          maxMa: Math.max(
            0,
            Math.min(
              state.config.hardwareMaxCurrentMa[i] ?? 0,
              state.config.stationMaxCurrentMa,
              ...others,
              ...Object.entries(state.stationLimits).filter(([s]) => s !== "cluster")
                .map(([, ma]) => ma),
            ),
          ),
          phases: this.#phases(c),
          drawMa: Math.round(Math.max(0, ...(reading?.phases ?? []).map((p) => p.currentA)) * 1000),
          offeredMa: c.offeredMa,
        };
      }),
    };
  }

  /** Publishes the demand (retained); changes at most every 250 ms unless `now`. */
  publishDemand(now = false): void {
    if (this.#closed) return;
    const t = this.#deps.now();
    const wait = this.#lastDemandMs + MIN_DEMAND_GAP_MS - t;
    if (!now && wait > 0) {
      this.#demandTimer ??= setTimeout(() => {
        this.#demandTimer = undefined;
        this.publishDemand(true);
      }, wait);
      return;
    }
    this.#lastDemandMs = t;
    const { bus, prefix, member } = this.#deps;
    bus.publish(topics.member(prefix, member), this.demand(), true);
  }

  status(): MemberStatus {
    const lease = this.#lease;
    return {
      member: this.#deps.member,
      connected: this.#deps.bus.connected,
      master: this.currentMaster(),
      lease: lease
        ? {
          master: lease.master,
          seq: lease.seq,
          expiresInMs: Math.max(0, Math.round(lease.untilMs - this.#deps.now())),
          pointsMa: Object.fromEntries([...lease.points].map(([id, ma]) => [String(id), ma])),
        }
        : null,
      ignored: this.#ignored,
      lastIgnored: this.#lastIgnored,
    };
  }

  /** Says goodbye (retained offline), stops; the limit stays until the core is told otherwise. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#closed) return;
    const { bus, prefix, member } = this.#deps;
    const ids = this.#deps.state().connectors.map((c) => c.id);
    const will = ClusterMember.will(prefix, member, ids, this.#deps.fallbackMa());
    bus.publish(will.topic, JSON.parse(will.payload), true);
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    clearTimeout(this.#demandTimer);
    await Promise.resolve();
  }
}
