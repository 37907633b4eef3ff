/**
 * Retention: what the station keeps and for how long, pruned in small batches (one indexed
 * DELETE of at most `batch` rows per table and call) so that pruning never stalls it. Session
 * records outlive their samples; nothing still owed to the backend is removed.
 * @module
 */
import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.ts";

/** How long and how much the station keeps. */
export interface RetentionPolicy {
  /** Event log entries, by age. @default 365 */
  eventsDays: number;
  /** Event log entries, by count (the newest stay). @default 200_000 */
  eventsMax: number;
  /** Stored meter samples, by age (at least 90 days). @default 180 */
  samplesDays: number;
  /** Delivered MeterValues of the OCPP outbox, by age. @default 30 */
  outboxDoneDays: number;
  /** Entries of the authorization cache, by count (the most recently updated stay).
   * @default 10_000 */
  authCacheMax: number;
  /** Session records, by age (at least 3 years; billing). @default 1830 (5 years) */
  sessionsDays: number;
  /** Audit entries, by age. @default 365 */
  auditDays: number;
  /** Audit entries, by count (the newest stay). @default 100_000 */
  auditMax: number;
}

/** The defaults. */
export const RETENTION: RetentionPolicy = {
  eventsDays: 365,
  eventsMax: 200_000,
  samplesDays: 180,
  outboxDoneDays: 30,
  authCacheMax: 10_000,
  sessionsDays: 1830,
  auditDays: 365,
  auditMax: 100_000,
};

const DAY_MS = 86_400_000;

/** Deletes at most `batch` rows of each kind that is due; resolves with the rows removed. */
export async function pruneBatch(
  db: Kysely<Database>,
  nowMs: number,
  policy: RetentionPolicy = RETENTION,
  batch = 200,
): Promise<number> {
  const before = (days: number) => nowMs - days * DAY_MS;
  let removed = 0;
  const run = async (q: ReturnType<typeof sql>) => {
    const r = await q.execute(db);
    removed += Number(r.numAffectedRows ?? 0n);
  };
  await run(sql`DELETE FROM events WHERE id IN (SELECT id FROM events
    WHERE at < ${before(policy.eventsDays)} ORDER BY id LIMIT ${batch})`);
  await run(sql`DELETE FROM events WHERE id IN (SELECT id FROM events
    WHERE id <= (SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ${policy.eventsMax})
    ORDER BY id LIMIT ${batch})`);
  await run(sql`DELETE FROM audit WHERE id IN (SELECT id FROM audit
    WHERE at < ${before(policy.auditDays)} ORDER BY id LIMIT ${batch})`);
  await run(sql`DELETE FROM audit WHERE id IN (SELECT id FROM audit
    WHERE id <= (SELECT id FROM audit ORDER BY id DESC LIMIT 1 OFFSET ${policy.auditMax})
    ORDER BY id LIMIT ${batch})`);
  // Samples are written in time order: only the oldest rows are looked at (no full scan when
  // nothing is due; the table has no index on the time alone).
  await run(sql`DELETE FROM meter_samples WHERE id IN (SELECT id FROM meter_samples
    ORDER BY id LIMIT ${batch}) AND at < ${before(policy.samplesDays)}`);
  await run(sql`DELETE FROM ocpp_outbox WHERE id IN (SELECT id FROM ocpp_outbox
    WHERE done_at IS NOT NULL AND done_at < ${before(policy.outboxDoneDays)}
    ORDER BY id LIMIT ${batch})`);
  await run(sql`DELETE FROM auth_cache WHERE id_tag IN (SELECT id_tag FROM auth_cache
    ORDER BY updated_at DESC LIMIT ${batch} OFFSET ${policy.authCacheMax})`);
  await run(sql`DELETE FROM sessions WHERE id IN (SELECT s.id FROM sessions s
    WHERE s.stopped_at IS NOT NULL AND s.stopped_at < ${before(policy.sessionsDays)}
      AND coalesce(s.ocpp_start, '') <> 'pending' AND coalesce(s.ocpp_stop, '') <> 'pending'
      AND NOT EXISTS (SELECT 1 FROM meter_samples m WHERE m.session_id = s.id)
      AND NOT EXISTS (SELECT 1 FROM ocpp_outbox o WHERE o.session_id = s.id)
    ORDER BY s.id LIMIT ${batch})`);
  return removed;
}

/** Prunes until nothing is due or `maxBatches` ran, yielding to the event loop between. */
export async function prune(
  db: Kysely<Database>,
  nowMs: number,
  options: { policy?: RetentionPolicy; batch?: number; maxBatches?: number } = {},
): Promise<number> {
  let total = 0;
  for (let i = 0; i < (options.maxBatches ?? 20); i++) {
    const n = await pruneBatch(db, nowMs, options.policy, options.batch);
    total += n;
    if (n === 0) break;
    await new Promise((r) => setTimeout(r, 0));
  }
  return total;
}
