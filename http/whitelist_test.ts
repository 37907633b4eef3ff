import assert from "node:assert/strict";
import { json, testStation } from "./testing.ts";

const entry = (uid: string, extra: Record<string, unknown> = {}) => ({
  uid,
  gid: null,
  expiry: null,
  authorization: "accepted",
  deleted: false,
  ...extra,
});

Deno.test("GET /api/whitelist shows the factory master key, the limit and the list version", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const body = await json(await t.request("/api/whitelist", { as: admin }));
  assert.deepEqual(body, { entries: [entry("MASTERKEY")], max: 1000, listVersion: 0 });
});

Deno.test("PUT /api/whitelist stores the whole list, keeps deleted entries and bumps the version", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const put = (entries: unknown[]) =>
    t.request("/api/whitelist", { method: "PUT", as: admin, json: { entries } });
  const res = await put([
    entry("MASTERKEY"),
    entry("04A2B3C4D5", { expiry: "2030-01-01T12:00:00Z", gid: "G1" }),
    entry("BLOCKED1", { authorization: "blocked" }),
    entry("GONE1", { deleted: true }),
  ]);
  assert.equal(res.status, 200);
  assert.deepEqual(await json(res), { count: 3, total: 4, listVersion: 1 });
  const list = await json(await t.request("/api/whitelist", { as: admin }));
  assert.equal(list.listVersion, 1);
  assert.deepEqual(list.entries.map((e: { uid: string }) => e.uid), [
    "04A2B3C4D5",
    "BLOCKED1",
    "GONE1",
    "MASTERKEY",
  ]);
  assert.equal(list.entries[0].expiry, "2030-01-01T12:00:00.000Z");
  assert.equal(list.entries[0].gid, "G1");
  assert.equal(list.entries[2].deleted, true);
  assert.equal(await t.store.getMeta("localList.version"), "1");

  assert.equal((await put([entry("ONLY")])).status, 200);
  const after = await json(await t.request("/api/whitelist", { as: admin }));
  assert.deepEqual(after.entries.map((e: { uid: string }) => e.uid), ["ONLY"]);
  assert.equal(after.listVersion, 2);
});

Deno.test("PUT /api/whitelist refuses bad entries by index and field", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const cases: [unknown, string, string][] = [
    [[entry("A B")], "entries.0.uid", "bad_id_tag"],
    [[entry("OK"), entry("ok")], "entries.1.uid", "duplicate"],
    [[entry("OK", { expiry: "soon" })], "entries.0.expiry", "bad_expiry"],
    [[entry("OK", { authorization: "maybe" })], "entries.0.authorization", "invalid_value"],
    [[entry("OK", { gid: "x,y" })], "entries.0.gid", "bad_id_tag"],
    [[{ uid: "OK" }], "entries.0.authorization", "invalid_value"],
    [[entry("OK", { colour: "red" })], "entries.0", "unrecognized_keys"],
    ["nope", "entries", "invalid_type"],
  ];
  for (const [entries, field, code] of cases) {
    const res = await t.request("/api/whitelist", { method: "PUT", as: admin, json: { entries } });
    assert.equal(res.status, 400, JSON.stringify(entries));
    const e = await json(res);
    assert.equal(e.field, field, JSON.stringify(e));
    assert.equal(e.code, code, JSON.stringify(e));
  }
  assert.equal((await t.store.whitelist.all()).length, 1, "nothing changed");
});

Deno.test("the whitelist holds 1000 live entries; one more is refused and nothing changes", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const many = Array.from({ length: 1000 }, (_, i) => entry(`CARD${i}`));
  const full = await t.request("/api/whitelist", {
    method: "PUT",
    as: admin,
    json: {
      entries: [...many, entry("DEL1", { deleted: true }), entry("DEL2", { deleted: true })],
    },
  });
  assert.equal(full.status, 200, "deleted entries do not count");
  assert.equal((await json(full)).count, 1000);
  const over = await t.request("/api/whitelist", {
    method: "PUT",
    as: admin,
    json: { entries: [...many, entry("ONE-MORE")] },
  });
  assert.equal(over.status, 400);
  const e = await json(over);
  assert.equal(e.field, "entries");
  assert.equal(e.code, "too_many");
  assert.match(e.reason, /at most 1000 entries: this change would make 1001/);
  assert.equal(await t.store.whitelist.count(), 1000);
  assert.equal((await t.store.whitelist.all()).length, 1002, "the old list is intact");
});

Deno.test("a saved card works at once, without a restart", async () => {
  await using t = await testStation();
  const admin = await t.login();
  await t.request("/api/whitelist", {
    method: "PUT",
    as: admin,
    json: { entries: [entry("MASTERKEY"), entry("NEWCARD")] },
  });
  await t.request("/api/sim/connectors/1/plug", { method: "POST" });
  await t.request("/api/sim/rfid", { json: { idTag: "NEWCARD" } });
  await t.station.settled();
  assert.equal(t.station.state.connectors[0]!.session?.idTag, "NEWCARD");
});

Deno.test("POST /api/whitelist/import merges CSV text over the stored list; nothing is stored", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const csv =
    "UID,GID,Expiry,Authorization\r\nMASTERKEY,,,blocked\r\nNEW1,,2030-01-01T12:00:00,accepted\r\nBAD UID,,,accepted\r\n";
  const res = await t.request("/api/whitelist/import?mode=append", {
    method: "POST",
    as: admin,
    body: csv,
    headers: { "content-type": "text/csv" },
  });
  assert.equal(res.status, 200);
  const body = await json(res);
  assert.equal(body.processedLines, 4);
  assert.deepEqual(body.errors.map((e: { line: number }) => e.line), [4]);
  assert.deepEqual(
    body.entries.map((e: { uid: string; authorization: string }) => `${e.uid}:${e.authorization}`),
    [
      "MASTERKEY:blocked",
      "NEW1:accepted",
    ],
  );
  assert.equal(body.entries[1].expiry, "2030-01-01T11:00:00.000Z", "local time of Europe/Berlin");
  assert.equal(body.count, 2);
  const stored = await t.store.whitelist.all();
  assert.deepEqual(stored.map((e) => `${e.uid}:${e.authorization}`), ["MASTERKEY:accepted"]);
});

Deno.test("POST /api/whitelist/import as JSON merges over the draft list the UI sends", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const draft = [entry("MASTERKEY"), entry("DRAFT1", { deleted: true }), entry("DRAFT2")];
  const csv = "UID,GID,Expiry,Authorization\nDRAFT1,,,accepted\nNEW2,,,blocked\n";
  const append = await json(
    await t.request("/api/whitelist/import", {
      as: admin,
      json: { mode: "append", csv, current: draft },
    }),
  );
  assert.deepEqual(
    append.entries.map((e: { uid: string; deleted: boolean }) => `${e.uid}:${e.deleted}`),
    [
      "MASTERKEY:false",
      "DRAFT1:false",
      "DRAFT2:false",
      "NEW2:false",
    ],
  );
  const replace = await json(
    await t.request("/api/whitelist/import", {
      as: admin,
      json: { mode: "replace", csv, current: draft },
    }),
  );
  assert.deepEqual(replace.entries.map((e: { uid: string }) => e.uid), ["DRAFT1", "NEW2"]);
  assert.equal(replace.processedLines, 3);
});

Deno.test("POST /api/whitelist/import refuses a wrong header, mode or body", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const header = await t.request("/api/whitelist/import", {
    method: "POST",
    as: admin,
    body: "Karte,Gruppe\nAB,\n",
  });
  assert.equal(header.status, 400);
  const e = await json(header);
  assert.equal(e.field, "csv");
  assert.equal(e.code, "bad_header");
  const mode = await t.request("/api/whitelist/import?mode=merge", {
    method: "POST",
    as: admin,
    body: "UID,GID,Expiry,Authorization\n",
  });
  assert.equal(mode.status, 400);
  assert.equal((await json(mode)).field, "mode");
  const jsonMode = await t.request("/api/whitelist/import", { as: admin, json: { csv: "" } });
  assert.equal((await json(jsonMode)).field, "mode");
  const badCurrent = await t.request("/api/whitelist/import", {
    as: admin,
    json: { mode: "append", csv: "UID,GID,Expiry,Authorization\n", current: [{ uid: "" }] },
  });
  assert.equal(badCurrent.status, 400);
  assert.equal((await json(badCurrent)).field, "current.0.uid");
  const big = await t.request("/api/whitelist/import", {
    method: "POST",
    as: admin,
    body: "x".repeat(1024 * 1024 + 1),
  });
  assert.equal(big.status, 413);
});

Deno.test("GET /api/whitelist.csv exports the live entries as a download", async () => {
  await using t = await testStation();
  const admin = await t.login();
  await t.request("/api/whitelist", {
    method: "PUT",
    as: admin,
    json: {
      entries: [
        entry("MASTERKEY"),
        entry("AB12", { expiry: "2030-07-01T10:00:00Z" }),
        entry("GONE", { deleted: true }),
      ],
    },
  });
  const res = await t.request("/api/whitelist.csv", { as: admin });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/csv/);
  assert.match(
    res.headers.get("content-disposition") ?? "",
    /attachment; filename="whitelist-24110001\.csv"/,
  );
  assert.equal(
    await res.text(),
    "UID,GID,Expiry,Authorization\r\nAB12,,2030-07-01T12:00:00,accepted\r\nMASTERKEY,,,accepted\r\n",
  );
});

Deno.test("ids an OCPP backend stored can be saved back unchanged, new ones follow the rule", async () => {
  await using t = await testStation();
  await t.store.whitelist.apply({
    upsert: [{
      uid: "-ODD ID",
      gid: "G,1",
      expiryAtMs: null,
      authorization: "invalid",
      deleted: false,
    }],
  }, Date.now());
  const admin = await t.login();
  const { entries } = await json(await t.request("/api/whitelist", { as: admin }));
  const ok = await t.request("/api/whitelist", { method: "PUT", as: admin, json: { entries } });
  assert.equal(ok.status, 200, await ok.clone().text());
  const fresh = await t.request("/api/whitelist", {
    method: "PUT",
    as: admin,
    json: { entries: [...entries, entry("-NEW ID")] },
  });
  assert.equal(fresh.status, 400);
  assert.equal((await json(fresh)).field, "entries.2.uid");
});
