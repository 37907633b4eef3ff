/**
 * The cluster protocol on MQTT, version 1. Every message is JSON with `v: 1` and a `type`,
 * validated with zod; anything else is logged and ignored. Topics under
 * `ladewerk/cluster/<cluster id>/`:
 *
 * - `member/<member>` (retained, member → master): `demand`, what the member's charge points
 *   ask for, and which allocation it applies; its last will, `offline`, names its points.
 * - `allocation/<member>` (member's own, master → member): `allocation`, a current per point
 *   with a lease; without a valid lease a point offers the fallback current.
 * - `master/<master>` (retained): `master`, the heartbeat of a master or standby (`active`
 *   says which one allocates); its last will is `masterOffline`.
 * @module
 */
import * as z from "zod";

export const PROTOCOL_VERSION = 1;

/** Topic prefix of one cluster. */
export function clusterPrefix(clusterId: string): string {
  return `ladewerk/cluster/${clusterId}`;
}

export const topics = {
  member: (prefix: string, member: string) => `${prefix}/member/${member}`,
  members: (prefix: string) => `${prefix}/member/+`,
  allocation: (prefix: string, member: string) => `${prefix}/allocation/${member}`,
  master: (prefix: string, master: string) => `${prefix}/master/${master}`,
  masters: (prefix: string) => `${prefix}/master/+`,
};

const name = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/);
const ma = z.number().int().min(0).max(1_000_000);
const phase = z.union([z.literal(0), z.literal(1), z.literal(2)]);

/** One charge point of a member as the master needs it. */
export const PointDemandSchema = z.object({
  id: z.number().int().min(1).max(16),
  /** A session runs that may draw current. */
  active: z.boolean(),
  startedAtMs: z.number().int().min(0),
  /** The point's own cap without the cluster. */
  maxMa: ma,
  /** Grid phases it loads (all three until the vehicle draws). */
  phases: z.array(phase).min(1).max(3),
  /** Highest current measured on its phases. */
  drawMa: ma,
  /** Offered now. */
  offeredMa: ma,
});

const Applied = z.object({ master: name, epoch: z.string().max(64), seq: z.number().int() });

export const DemandSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal("demand"),
  member: name,
  fallbackMa: ma,
  /** The allocation the member applies now, or null while it offers its fallback. */
  applied: Applied.nullable(),
  points: z.array(PointDemandSchema).min(1).max(16),
});

export const OfflineSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal("offline"),
  member: name,
  fallbackMa: ma,
  points: z.array(z.object({ id: z.number().int().min(1).max(16) })).max(16),
});

export const AllocationSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal("allocation"),
  master: name,
  /** The master's incarnation: a restarted master starts a new one. */
  epoch: z.string().min(1).max(64),
  seq: z.number().int().min(0),
  /** The allocation is valid this long after it arrives. */
  leaseMs: z.number().int().min(1_000).max(600_000),
  points: z.array(z.object({ id: z.number().int().min(1).max(16), ma })).max(16),
});

export const MasterSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal("master"),
  master: name,
  epoch: z.string().min(1).max(64),
  priority: z.number().int().min(0).max(1_000),
  /** This one allocates; false: a standby. */
  active: z.boolean(),
  limitMa: ma,
});

export const MasterOfflineSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal("masterOffline"),
  master: name,
});

export type Demand = z.infer<typeof DemandSchema>;
export type PointDemandMessage = z.infer<typeof PointDemandSchema>;
export type Offline = z.infer<typeof OfflineSchema>;
export type AllocationMessage = z.infer<typeof AllocationSchema>;
export type MasterHeartbeat = z.infer<typeof MasterSchema>;
export type MasterOffline = z.infer<typeof MasterOfflineSchema>;

/** The biggest message accepted (a demand of 16 points is under 3 KiB). */
export const MAX_MESSAGE_BYTES = 16 * 1024;

/** What a member topic carries. */
export const MemberMessageSchema = z.discriminatedUnion("type", [DemandSchema, OfflineSchema]);
/** What a master topic carries. */
export const MasterMessageSchema = z.discriminatedUnion("type", [
  MasterSchema,
  MasterOfflineSchema,
]);

/** Parses a payload against `schema`; the reason it was refused otherwise. */
export function parseMessage<T>(
  payload: Uint8Array,
  schema: z.ZodType<T>,
): { ok: true; message: T } | { ok: false; reason: string } {
  if (payload.byteLength > MAX_MESSAGE_BYTES) {
    return { ok: false, reason: `${payload.byteLength} bytes, more than ${MAX_MESSAGE_BYTES}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return { ok: false, reason: "not JSON" };
  }
  const version = (json as { v?: unknown } | null)?.v;
  if (version !== PROTOCOL_VERSION) {
    return { ok: false, reason: `version ${JSON.stringify(version)}, not ${PROTOCOL_VERSION}` };
  }
  const r = schema.safeParse(json);
  if (r.success) return { ok: true, message: r.data };
  const issue = r.error.issues[0]!;
  return { ok: false, reason: `${issue.path.join(".") || "message"}: ${issue.message}` };
}

/** How long an allocation holds. */
export const LEASE_MS = 10_000;
/** A master renews allocations and beats this often. */
export const MASTER_BEAT_MS = 2_000;
/** A master not heard for this long is gone. */
export const MASTER_TIMEOUT_MS = 3 * MASTER_BEAT_MS + 1_000;
/** A member publishes its demand at least this often. */
export const DEMAND_PERIOD_MS = 3_000;
/** A member not heard for this long is unreachable. */
export const MEMBER_TIMEOUT_MS = 3 * DEMAND_PERIOD_MS + 1_000;
/** Added to a lease on the master's side: delivery takes time. */
export const LEASE_MARGIN_MS = 2_000;
/** A new master waits this long for the known members before it hands out current. */
export const STARTUP_WAIT_MS = 15_000;
