/**
 * The master of a cluster (or its standby): hears every member's demand, runs `allocate` on
 * every change and every second, and sends each member its allocation with a lease. Safe by
 * construction:
 *
 * - decrease before increase (`safeStep`): a raise goes out only when the currents possibly in
 *   force (any lease a member may still hold, or its fallback) leave room on its phases;
 * - a member not heard is unreachable: its fallback, or what its last lease allows while that
 *   may still run, is reserved;
 * - on becoming active (start, or a standby taking over) it hands out nothing until every lease
 *   an earlier master may have given has run out, and until every known member has been heard
 *   or a start-up wait has passed;
 * - two active masters on one cluster: both show the alarm, the lower priority steps down.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import {
  ALL_PHASES,
  allocate,
  type Allocation,
  type AllocationMemory,
  type ClusterRules,
  type GridPhase,
  type PointDemand,
  safeStep,
} from "./allocate.ts";
import type { Bus } from "./bus.ts";
import { MAX_MASTERS } from "./member.ts";
import {
  type AllocationMessage,
  type Demand,
  LEASE_MARGIN_MS,
  LEASE_MS,
  MASTER_BEAT_MS,
  MASTER_TIMEOUT_MS,
  type MasterHeartbeat,
  MasterMessageSchema,
  MEMBER_TIMEOUT_MS,
  MemberMessageSchema,
  type Offline,
  parseMessage,
  PROTOCOL_VERSION,
  STARTUP_WAIT_MS,
  topics,
} from "./protocol.ts";

const log = getLogger(["ladewerk", "cluster"]);

/** Members the master keeps track of; more are refused with an alarm. */
export const MAX_MEMBERS = 256;
/** An alarm stays shown this long after its cause was last seen. */
const ALARM_HOLD_MS = 30_000;

/** What the master needs. */
export interface MasterDeps {
  bus: Bus;
  prefix: string;
  master: string;
  /** Higher wins; the master 100, a standby 50. */
  priority: number;
  /** This incarnation, different after every start. */
  epoch: string;
  rules(): ClusterRules;
  /** Monotonic ms. */
  now(): number;
}

interface Sent {
  seq: number;
  points: Map<number, number>;
  /** Until then the member may still apply it (lease, plus delivery). */
  liveUntilMs: number;
}

interface MemberRecord {
  demand: Demand | null;
  /** Points and fallback known from the last will when no demand was heard. */
  offline: Offline | null;
  online: boolean;
  heardMs: number;
  /** Heard live, not only as a retained replay. */
  fresh: boolean;
  sent: Sent[];
}

/** A condition the technician should see. */
export interface ClusterAlarm {
  code: "twoMasters" | "memberMissing" | "fallbacksOverLimit" | "tooManyMembers";
  message: string;
}

/** What `GET /api/status` → `cluster.master` shows. */
export interface MasterStatus {
  master: string;
  epoch: string;
  priority: number;
  active: boolean;
  /** Hands out nothing beyond the fallbacks until then (ms from now), while > 0. */
  holdMs: number;
  limitMa: number;
  reservedMa: number[];
  alarms: ClusterAlarm[];
  members: {
    member: string;
    online: boolean;
    reachable: boolean;
    lastSeenMsAgo: number | null;
    points: {
      id: number;
      active: boolean;
      phases: number[];
      drawMa: number;
      allocationMa: number;
      inForceMa: number;
      paused: boolean;
    }[];
  }[];
}

/** The master's side of the cluster. */
export class ClusterMaster implements AsyncDisposable {
  #deps: MasterDeps;
  #members = new Map<string, MemberRecord>();
  #others = new Map<string, { beat: MasterHeartbeat; heardMs: number }>();
  #active = false;
  #activeSinceMs = 0;
  #memory: AllocationMemory = new Map();
  #last: Allocation | null = null;
  #lastSent = new Map<string, number>();
  #seq = 0;
  #timers: ReturnType<typeof setInterval>[] = [];
  #alarms = new Map<string, { alarm: ClusterAlarm; untilMs: number }>();
  #pending: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(deps: MasterDeps) {
    this.#deps = deps;
  }

  /** The last will for the master's bus connection. */
  static will(prefix: string, master: string) {
    return {
      topic: topics.master(prefix, master),
      payload: JSON.stringify({ v: PROTOCOL_VERSION, type: "masterOffline", master }),
      retain: true,
    };
  }

  start(): void {
    const { bus, prefix } = this.#deps;
    bus.subscribe(
      topics.members(prefix),
      (topic, payload, retained) => this.#onMember(topic, payload, retained),
    );
    bus.subscribe(topics.masters(prefix), (topic, payload) => this.#onMaster(topic, payload));
    this.#timers.push(setInterval(() => this.#beat(), MASTER_BEAT_MS));
    this.#timers.push(setInterval(() => this.#run(), 1_000));
    bus.onConnect(() => {
      // Back on the broker after a cut: others may have allocated meanwhile, so the hold
      // starts again as if this master had just become active.
      if (this.#active) this.#activeSinceMs = this.#deps.now();
      this.#beat();
    });
    // Heard the other masters first: a standby must not start as active beside a master.
    setTimeout(() => this.#decide(), MASTER_BEAT_MS + 500);
  }

  get active(): boolean {
    return this.#active;
  }

  #alarm(key: string, alarm: ClusterAlarm): void {
    if (!this.#alarms.has(key)) log.warn(`Cluster alarm: ${alarm.message}`);
    this.#alarms.set(key, { alarm, untilMs: this.#deps.now() + ALARM_HOLD_MS });
  }

  #onMember(topic: string, payload: Uint8Array, retained: boolean): void {
    if (payload.byteLength === 0) return;
    const parsed = parseMessage(payload, MemberMessageSchema);
    if (!parsed.ok) return void log.warn(`Cluster message on ${topic} ignored: ${parsed.reason}`);
    const m = parsed.message;
    if (!topic.endsWith(`/member/${m.member}`)) {
      return void log.warn(`Cluster message on ${topic} ignored: it names ${m.member}`);
    }
    let record = this.#members.get(m.member);
    if (!record) {
      if (this.#members.size >= MAX_MEMBERS) {
        return this.#alarm("tooManyMembers", {
          code: "tooManyMembers",
          message: `More than ${MAX_MEMBERS} members: ${m.member} is not served`,
        });
      }
      record = {
        demand: null,
        offline: null,
        online: false,
        heardMs: -Infinity,
        fresh: false,
        sent: [],
      };
      this.#members.set(m.member, record);
    }
    if (m.type === "offline") {
      record.online = false;
      record.offline = m;
      record.fresh = record.fresh || !retained;
      this.#soon();
      return;
    }
    record.demand = m;
    record.online = true;
    record.offline = null;
    // A retained replay tells who belongs to the cluster, not that the member is there now.
    if (!retained) {
      record.heardMs = this.#deps.now();
      record.fresh = true;
    }
    this.#soon();
  }

  #onMaster(topic: string, payload: Uint8Array): void {
    if (payload.byteLength === 0) return;
    const parsed = parseMessage(payload, MasterMessageSchema);
    if (!parsed.ok) return void log.warn(`Cluster message on ${topic} ignored: ${parsed.reason}`);
    const m = parsed.message;
    if (m.master === this.#deps.master || !topic.endsWith(`/${m.master}`)) return;
    if (m.type === "masterOffline") this.#others.delete(m.master);
    else if (this.#others.has(m.master) || this.#others.size < MAX_MASTERS) {
      this.#others.set(m.master, { beat: m, heardMs: this.#deps.now() });
    }
    this.#decide();
  }

  /** Whether another master outranks this one. */
  #outranked(): boolean {
    const now = this.#deps.now();
    const me = { priority: this.#deps.priority, master: this.#deps.master };
    for (const [id, o] of this.#others) {
      if (now - o.heardMs > MASTER_TIMEOUT_MS) {
        this.#others.delete(id);
        continue;
      }
      if (o.beat.active && o.beat.priority === me.priority) {
        this.#alarm("twoMasters", {
          code: "twoMasters",
          message: `Two masters on one cluster: ${me.master} and ${o.beat.master}`,
        });
      }
      if (!o.beat.active) continue;
      if (
        o.beat.priority > me.priority ||
        (o.beat.priority === me.priority && o.beat.master < me.master)
      ) return true;
    }
    return false;
  }

  /** Becomes active or steps down. */
  #decide(): void {
    if (this.#closed) return;
    const outranked = this.#outranked();
    if (this.#active && outranked) {
      log.warn(`Cluster: ${this.#deps.master} steps down, another master outranks it`);
      this.#active = false;
      this.#beat();
    } else if (!this.#active && !outranked) {
      log.info(`Cluster: ${this.#deps.master} becomes the active master`);
      this.#active = true;
      this.#activeSinceMs = this.#deps.now();
      this.#memory = new Map();
      this.#beat();
    }
  }

  #beat(): void {
    if (this.#closed) return;
    this.#decide();
    const { bus, prefix, master, epoch, priority } = this.#deps;
    bus.publish(
      topics.master(prefix, master),
      {
        v: PROTOCOL_VERSION,
        type: "master",
        master,
        epoch,
        priority,
        active: this.#active,
        limitMa: this.#deps.rules().limitMa,
      } satisfies MasterHeartbeat,
      true,
    );
  }

  /** Ms until this master may hand out more than the fallbacks; 0 when it may. */
  #holdMs(): number {
    const now = this.#deps.now();
    const records = [...this.#members.values()];
    const everyone = records.every((r) => r.fresh);
    // Leases an earlier master (or this one before a restart) gave must run out first, unless
    // every member has said since that it holds none of them.
    const foreign = (r: MemberRecord) =>
      r.demand?.applied != null &&
      (r.demand.applied.master !== this.#deps.master ||
        r.demand.applied.epoch !== this.#deps.epoch);
    const clear = everyone && !records.some(foreign);
    const leases = clear ? 0 : this.#activeSinceMs + LEASE_MS + LEASE_MARGIN_MS - now;
    const startup = everyone ? 0 : this.#activeSinceMs + STARTUP_WAIT_MS - now;
    return Math.max(0, leases, startup);
  }

  #soon(): void {
    this.#pending ??= setTimeout(() => {
      this.#pending = undefined;
      this.#run();
    }, 50);
  }

  #reachable(r: MemberRecord): boolean {
    return r.online && r.demand !== null && this.#deps.now() - r.heardMs <= MEMBER_TIMEOUT_MS;
  }

  /** The highest current a member's point may offer now under anything it may still hold. */
  #inForce(r: MemberRecord, id: number, fallbackMa: number): number {
    const now = this.#deps.now();
    r.sent = r.sent.filter((s) => s.liveUntilMs > now);
    const applied = r.demand?.applied;
    const mine = applied && applied.master === this.#deps.master &&
      applied.epoch === this.#deps.epoch;
    const live = r.sent.filter((s) => !mine || s.seq >= applied.seq);
    const values = live.map((s) => s.points.get(id) ?? fallbackMa);
    // A member may lose the broker at any moment and fall to its fallback when its lease
    // runs out, before this master notices: the fallback is always possible.
    values.push(fallbackMa);
    // Under another master's lease: at least what it said it offers, until that lease has run
    // out for sure (a member not heard for a lease's time holds no lease any more).
    if (applied && !mine && now - r.heardMs <= LEASE_MS + LEASE_MARGIN_MS) {
      values.push(r.demand?.points.find((p) => p.id === id)?.offeredMa ?? 0);
    }
    return Math.max(0, ...values);
  }

  /** One round: allocation, the safe step, the messages. */
  #run(): void {
    if (this.#closed || !this.#active) return;
    const rules = this.#deps.rules();
    const now = this.#deps.now();
    const demands: PointDemand[] = [];
    const inForce = new Map<string, number>();
    const phases = new Map<string, readonly GridPhase[]>();
    for (const [member, r] of this.#members) {
      const reachable = this.#reachable(r);
      const fallbackMa = r.demand?.fallbackMa ?? r.offline?.fallbackMa ?? 0;
      const points = r.demand?.points ??
        r.offline?.points.map((p) => ({
          id: p.id,
          active: true,
          startedAtMs: 0,
          maxMa: fallbackMa,
          phases: [...ALL_PHASES],
          drawMa: 0,
          offeredMa: fallbackMa,
        })) ?? [];
      if (!reachable && r.online && r.demand) {
        this.#alarm(`missing:${member}`, {
          code: "memberMissing",
          message: `Member ${member} not heard for ${Math.round((now - r.heardMs) / 1000)} s`,
        });
      }
      for (const p of points) {
        const key = `${member}/${p.id}`;
        const held = this.#inForce(r, p.id, fallbackMa);
        inForce.set(key, held);
        phases.set(key, p.phases);
        demands.push({
          key,
          member,
          active: p.active,
          startedAtMs: p.startedAtMs,
          maxMa: p.maxMa,
          phases: p.phases,
          drawMa: p.drawMa,
          reachable,
          // Unreachable: whatever it may still offer is reserved.
          fallbackMa: reachable ? fallbackMa : held,
        });
      }
    }
    const holding = this.#holdMs() > 0;
    const a = allocate(demands, rules, now, this.#memory);
    this.#memory = a.memory;
    this.#last = a;
    if (a.fallbacksOverLimit) {
      this.#alarm("fallbacksOverLimit", {
        code: "fallbacksOverLimit",
        message: `The fallback currents of unreachable members exceed the limit of ` +
          `${rules.limitMa / 1000} A`,
      });
    }
    const target = new Map<string, number>();
    for (const d of demands) {
      if (!d.reachable) continue;
      target.set(
        d.key,
        holding ? Math.min(a.currents.get(d.key)!, d.fallbackMa) : a.currents.get(d.key)!,
      );
    }
    const send = safeStep(target, inForce, (k) => phases.get(k) ?? ALL_PHASES, rules.limitMa);
    this.#lastSent = send;
    for (const [member, r] of this.#members) {
      if (!this.#reachable(r) || !r.demand) continue;
      const points = r.demand.points.map((p) => ({
        id: p.id,
        ma: send.get(`${member}/${p.id}`) ?? 0,
      }));
      const message: AllocationMessage = {
        v: PROTOCOL_VERSION,
        type: "allocation",
        master: this.#deps.master,
        epoch: this.#deps.epoch,
        seq: ++this.#seq,
        leaseMs: LEASE_MS,
        points,
      };
      r.sent.push({
        seq: message.seq,
        points: new Map(points.map((p) => [p.id, p.ma])),
        liveUntilMs: now + LEASE_MS + LEASE_MARGIN_MS,
      });
      this.#deps.bus.publish(topics.allocation(this.#deps.prefix, member), message);
    }
  }

  /**
   * Forgets a member that left the cluster for good (a decommissioned station): its record, its
   * reserve, and its retained messages at the broker. Refused while it is heard.
   */
  forget(member: string): "forgotten" | "unknown" | "online" {
    const r = this.#members.get(member);
    if (!r) return "unknown";
    if (r.online || this.#reachable(r)) return "online";
    this.#members.delete(member);
    const memory = new Map(this.#memory);
    for (const key of memory.keys()) if (key.startsWith(`${member}/`)) memory.delete(key);
    this.#memory = memory;
    this.#deps.bus.clearRetained(topics.member(this.#deps.prefix, member));
    log.info(`Cluster member ${member} forgotten`);
    this.#soon();
    return "forgotten";
  }

  status(): MasterStatus {
    const now = this.#deps.now();
    for (const [key, a] of this.#alarms) if (a.untilMs < now) this.#alarms.delete(key);
    const paused = new Set(this.#last?.paused ?? []);
    return {
      master: this.#deps.master,
      epoch: this.#deps.epoch,
      priority: this.#deps.priority,
      active: this.#active,
      holdMs: this.#active ? Math.round(this.#holdMs()) : 0,
      limitMa: this.#deps.rules().limitMa,
      reservedMa: this.#last?.reservedMa ?? [0, 0, 0],
      alarms: [...this.#alarms.values()].map((a) => a.alarm),
      members: [...this.#members].sort(([a], [b]) => (a < b ? -1 : 1)).map(([member, r]) => {
        const fallbackMa = r.demand?.fallbackMa ?? r.offline?.fallbackMa ?? 0;
        return {
          member,
          online: r.online,
          reachable: this.#reachable(r),
          lastSeenMsAgo: Number.isFinite(r.heardMs) ? Math.round(now - r.heardMs) : null,
          points: (r.demand?.points ?? r.offline?.points.map((p) => ({
            id: p.id,
            active: false,
            phases: [...ALL_PHASES],
            drawMa: 0,
          })) ?? []).map((p) => {
            const key = `${member}/${p.id}`;
            return {
              id: p.id,
              active: p.active,
              phases: [...p.phases],
              drawMa: p.drawMa,
              allocationMa: this.#lastSent.get(key) ?? 0,
              inForceMa: this.#inForce(r, p.id, fallbackMa),
              paused: paused.has(key),
            };
          }),
        };
      }),
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    clearTimeout(this.#pending);
    const will = ClusterMaster.will(this.#deps.prefix, this.#deps.master);
    this.#deps.bus.publish(will.topic, JSON.parse(will.payload), true);
    await Promise.resolve();
  }
}
