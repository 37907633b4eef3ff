/**
 * Safety before bookkeeping with a really full database: SQLite's `max_page_count` makes every
 * write that needs a new page fail with SQLITE_FULL, at each effect of a session.
 */
import assert from "node:assert/strict";
import { type Kysely, sql } from "kysely";
import { testStation, waitUntil } from "../http/testing.ts";
import { STORAGE_FAULT } from "./runtime.ts";

type Table = "sessions" | "events" | "meta";

/** Caps the file and fills it, and then the tables named, until SQLite answers SQLITE_FULL. */
async function fillDatabase(
  db: Kysely<unknown>,
  tables: Table[] = ["sessions", "events", "meta"],
): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS filler (b BLOB)`.execute(db);
  const { rows } = await sql<{ page_count: number }>`PRAGMA page_count`.execute(db);
  await sql.raw(`PRAGMA max_page_count = ${Number(rows[0]!.page_count) + 64}`).execute(db);
  const until = async (insert: () => Promise<unknown>) => {
    for (let i = 0; i < 100_000; i++) {
      try {
        await insert();
      } catch (e) {
        assert.match(String(e), /full/i);
        return;
      }
    }
    throw new Error("the database never filled up");
  };
  await until(() => sql`INSERT INTO filler VALUES (randomblob(3000))`.execute(db));
  for (const size of [400, 40, 1]) {
    await until(() => sql`INSERT INTO filler VALUES (randomblob(${size}))`.execute(db));
    if (tables.includes("sessions")) {
      await until(() =>
        sql`INSERT INTO sessions (connector_id, id_tag, started_at, meter_start_wh, last_meter_wh,
        last_meter_at, stopped_at, meter_stop_wh, stop_reason)
        VALUES (9, ${"J".repeat(size)}, 1, 0, 0, 1, 1, 0, 'Other')`.execute(db)
      );
    }
    if (tables.includes("events")) {
      await until(() =>
        sql`INSERT INTO events (at, kind, message) VALUES (1, 'junk', ${"j".repeat(size)})`
          .execute(db)
      );
    }
    if (tables.includes("meta")) {
      await until(() =>
        sql`INSERT INTO meta (key, value) VALUES (${`junk.${crypto.randomUUID()}`}, ${
          "m".repeat(size)
        })`.execute(db)
      );
    }
  }
}

async function freeSpace(db: Kysely<unknown>): Promise<void> {
  await sql`PRAGMA max_page_count = 1073741823`.execute(db);
}

Deno.test("a full database at the stop of a session: contactor opens first, fault until storage works, then the stop is written", async () => {
  await using t = await testStation({ connectors: 1 });
  const controller = t.hardware.controllers[0]!;
  t.hardware.plug(1);
  t.hardware.presentCard("MASTERKEY");
  await waitUntil(
    () => controller.contactorClosed && t.station.state.connectors[0]!.powerW > 0,
    "charging",
  );
  const db = t.store.db as unknown as Kysely<unknown>;
  await fillDatabase(db);

  t.hardware.presentCard("MASTERKEY");
  await waitUntil(() => !controller.contactorClosed, "the contactor open");
  await t.station.settled();
  assert.equal(controller.offeredCurrentMa, 0, "no current offered");
  assert.equal(controller.locked, false, "the cable is released");
  await waitUntil(() => t.station.state.stationFaults.includes(STORAGE_FAULT), "the storage fault");
  assert.equal(t.station.storageFault, true);
  assert.equal(t.station.state.connectors[0]!.status, "Faulted", "not Finishing for ever");
  assert.ok(t.station.pendingWrites().some((w) => w.startsWith("stop of the session")));
  const open = await t.store.sessions.openOf(1);
  assert.ok(open, "the stop is not written yet");

  // New sessions are refused meanwhile.
  t.hardware.unplug(1);
  t.hardware.plug(1);
  t.hardware.presentCard("MASTERKEY");
  await t.station.settled();
  assert.equal(t.station.state.connectors[0]!.session, null);
  assert.equal(controller.contactorClosed, false);

  await freeSpace(db);
  await waitUntil(() => !t.station.storageFault, "storage working again", 5000);
  await waitUntil(
    () => !t.station.state.stationFaults.includes(STORAGE_FAULT),
    "the storage fault cleared",
  );
  const row = await t.store.sessions.get(open.id);
  assert.equal(row?.stop_reason, "Local");
  assert.ok(row?.meter_stop_wh !== null && row!.meter_stop_wh! > row!.meter_start_wh);
  assert.deepEqual(t.station.pendingWrites(), []);
});

Deno.test("a full database at the start of a session: no session record, no energy, and it recovers", async () => {
  await using t = await testStation({ connectors: 1 });
  const controller = t.hardware.controllers[0]!;
  let everClosed = false;
  const setContactor = controller.setContactor.bind(controller);
  controller.setContactor = (closed) => {
    everClosed ||= closed;
    setContactor(closed);
  };
  const db = t.store.db as unknown as Kysely<unknown>;
  // Only the sessions table is full: the status events of the plug-in still fit.
  await fillDatabase(db, ["sessions"]);

  t.hardware.plug(1);
  t.hardware.presentCard("MASTERKEY");
  await waitUntil(() => t.station.state.stationFaults.includes(STORAGE_FAULT), "the storage fault");
  await t.station.settled();
  for (let i = 0; i < 5; i++) {
    assert.equal(controller.contactorClosed, false, "never closed without a session record");
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(everClosed, false);
  assert.equal(await t.store.sessions.openOf(1), undefined);

  await freeSpace(db);
  await waitUntil(() => !t.station.storageFault, "storage working again", 5000);
  // The session the core opened and the storage fault ended is on record, start and stop.
  const { rows } = await sql<{ stop_reason: string }>`SELECT stop_reason FROM sessions
    WHERE connector_id = 1`.execute(db);
  assert.deepEqual(rows.map((r) => r.stop_reason), ["Other"]);

  // Storage works: the next card charges.
  t.hardware.unplug(1);
  t.hardware.plug(1);
  t.hardware.presentCard("MASTERKEY");
  await waitUntil(() => controller.contactorClosed, "charging again");
});
