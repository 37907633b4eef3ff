import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { sql } from "kysely";
import { openSqlite, STATEMENT_CACHE_SIZE, StatementCache } from "./sqlite.ts";

Deno.test("statement cache: one statement per SQL text, at most the limit, least recent first", () => {
  const raw = new DatabaseSync(":memory:");
  try {
    const cache = new StatementCache(raw, 3);
    const a = cache.get("SELECT 1 AS x");
    assert.equal(cache.get("SELECT 1 AS x").stmt, a.stmt, "reused, not prepared again");
    assert.equal(a.reader, true);
    assert.equal(cache.get("CREATE TABLE t (v)").reader, false);
    cache.get("SELECT 2 AS x");
    cache.get("SELECT 1 AS x"); // now the most recent
    cache.get("SELECT 3 AS x"); // over the limit: the least recent (CREATE) goes
    assert.equal(cache.size, 3);
    assert.equal(cache.get("SELECT 1 AS x").stmt, a.stmt, "the recently used one stayed");
    for (let i = 0; i < 50; i++) cache.get(`SELECT ${i} AS x`);
    assert.equal(cache.size, 3, "bounded");
    assert.notEqual(cache.get("SELECT 1 AS x").stmt, a.stmt, "evicted, then prepared again");
  } finally {
    raw.close();
  }
});

Deno.test("queries through the cache: parameters, writes, iteration, more texts than the limit", async () => {
  const dir = await Deno.makeTempDir();
  const { db } = openSqlite<{ t: { k: number; v: string } }>(join(dir, "x.sqlite"));
  try {
    await sql`CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)`.execute(db);
    for (let k = 0; k < 20; k++) await db.insertInto("t").values({ k, v: `v${k}` }).execute();
    const row = await db.selectFrom("t").selectAll().where("k", "=", 7).executeTakeFirst();
    assert.deepEqual({ ...row }, { k: 7, v: "v7" });
    const again = await db.selectFrom("t").selectAll().where("k", "=", 8).executeTakeFirst();
    assert.deepEqual({ ...again }, { k: 8, v: "v8" }, "the same statement with other parameters");
    // A stream iterates on a statement of its own; the cached one answers meanwhile after it.
    const streamed: number[] = [];
    for await (const r of db.selectFrom("t").select("k").where("k", "<", 3).stream()) {
      streamed.push(r.k);
    }
    assert.equal((await db.selectFrom("t").select("k").where("k", "<", 3).execute()).length, 3);
    assert.deepEqual(streamed, [0, 1, 2]);
    // More distinct texts than the cache holds: answers stay right.
    for (let i = 0; i < STATEMENT_CACHE_SIZE + 20; i++) {
      const r = await sql<{ n: number }>`SELECT ${sql.raw(String(i))} AS n`.execute(db);
      assert.equal(r.rows[0]!.n, i);
    }
  } finally {
    await db.destroy();
    await Deno.remove(dir, { recursive: true });
  }
});
