import { MIGRATIONS } from "./migrations.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { sql } from "kysely";
import { Migrator } from "kysely/migration";
import { migrationProvider } from "./migrations.ts";
import { DB_FILE, openStore, type Store } from "./mod.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ladewerk_store_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function tableNames(store: Store): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`.execute(store.db);
  return rows.map((r) => r.name);
}

Deno.test("openStore() creates the data directory and runs every migration", async () => {
  await withDir(async (parent) => {
    const dir = join(parent, "data", "nested");
    await using store = await openStore(dir);
    assert.ok((await Deno.stat(join(dir, DB_FILE))).isFile);
    const tables = await tableNames(store);
    for (const t of ["events", "meta", "meter_samples", "sessions", "settings", "whitelist"]) {
      assert.ok(tables.includes(t), `missing table ${t} in ${tables.join(", ")}`);
    }
    const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration`
      .execute(store.db);
    assert.deepEqual(rows.map((r) => r.name), Object.keys(MIGRATIONS));
  });
});

Deno.test("openStore() on an existing database migrates nothing again and keeps the data", async () => {
  await withDir(async (dir) => {
    {
      await using store = await openStore(dir);
      await store.setMeta("listVersion", "7");
    }
    {
      await using store = await openStore(dir);
      assert.equal(await store.getMeta("listVersion"), "7");
      const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM kysely_migration`
        .execute(store.db);
      assert.equal(Number(rows[0]?.n), Object.keys(MIGRATIONS).length);
      const result = await new Migrator({ db: store.db, provider: migrationProvider })
        .migrateToLatest();
      assert.equal(result.error, undefined);
      assert.deepEqual(result.results, []);
    }
    // A third open on the same directory still works.
    await using again = await openStore(dir);
    assert.equal(await again.getMeta("listVersion"), "7");
  });
});

Deno.test("openStore() records the schema in user_version and migrates a database behind it", async () => {
  await withDir(async (dir) => {
    const latest = Object.keys(MIGRATIONS).length;
    const userVersion = async (store: Store) =>
      Number(
        (await sql<{ user_version: number }>`PRAGMA user_version`.execute(store.db)).rows[0]
          ?.user_version,
      );
    {
      await using store = await openStore(dir);
      assert.equal(await userVersion(store), latest);
      // As an earlier version left it: the last migration not run, no user_version.
      await sql`DROP TABLE audit`.execute(store.db);
      await sql`DELETE FROM kysely_migration WHERE name = '006_audit'`.execute(store.db);
      await sql`PRAGMA user_version = 0`.execute(store.db);
    }
    await using store = await openStore(dir);
    assert.ok((await tableNames(store)).includes("audit"), "the missing migration ran");
    assert.equal(await userVersion(store), latest);
  });
});

Deno.test("the store's connection uses WAL and synchronous=FULL", async () => {
  await withDir(async (dir) => {
    {
      await using store = await openStore(dir);
      const mode = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(store.db);
      assert.equal(mode.rows[0]?.journal_mode, "wal");
      const sync = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(store.db);
      assert.equal(Number(sync.rows[0]?.synchronous), 2, "2 is FULL");
      const fk = await sql<{ foreign_keys: number }>`PRAGMA foreign_keys`.execute(store.db);
      assert.equal(Number(fk.rows[0]?.foreign_keys), 1);
    }
    // WAL is a property of the file: a plain connection sees it too.
    const raw = new DatabaseSync(join(dir, DB_FILE));
    try {
      const row = raw.prepare("PRAGMA journal_mode").get() as { journal_mode: string };
      assert.equal(row.journal_mode, "wal");
    } finally {
      raw.close();
    }
  });
});

Deno.test("getMeta() is undefined for a missing key; setMeta() inserts, overwrites and persists", async () => {
  await withDir(async (dir) => {
    {
      await using store = await openStore(dir);
      assert.equal(await store.getMeta("listVersion"), undefined);
      await store.setMeta("listVersion", "1");
      assert.equal(await store.getMeta("listVersion"), "1");
      await store.setMeta("listVersion", "2");
      await store.setMeta("other", "x");
      assert.equal(await store.getMeta("listVersion"), "2");
    }
    await using store = await openStore(dir);
    assert.equal(await store.getMeta("listVersion"), "2");
    assert.equal(await store.getMeta("other"), "x");
  });
});

Deno.test("settings storage round-trips values through save(), reset and load()", async () => {
  await withDir(async (dir) => {
    {
      await using store = await openStore(dir);
      assert.deepEqual(await store.settings.load(), {});
      await store.settings.save({ a: 1, b: "two", c: true, d: { x: [1, 2] } }, [], 1_000);
      await store.settings.save({ a: 5 }, ["b", "not-stored"], 2_000);
      assert.deepEqual(await store.settings.load(), { a: 5, c: true, d: { x: [1, 2] } });
      const { rows } = await sql<{ key: string; updated_at: number }>`
        SELECT key, updated_at FROM settings ORDER BY key`.execute(store.db);
      assert.deepEqual(rows.map((r) => [r.key, Number(r.updated_at)]), [
        ["a", 2_000],
        ["c", 1_000],
        ["d", 1_000],
      ]);
    }
    await using store = await openStore(dir);
    assert.deepEqual(await store.settings.load(), { a: 5, c: true, d: { x: [1, 2] } });
  });
});

Deno.test("settings storage save() is atomic: a failing value undoes the resets before it", async () => {
  await withDir(async (dir) => {
    await using store = await openStore(dir);
    await store.settings.save({ a: 1, b: 2 }, [], 1_000);
    // JSON.stringify throws on a bigint, after the reset of "a" ran inside the transaction.
    await assert.rejects(store.settings.save({ b: 3, c: 10n }, ["a"], 2_000), TypeError);
    assert.deepEqual(await store.settings.load(), { a: 1, b: 2 });
  });
});
