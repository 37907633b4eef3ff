import assert from "node:assert/strict";
import { sql } from "kysely";
import type { Store } from "./mod.ts";
import { withStore } from "./testing.ts";
import { pruneBatch, type RetentionPolicy } from "./retention.ts";

const DAY = 86_400_000;
const NOW = Date.parse("2026-12-01T00:00:00Z");
const SMALL: RetentionPolicy = {
  eventsDays: 10,
  eventsMax: 50,
  samplesDays: 90,
  outboxDoneDays: 7,
  authCacheMax: 20,
  sessionsDays: 3 * 365,
  auditDays: 10,
  auditMax: 40,
};

async function count(store: Store, table: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(table)}`
    .execute(store.db);
  return Number(rows[0]!.n);
}

async function session(store: Store, stoppedAtMs: number, owed = false): Promise<number> {
  const { rows } = await sql<{ id: number }>`INSERT INTO sessions (connector_id, id_tag,
    started_at, meter_start_wh, last_meter_wh, last_meter_at, stopped_at, meter_stop_wh,
    stop_reason, ocpp_start, ocpp_stop) VALUES (1, 'CARD', ${stoppedAtMs - 3_600_000}, 0, 0,
    ${stoppedAtMs}, ${stoppedAtMs}, 10, 'Local', 'done', ${owed ? "pending" : "done"})
    RETURNING id`.execute(store.db);
  return rows[0]!.id;
}

Deno.test("pruneBatch(): the event log by age and by count, the newest kept", async () => {
  await withStore("retention", async (store) => {
    await store.events.append(Array.from({ length: 30 }, (_, i) => ({
      atMs: NOW - 20 * DAY + i,
      kind: "status",
      message: `old ${i}`,
    })));
    await store.events.append(Array.from({ length: 80 }, (_, i) => ({
      atMs: NOW - DAY + i,
      kind: "status",
      message: `new ${i}`,
    })));
    while (await pruneBatch(store.db, NOW, SMALL, 7) > 0) { /* small batches */ }
    assert.equal(await count(store, "events"), 50);
    const { rows } = await sql<{ message: string }>`SELECT message FROM events ORDER BY id
      LIMIT 1`.execute(store.db);
    assert.equal(rows[0]!.message, "new 30");
  });
});

Deno.test("pruneBatch(): the audit log by age and by count, the newest kept", async () => {
  await withStore("retention", async (store) => {
    const entry = (atMs: number, i: number) => ({
      atMs,
      actor: "installer" as const,
      action: "setting",
      target: `key${i}`,
    });
    await store.audit.append(Array.from({ length: 25 }, (_, i) => entry(NOW - 11 * DAY + i, i)));
    await store.audit.append(Array.from({ length: 60 }, (_, i) => entry(NOW - DAY + i, 100 + i)));
    while (await pruneBatch(store.db, NOW, SMALL, 7) > 0) { /* small batches */ }
    assert.equal(await count(store, "audit"), 40, "at most auditMax entries");
    const rows = await store.audit.list({ fromMs: 0, toMs: NOW }, { limit: 1, offset: 39 });
    assert.equal(rows[0]!.target, "key120", "the oldest kept is the 21st of the recent ones");
  });
});

Deno.test("pruneBatch(): samples after 90 days, delivered outbox rows, the oldest cache entries", async () => {
  await withStore("retention", async (store) => {
    const id = await session(store, NOW - 100 * DAY);
    for (const at of [NOW - 100 * DAY, NOW - 91 * DAY, NOW - 89 * DAY, NOW - DAY]) {
      await sql`INSERT INTO meter_samples (connector_id, session_id, at, energy_wh, power_w,
        current_l1_ma, current_l2_ma, current_l3_ma, voltage_l1_dv, voltage_l2_dv,
        voltage_l3_dv, offered_ma) VALUES (1, ${id}, ${at}, 0, 0, 0, 0, 0, 0, 0, 0, 0)`
        .execute(store.db);
    }
    for (const [created, done] of [[NOW - 30 * DAY, NOW - 30 * DAY], [NOW - 30 * DAY, null]]) {
      await sql`INSERT INTO ocpp_outbox (session_id, connector_id, action, payload, created_at,
        done_at) VALUES (${id}, 1, 'MeterValues', '{}', ${created}, ${done})`.execute(store.db);
    }
    for (let i = 0; i < 30; i++) {
      await sql`INSERT INTO auth_cache (id_tag, status, updated_at)
        VALUES (${`TAG${i}`}, 'Accepted', ${NOW - i * 1000})`.execute(store.db);
    }
    while (await pruneBatch(store.db, NOW, SMALL, 4) > 0) { /* small batches */ }
    assert.equal(await count(store, "meter_samples"), 2, "the last 90 days stay");
    assert.equal(await count(store, "ocpp_outbox"), 1, "an undelivered row is never removed");
    assert.equal(await count(store, "auth_cache"), 20);
    const { rows } = await sql<{ id_tag: string }>`SELECT id_tag FROM auth_cache
      ORDER BY updated_at LIMIT 1`.execute(store.db);
    assert.equal(rows[0]!.id_tag, "TAG19", "the most recently updated stay");
    assert.equal(await count(store, "sessions"), 1, "the session is kept for years");
  });
});

Deno.test("pruneBatch(): sessions after their retention, never one still owed to the backend", async () => {
  await withStore("retention", async (store) => {
    await session(store, NOW - 4 * 365 * DAY);
    const owed = await session(store, NOW - 4 * 365 * DAY, true);
    const recent = await session(store, NOW - 2 * 365 * DAY);
    while (await pruneBatch(store.db, NOW, SMALL) > 0) { /* small batches */ }
    const { rows } = await sql<{ id: number }>`SELECT id FROM sessions ORDER BY id`
      .execute(store.db);
    assert.deepEqual(rows.map((r) => r.id), [owed, recent]);
  });
});

Deno.test("Store.prune() with the defaults keeps sessions 3 years and samples 90 days at least", async () => {
  await withStore("retention", async (store) => {
    const id = await session(store, NOW - 3 * 365 * DAY);
    await sql`INSERT INTO meter_samples (connector_id, session_id, at, energy_wh, power_w,
      current_l1_ma, current_l2_ma, current_l3_ma, voltage_l1_dv, voltage_l2_dv,
      voltage_l3_dv, offered_ma) VALUES (1, ${id}, ${NOW - 90 * DAY}, 0, 0, 0, 0, 0, 0, 0, 0,
      0)`.execute(store.db);
    await store.prune(NOW);
    assert.equal(await count(store, "sessions"), 1);
    assert.equal(await count(store, "meter_samples"), 1);
  });
});
