import assert from "node:assert/strict";
import { WHITELIST_MAX, type WhitelistEntry, WhitelistFullError } from "./mod.ts";
import { withStore } from "./testing.ts";

function entry(uid: string, more: Partial<WhitelistEntry> = {}): WhitelistEntry {
  return { uid, gid: null, expiryAtMs: null, authorization: "accepted", deleted: false, ...more };
}

function many(count: number, prefix = "U"): WhitelistEntry[] {
  return Array.from({ length: count }, (_, i) => entry(`${prefix}${String(i).padStart(4, "0")}`));
}

Deno.test("whitelist upsert() stores entries and get() finds them whatever the case", async () => {
  await withStore("whitelist", async (store) => {
    await store.whitelist.apply({
      upsert: [
        entry("04A1B2C3", { gid: "FLEET", expiryAtMs: 5_000, authorization: "blocked" }),
        entry("deadbeef"),
      ],
    }, 1_000);
    const expected = {
      uid: "04A1B2C3",
      gid: "FLEET",
      expiryAtMs: 5_000,
      authorization: "blocked",
      deleted: false,
    };
    for (const uid of ["04A1B2C3", "04a1b2c3", "04a1B2c3"]) {
      assert.deepEqual(await store.whitelist.get(uid), expected, uid);
    }
    assert.equal((await store.whitelist.get("DEADBEEF"))?.uid, "deadbeef");
    assert.equal(await store.whitelist.get("04A1B2C4"), undefined);
    assert.deepEqual((await store.whitelist.all()).map((e) => e.uid), ["04A1B2C3", "deadbeef"]);
    assert.equal(await store.whitelist.count(), 2);
  });
});

Deno.test("whitelist upsert() of a known UID updates it, also when the case differs", async () => {
  await withStore("whitelist", async (store) => {
    await store.whitelist.apply({ upsert: [entry("04A1B2C3", { authorization: "blocked" })] }, 1);
    await store.whitelist.apply({ upsert: [entry("04A1B2C3", { gid: "G1" })] }, 2);
    assert.deepEqual(await store.whitelist.get("04a1b2c3"), entry("04A1B2C3", { gid: "G1" }));
    await store.whitelist.apply({ upsert: [entry("04a1b2c3", { authorization: "expired" })] }, 3);
    assert.deepEqual(await store.whitelist.all(), [
      entry("04a1b2c3", { authorization: "expired" }),
    ]);
    assert.equal(await store.whitelist.count(), 1);
  });
});

Deno.test("whitelist replace empties the list before the new entries go in", async () => {
  await withStore("whitelist", async (store) => {
    await store.whitelist.apply({ upsert: [entry("A"), entry("B"), entry("C")] }, 1);
    await store.whitelist.apply(
      { replace: true, upsert: [entry("B", { gid: "G" }), entry("D")] },
      2,
    );
    assert.deepEqual(await store.whitelist.all(), [entry("B", { gid: "G" }), entry("D")]);
    await store.whitelist.apply({ replace: true }, 3);
    assert.deepEqual(await store.whitelist.all(), []);
  });
});

Deno.test("whitelist remove deletes UIDs for good, whatever the case", async () => {
  await withStore("whitelist", async (store) => {
    await store.whitelist.apply({ upsert: [entry("A1"), entry("B2"), entry("C3")] }, 1);
    await store.whitelist.apply({ remove: ["A1", "b2", "NOT-THERE"] }, 2);
    assert.deepEqual((await store.whitelist.all()).map((e) => e.uid), ["C3"]);
    assert.equal(await store.whitelist.get("a1"), undefined);
  });
});

Deno.test("whitelist entries flagged deleted stay readable but do not count", async () => {
  await withStore("whitelist", async (store) => {
    await store.whitelist.apply({ upsert: [entry("A"), entry("B", { deleted: true })] }, 1);
    assert.equal(await store.whitelist.count(), 1);
    assert.equal((await store.whitelist.get("b"))?.deleted, true);
    assert.equal((await store.whitelist.all()).length, 2);
  });
});

Deno.test("whitelist takes exactly WHITELIST_MAX entries; deleted ones leave room", async () => {
  await withStore("whitelist", async (store) => {
    assert.equal(WHITELIST_MAX, 1000);
    await store.whitelist.apply({ upsert: many(WHITELIST_MAX) }, 1);
    assert.equal(await store.whitelist.count(), WHITELIST_MAX);
    await store.whitelist.apply({ upsert: [entry("X", { deleted: true })] }, 2);
    await store.whitelist.apply({ upsert: [entry("U0000", { deleted: true }), entry("Y")] }, 3);
    assert.equal(await store.whitelist.count(), WHITELIST_MAX);
    await store.whitelist.apply({ replace: true, upsert: many(WHITELIST_MAX, "V") }, 4);
    assert.equal(await store.whitelist.count(), WHITELIST_MAX);
  });
});

Deno.test("whitelist over the limit refuses the whole change and leaves the list as it was", async () => {
  await withStore("whitelist", async (store) => {
    await store.whitelist.apply({ upsert: many(WHITELIST_MAX - 1) }, 1);
    const before = await store.whitelist.all();
    const changes = [
      { upsert: [entry("NEW1"), entry("NEW2")] },
      { upsert: [entry("U0000", { gid: "CHANGED" }), entry("NEW1"), entry("NEW2")] },
      { remove: ["U0001"], upsert: [entry("NEW1"), entry("NEW2"), entry("NEW3")] },
      { replace: true, upsert: many(WHITELIST_MAX + 1, "W") },
    ];
    for (const change of changes) {
      await assert.rejects(store.whitelist.apply(change, 2), (e) => {
        assert.ok(e instanceof WhitelistFullError);
        assert.ok(e instanceof RangeError);
        assert.match(e.message, /at most 1000 entries/);
        return true;
      });
      assert.deepEqual(await store.whitelist.all(), before);
    }
    assert.equal(await store.whitelist.count(), WHITELIST_MAX - 1);
  });
});

Deno.test("whitelist: two spellings of one UID in one change, the later one wins", async () => {
  await withStore("whitelist", async (store) => {
    await store.whitelist.apply({ upsert: [entry("ab12", { gid: "OLD" })] }, 1);
    await store.whitelist.apply({
      upsert: [entry("AB12", { authorization: "blocked" }), entry("Ab12", { gid: "NEW" })],
    }, 2);
    assert.deepEqual(await store.whitelist.all(), [entry("Ab12", { gid: "NEW" })]);
  });
});

Deno.test("whitelist: meta values (the list version) commit with the list or not at all", async () => {
  await withStore("whitelist", async (store) => {
    await store.whitelist.apply({ replace: true, upsert: many(3), meta: { "ocpp.lv": "7" } }, 1);
    assert.equal(await store.getMeta("ocpp.lv"), "7");
    await assert.rejects(
      store.whitelist.apply({
        replace: true,
        upsert: many(WHITELIST_MAX + 1),
        meta: { "ocpp.lv": "8" },
      }, 2),
      WhitelistFullError,
    );
    assert.equal(await store.getMeta("ocpp.lv"), "7");
    assert.equal(await store.whitelist.count(), 3);
  });
});
