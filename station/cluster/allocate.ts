/**
 * Cluster load management (level 2, M-1.5.3): how the master splits one limit per grid phase
 * over the charge points of every member. Pure: demands, limits, the time and the memory of
 * the previous call in; currents and the new memory out. No I/O, no clock.
 *
 * - Equal shares over the points with a session, never below the minimum (6 A or more); the
 *   points that do not fit pause (0) until capacity frees.
 * - Per grid phase: a point loads the phases its vehicle draws on (all three until it draws).
 * - Every point's fallback current is reserved, on the phases it may use: a member that loses
 *   the master offers it without asking, an unreachable one may still offer its last lease. A
 *   running point gets at least its fallback, a point not running keeps it reserved.
 * - Rotation: a point that has waited a rotation period takes the place of the point that has
 *   charged longest, if that one has charged a rotation period too; otherwise a running point
 *   keeps running (hysteresis), and when capacity shrinks the newest session pauses first.
 * - Unused current: a vehicle that draws clearly less than offered for a while is capped at
 *   what it draws plus a margin; the cap goes as soon as it draws up to it. A vehicle that draws
 *   nothing (full) keeps only the minimum and yields first; it gets current again with its turn.
 * @module
 */

/** The three phases of the grid connection (0 = L1). */
export type GridPhase = 0 | 1 | 2;
export const ALL_PHASES: readonly GridPhase[] = [0, 1, 2];

/** What the master knows of one charge point. */
export interface PointDemand {
  /** `<member>/<connectorId>`. */
  key: string;
  member: string;
  /** A session runs that may draw current. */
  active: boolean;
  /** Start of the session. */
  startedAtMs: number;
  /** The point's own cap without the cluster (hardware, station, OCPP, Modbus), mA. */
  maxMa: number;
  /** Grid phases it loads. */
  phases: readonly GridPhase[];
  /** Highest current measured on its phases, mA. */
  drawMa: number;
  /** The member is heard, so its allocation can be renewed. */
  reachable: boolean;
  /** What the point offers without a valid allocation, mA. */
  fallbackMa: number;
}

/** The cluster's limits and rules. */
export interface ClusterRules {
  /** Limit per grid phase, mA. */
  limitMa: number;
  /** The smallest current handed out, mA (at least 6000). */
  minMa: number;
  /** After this long waiting a point takes a turn. */
  rotationMs: number;
  /** Drawing less than offered for this long lowers the allocation. */
  releaseAfterMs: number;
  /** Room left above what a vehicle draws, and what "clearly less" means, mA. */
  releaseMarginMa: number;
}

/** Defaults of the rules a cluster does not set. */
export const DEFAULT_RULES: Omit<ClusterRules, "limitMa"> = {
  minMa: 6_000,
  rotationMs: 15 * 60_000,
  releaseAfterMs: 60_000,
  releaseMarginMa: 2_000,
};

/** Below this a vehicle draws nothing. */
const IDLE_MA = 1_000;

/** What the allocation remembers of a point between two calls. */
export interface PointMemory {
  runningSinceMs?: number;
  waitingSinceMs?: number;
  /** Drawing clearly less than offered since. */
  lowSinceMs?: number;
  /** Allocation lowered to what the vehicle draws plus the margin. */
  capMa?: number;
  /** Drew nothing for `releaseAfterMs` while offered current. */
  idle?: boolean;
}

/** The memory of the previous call; start with an empty map. */
export type AllocationMemory = ReadonlyMap<string, PointMemory>;

/** The result of one allocation. */
export interface Allocation {
  /** mA per point key; unreachable points show their fallback. */
  currents: Map<string, number>;
  memory: Map<string, PointMemory>;
  /** Per grid phase: reserved for the fallbacks of the points not running (and unreachable). */
  reservedMa: [number, number, number];
  /** The fallbacks of all points together exceed the limit on some phase: unsafe. */
  fallbacksOverLimit: boolean;
  /** Points with a session that get nothing now. */
  paused: string[];
}

const phasesOf = (d: PointDemand): readonly GridPhase[] =>
  d.phases.length > 0 ? d.phases : ALL_PHASES;

/** Every point's fallback (an unreachable one's: what it may still offer), per phase. */
function reserve(demands: readonly PointDemand[]): [number, number, number] {
  const reserved: [number, number, number] = [0, 0, 0];
  for (const d of demands) for (const p of phasesOf(d)) reserved[p] += d.fallbackMa;
  return reserved;
}

/**
 * Which points run now, at the minimum each: the running ones keep running (oldest session
 * first, so the newest pauses when capacity shrinks), then the longest waiting, then those that
 * drew nothing. Then the turns: a point that waited a rotation period takes the place of points
 * that may yield (drew nothing, or charged a rotation period), the longest charging first, on
 * the phases it needs; a point that may not yield is never displaced.
 */
function admit(
  candidates: readonly PointDemand[],
  memory: AllocationMemory,
  rules: ClusterRules,
  nowMs: number,
  reservedMa: readonly number[],
): PointDemand[] {
  const mem = (d: PointDemand) => memory.get(d.key) ?? {};
  const isRunning = (d: PointDemand) => mem(d).runningSinceMs !== undefined;
  const ranFor = (d: PointDemand) => nowMs - mem(d).runningSinceMs!;
  const waitedFor = (d: PointDemand) => nowMs - (mem(d).waitingSinceMs ?? nowMs);
  const bySession = (a: PointDemand, b: PointDemand) =>
    a.startedAtMs - b.startedAtMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  const running = candidates.filter((d) => isRunning(d) && !mem(d).idle).sort(bySession);
  const idle = candidates.filter((d) => isRunning(d) && mem(d).idle).sort(bySession);
  const waiting = candidates.filter((d) => !isRunning(d))
    .sort((a, b) => waitedFor(b) - waitedFor(a) || bySession(a, b));

  // Running, a point needs its minimum instead of its reserved fallback.
  const used = [...reservedMa];
  const extra = (d: PointDemand) => startOf(d, rules) - d.fallbackMa;
  const fits = (d: PointDemand) => phasesOf(d).every((ph) => used[ph]! + extra(d) <= rules.limitMa);
  const take = (d: PointDemand, sign: 1 | -1) => {
    for (const ph of phasesOf(d)) used[ph]! += sign * extra(d);
  };
  const admitted = new Set<PointDemand>();
  for (const d of [...running, ...waiting, ...idle]) {
    if (!fits(d)) continue;
    take(d, 1);
    admitted.add(d);
  }
  const mayYield = (d: PointDemand) => mem(d).idle || ranFor(d) >= rules.rotationMs;
  for (const w of waiting) {
    if (admitted.has(w) || waitedFor(w) < rules.rotationMs) continue;
    const yielders = [...admitted].filter((d) => isRunning(d) && mayYield(d))
      .sort((a, b) => Number(!!mem(b).idle) - Number(!!mem(a).idle) || ranFor(b) - ranFor(a));
    const removed: PointDemand[] = [];
    for (const y of yielders) {
      if (fits(w)) break;
      if (!phasesOf(y).some((ph) => phasesOf(w).includes(ph))) continue;
      take(y, -1);
      admitted.delete(y);
      removed.push(y);
    }
    if (fits(w)) {
      take(w, 1);
      admitted.add(w);
      // Those not needed after all stay.
      for (const y of removed.reverse()) {
        if (!fits(y)) continue;
        take(y, 1);
        admitted.add(y);
      }
    } else {
      for (const y of removed) {
        take(y, 1);
        admitted.add(y);
      }
    }
  }
  return candidates.filter((d) => admitted.has(d));
}

/** What a running point gets at least: the minimum, and never less than its fallback. */
function startOf(d: PointDemand, rules: ClusterRules): number {
  return Math.max(rules.minMa, d.fallbackMa);
}

/** The cap of a point for the water fill. */
function capOf(d: PointDemand, m: PointMemory, rules: ClusterRules): number {
  if (m.idle) return startOf(d, rules);
  return Math.max(startOf(d, rules), Math.min(d.maxMa, m.capMa ?? Infinity));
}

/**
 * Equal shares per phase: everybody starts at the minimum, then all rise together until a
 * phase is full or a point reaches its cap.
 */
function waterFill(
  points: readonly { key: string; phases: readonly GridPhase[]; startMa: number; capMa: number }[],
  availableMa: readonly number[],
): Map<string, number> {
  const given = new Map(points.map((p) => [p.key, p.startMa]));
  const left = [...availableMa];
  for (const p of points) for (const ph of p.phases) left[ph]! -= p.startMa;
  let rising = points.filter((p) => p.capMa > p.startMa);
  while (rising.length > 0) {
    const users = [0, 0, 0];
    for (const p of rising) for (const ph of p.phases) users[ph]!++;
    let step = Infinity;
    for (const ph of ALL_PHASES) {
      if (users[ph]! > 0) step = Math.min(step, Math.floor(left[ph]! / users[ph]!));
    }
    for (const p of rising) step = Math.min(step, p.capMa - given.get(p.key)!);
    if (step <= 0) {
      // The remainder is less than 1 mA per point: the points on a full phase stop rising.
      const full = ALL_PHASES.filter((ph) => users[ph]! > 0 && left[ph]! < users[ph]!);
      const before = rising.length;
      rising = rising.filter((p) =>
        given.get(p.key)! < p.capMa && !p.phases.some((ph) => full.includes(ph))
      );
      if (rising.length === before) break;
      continue;
    }
    for (const p of rising) {
      given.set(p.key, given.get(p.key)! + step);
      for (const ph of p.phases) left[ph]! -= step;
    }
    rising = rising.filter((p) => given.get(p.key)! < p.capMa);
  }
  return given;
}

/** Splits the cluster limit; call on every change and every few seconds. */
export function allocate(
  demands: readonly PointDemand[],
  rules: ClusterRules,
  nowMs: number,
  previous: AllocationMemory = new Map(),
): Allocation {
  const minMa = Math.max(6_000, rules.minMa);
  const r = { ...rules, minMa };
  const reservedAll = reserve(demands);
  const fallbacksOverLimit = reservedAll.some((ma) => ma > rules.limitMa);
  const candidates = demands.filter((d) => d.reachable && d.active && d.maxMa >= minMa);
  const admitted = admit(candidates, previous, r, nowMs, reservedAll);
  const admittedKeys = new Set(admitted.map((d) => d.key));
  // What stays reserved: the fallbacks of every point not running.
  const reservedMa: [number, number, number] = [...reservedAll];
  for (const d of admitted) for (const ph of phasesOf(d)) reservedMa[ph] -= d.fallbackMa;
  const shares = waterFill(
    admitted.map((d) => ({
      key: d.key,
      phases: phasesOf(d),
      startMa: startOf(d, r),
      capMa: capOf(d, previous.get(d.key) ?? {}, r),
    })),
    reservedMa.map((ma) => Math.max(0, rules.limitMa - ma)),
  );

  const currents = new Map<string, number>();
  const memory = new Map<string, PointMemory>();
  const paused: string[] = [];
  for (const d of demands) {
    if (!d.reachable) {
      currents.set(d.key, d.fallbackMa);
      const m = previous.get(d.key);
      if (m && d.active) memory.set(d.key, { ...m });
      continue;
    }
    if (!d.active) {
      currents.set(d.key, 0);
      continue;
    }
    const before = previous.get(d.key) ?? {};
    if (!admittedKeys.has(d.key)) {
      currents.set(d.key, 0);
      if (d.maxMa >= minMa) paused.push(d.key);
      memory.set(d.key, { waitingSinceMs: before.waitingSinceMs ?? nowMs });
      continue;
    }
    // 0.1 A steps, rounded down: the sum never grows.
    const givenMa = Math.max(startOf(d, r), Math.floor(shares.get(d.key)! / 100) * 100);
    currents.set(d.key, givenMa);
    memory.set(d.key, remember(d, before, givenMa, r, nowMs));
  }
  return { currents, memory, reservedMa, fallbacksOverLimit, paused };
}

/** A running point's memory after this allocation: its turn, and how much it really draws. */
function remember(
  d: PointDemand,
  before: PointMemory,
  givenMa: number,
  rules: ClusterRules,
  nowMs: number,
): PointMemory {
  const m: PointMemory = { runningSinceMs: before.runningSinceMs ?? nowMs };
  // Offered just now: what it draws says nothing yet.
  if (before.runningSinceMs === undefined) return m;
  if (before.capMa !== undefined && d.drawMa >= before.capMa - rules.releaseMarginMa / 2) {
    // It draws up to its cap: it wants more, the cap goes.
    return m;
  }
  if (before.idle && d.drawMa >= IDLE_MA) return m;
  if (before.idle) return { ...m, idle: true };
  if (before.capMa !== undefined) m.capMa = before.capMa;
  // `givenMa` already holds the cap.
  if (d.drawMa + rules.releaseMarginMa < givenMa) {
    m.lowSinceMs = before.lowSinceMs ?? nowMs;
    if (nowMs - m.lowSinceMs >= rules.releaseAfterMs) {
      delete m.lowSinceMs;
      if (d.drawMa < IDLE_MA) {
        delete m.capMa;
        m.idle = true;
      } else {
        m.capMa = Math.max(rules.minMa, d.drawMa + rules.releaseMarginMa);
      }
    }
  }
  return m;
}

/**
 * Decrease before increase: of the `target` currents, what may be sent now so that the
 * currents possibly in force (`inForce`: the highest a member may still offer under any lease
 * it holds) never exceed the limit on any phase. Lowered values go out at once; raised ones
 * only within what the others' currents in force leave free, the rest after they confirm.
 */
export function safeStep(
  target: ReadonlyMap<string, number>,
  inForce: ReadonlyMap<string, number>,
  phasesOf: (key: string) => readonly GridPhase[],
  limitMa: number,
): Map<string, number> {
  const send = new Map<string, number>();
  const load = [0, 0, 0];
  const keys = new Set([...target.keys(), ...inForce.keys()]);
  for (const key of keys) {
    const now = inForce.get(key) ?? 0;
    for (const ph of phasesOf(key)) load[ph]! += now;
  }
  const raises: [string, number][] = [];
  for (const [key, want] of target) {
    const now = inForce.get(key) ?? 0;
    if (want <= now) send.set(key, want);
    else raises.push([key, want]);
  }
  raises.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  for (const [key, want] of raises) {
    const now = inForce.get(key) ?? 0;
    const phases = phasesOf(key);
    const room = Math.min(...phases.map((ph) => limitMa - load[ph]!));
    // A raise goes out whole or not at all (a partial one could fall below the minimum).
    if (room >= want - now) {
      send.set(key, want);
      for (const ph of phases) load[ph]! += want - now;
    } else {
      send.set(key, Math.min(now, want));
    }
  }
  return send;
}
