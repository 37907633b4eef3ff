/**
 * Authorization with a backend (M-1.8.1, OCPP 1.6 local list and cache): the local list is the
 * station's whitelist, the cache remembers the backend's answers, and the offline rules
 * decide while the backend is away (`backend.stop()`).
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import {
  BACKENDS,
  eventually,
  type Json,
  type OcppStation,
  ocppStation,
} from "./helpers/ocpp_station.ts";

function rows(t: OcppStation, sql: string, ...params: string[]): Json[] {
  const db = new DatabaseSync(join(t.dataDir, "ladewerk.sqlite"), { readOnly: true });
  try {
    return db.prepare(sql).all(...params).map((r) => ({ ...r }));
  } finally {
    db.close();
  }
}

/** Waits until the station refused `idTag`; returns the status it refused with. */
function refusal(t: OcppStation, idTag: string): Promise<string> {
  return eventually(
    () =>
      rows(t, "SELECT code, message FROM events WHERE kind = 'auth'")
        .find((e) => e.message.includes(`Card ${idTag} `))?.code,
    `${idTag} refused`,
  );
}

/** Plugs in on `connectorId` and presents the card. */
async function present(t: OcppStation, idTag: string, connectorId = 1): Promise<void> {
  await t.post(`/api/sim/connectors/${connectorId}/plug`);
  await t.post("/api/sim/rfid", { idTag });
}

/** Plugs in on connector 1, starts a session with `idTag`, stops it with the card, unplugs. */
async function chargeOnce(t: OcppStation, idTag: string): Promise<void> {
  await present(t, idTag);
  await t.st.waitFor((s: Json) => s.connectors[0].session?.idTag === idTag);
  await t.post("/api/sim/rfid", { idTag });
  await t.st.waitFor((s: Json) => s.connectors[0].session === null);
  await t.post("/api/sim/connectors/1/unplug");
  await t.st.waitFor((s: Json) => s.connectors[0].status === "Available");
}

async function sessionSource(t: OcppStation, connectorId = 1): Promise<string> {
  const s = await t.st.waitFor((s: Json) => s.connectors[connectorId - 1].session !== null);
  return s.connectors[connectorId - 1].session.authSource;
}

async function offline(t: OcppStation): Promise<void> {
  await t.backend.stop();
  await t.st.waitFor((s: Json) => s.ocpp.connected === false);
}

async function sendLocalList(
  t: OcppStation,
  listVersion: number,
  updateType: "Full" | "Differential",
  list: Json[],
): Promise<string> {
  const res = await t.backend.call<Json>("SendLocalList", {
    listVersion,
    updateType,
    localAuthorizationList: list,
  });
  return res.status;
}

const entry = (idTag: string, status = "Accepted", more: Json = {}) => ({
  idTag,
  idTagInfo: { status, ...more },
});

async function listVersion(t: OcppStation): Promise<number> {
  return (await t.backend.call<Json>("GetLocalListVersion", {})).listVersion;
}

Deno.test("SendLocalList fills the whitelist: its entries authorize offline, others are refused", async () => {
  await using t = await ocppStation();
  await t.booted();
  assert.equal(await listVersion(t), 0);
  assert.equal(
    await sendLocalList(t, 1, "Full", [entry("LOCAL1"), entry("BLOCKED1", "Blocked")]),
    "Accepted",
  );
  assert.equal(await listVersion(t), 1);
  await offline(t);
  await present(t, "UNKNOWN1");
  assert.equal(await refusal(t, "UNKNOWN1"), "Invalid");
  await t.post("/api/sim/rfid", { idTag: "BLOCKED1" });
  assert.equal(await refusal(t, "BLOCKED1"), "Blocked");
  await t.post("/api/sim/rfid", { idTag: "local1" });
  assert.equal(await sessionSource(t), "whitelist", "id tags compare case-insensitively");
});

Deno.test("SendLocalList version rules: Full, Differential, VersionMismatch, removal, Failed over 1000", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  assert.equal(await sendLocalList(t, 3, "Full", [entry("A1"), entry("A2")]), "Accepted");
  assert.equal(await sendLocalList(t, 3, "Differential", [entry("A3")]), "VersionMismatch");
  assert.equal(await sendLocalList(t, 2, "Differential", [entry("A3")]), "VersionMismatch");
  assert.equal(
    await sendLocalList(t, 4, "Differential", [entry("A3"), { idTag: "A1" }]),
    "Accepted",
  );
  assert.equal(await listVersion(t), 4);
  assert.deepEqual(
    rows(t, "SELECT uid FROM whitelist WHERE deleted = 0 ORDER BY uid").map((r) => r.uid),
    ["A2", "A3"],
    "Full replaced the factory list; the entry without idTagInfo was removed",
  );
  const many = (n: number, prefix: string) =>
    Array.from({ length: n }, (_, i) => entry(`${prefix}${i}`));
  assert.equal(await sendLocalList(t, 5, "Full", many(1001, "B")), "Failed");
  assert.equal(await listVersion(t), 4, "a failed list changes nothing");
  assert.equal(await sendLocalList(t, 6, "Full", many(1000, "C")), "Accepted");
  assert.equal(await sendLocalList(t, 7, "Differential", [entry("D1")]), "Failed");
  assert.equal(await listVersion(t), 6);
  assert.equal(rows(t, "SELECT uid FROM whitelist")[0] !== undefined, true);
  assert.equal(rows(t, "SELECT count(*) AS n FROM whitelist")[0].n, 1000);
  assert.deepEqual(
    rows(
      t,
      "SELECT actor, action, target, detail FROM audit WHERE action = 'whitelist' ORDER BY id",
    ),
    [
      ["listVersion 3", "Full: 2 set, 0 removed"],
      ["listVersion 4", "Differential: 1 set, 1 removed"],
      ["listVersion 6", "Full: 1000 set, 0 removed"],
    ].map(([target, detail]) => ({
      actor: "ocpp",
      action: "whitelist",
      target,
      detail: `SendLocalList ${detail}`,
    })),
    "accepted lists are in the audit log, refused ones not",
  );
});

Deno.test("SendLocalList carries parentIdTag as GID and expiryDate; an expired entry is refused offline", async () => {
  await using t = await ocppStation();
  await t.booted();
  const past = new Date(Date.now() - 60_000).toISOString();
  const future = new Date(Date.now() + 86_400_000).toISOString();
  assert.equal(
    await sendLocalList(t, 1, "Full", [
      entry("FLEET-A", "Accepted", { parentIdTag: "FLEET", expiryDate: future }),
      entry("OLD-CARD", "Accepted", { expiryDate: past }),
    ]),
    "Accepted",
  );
  const [fleet] = rows(t, "SELECT gid, expiry_at FROM whitelist WHERE uid = 'FLEET-A'");
  assert.equal(fleet.gid, "FLEET");
  assert.equal(fleet.expiry_at, Date.parse(future));
  await offline(t);
  await present(t, "OLD-CARD");
  assert.equal(await refusal(t, "OLD-CARD"), "Expired");
  await t.post("/api/sim/rfid", { idTag: "FLEET-A" });
  assert.equal(await sessionSource(t), "whitelist");
});

Deno.test("LocalAuthListEnabled false: SendLocalList is NotSupported and the list is not used", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  assert.equal(await sendLocalList(t, 1, "Full", [entry("LOCAL2")]), "Accepted");
  const res = await t.backend.call<Json>("ChangeConfiguration", {
    key: "LocalAuthListEnabled",
    value: "false",
  });
  assert.equal(res.status, "Accepted");
  assert.equal(await sendLocalList(t, 2, "Full", [entry("LOCAL3")]), "NotSupported");
  await offline(t);
  await present(t, "LOCAL2");
  assert.equal(await refusal(t, "LOCAL2"), "Invalid");
});

Deno.test("LocalAuthorizeOffline false: a listed card is not accepted offline", async () => {
  await using t = await ocppStation({
    connectors: 1,
    seed: { "auth.localAuthorizeOffline": false },
  });
  await t.booted();
  assert.equal(await sendLocalList(t, 1, "Full", [entry("LOCAL4")]), "Accepted");
  await offline(t);
  await present(t, "LOCAL4");
  const code = await refusal(t, "LOCAL4");
  assert.notEqual(code, "Accepted");
  const s = await t.st.api<Json>("/api/status");
  assert.equal(s.body.connectors[0].session, null);
});

Deno.test("LocalPreAuthorize: a listed card starts without Authorize.req while online", async () => {
  await using t = await ocppStation({ seed: { "auth.localPreAuthorize": true } });
  await t.booted();
  assert.equal(await sendLocalList(t, 1, "Full", [entry("LOCAL5")]), "Accepted");
  await present(t, "LOCAL5");
  const start = await t.next("StartTransaction");
  assert.equal(start.params.idTag, "LOCAL5");
  assert.equal(t.backend.of("Authorize").length, 0);
  // Unknown to the list: the backend is asked.
  await present(t, "OTHER5", 2);
  await t.next("Authorize", (p) => p.idTag === "OTHER5");
  await t.next("StartTransaction", (p) => p.idTag === "OTHER5");
});

Deno.test("without LocalPreAuthorize a listed card is still checked at the backend while online", async () => {
  await using t = await ocppStation({
    connectors: 1,
    setup: (b) => b.handlers.Authorize = () => ({ idTagInfo: { status: "Blocked" } }),
  });
  await t.booted();
  assert.equal(await sendLocalList(t, 1, "Full", [entry("LOCAL6")]), "Accepted");
  await present(t, "LOCAL6");
  await t.next("Authorize", (p) => p.idTag === "LOCAL6");
  assert.equal(await refusal(t, "LOCAL6"), "Blocked", "the backend's word counts while online");
});

Deno.test("the authorization cache authorizes offline what the backend accepted online", async () => {
  await using t = await ocppStation({
    setup: (b) =>
      b.handlers.Authorize = () => ({ idTagInfo: { status: "Accepted", parentIdTag: "GRP" } }),
  });
  await t.booted();
  await present(t, "CACHED1");
  await t.next("Authorize");
  assert.equal(await sessionSource(t), "backend");
  const [cached] = rows(t, "SELECT * FROM auth_cache WHERE id_tag = 'CACHED1'");
  assert.deepEqual([cached.status, cached.parent_id_tag], ["Accepted", "GRP"]);
  await offline(t);
  await present(t, "CACHED1", 2);
  // The same card again stops its own session first: present it once more for connector 2.
  await t.st.waitFor((s: Json) => s.connectors[0].session === null);
  await t.post("/api/sim/rfid", { idTag: "CACHED1" });
  assert.equal(await sessionSource(t, 2), "cache");
});

Deno.test("ClearCache empties the cache: a cached card is refused offline afterwards", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  await chargeOnce(t, "CACHED2");
  assert.equal(rows(t, "SELECT 1 FROM auth_cache WHERE id_tag = 'CACHED2'").length, 1);
  assert.deepEqual(await t.backend.call("ClearCache", {}), { status: "Accepted" });
  assert.equal(rows(t, "SELECT * FROM auth_cache").length, 0);
  await offline(t);
  await present(t, "CACHED2");
  assert.equal(await refusal(t, "CACHED2"), "Invalid");
});

Deno.test("AuthorizationCacheEnabled false: nothing is cached, the card is refused offline", async () => {
  await using t = await ocppStation({
    connectors: 1,
    seed: { "auth.authorizationCacheEnabled": false },
  });
  await t.booted();
  await chargeOnce(t, "CACHED3");
  assert.equal(rows(t, "SELECT * FROM auth_cache").length, 0);
  await offline(t);
  await present(t, "CACHED3");
  assert.equal(await refusal(t, "CACHED3"), "Invalid");
});

Deno.test("an expired cache entry is refused offline", async () => {
  let expiryMs = 0;
  await using t = await ocppStation({
    connectors: 1,
    setup: (b) =>
      b.handlers.Authorize = () => {
        expiryMs = Date.now() + 1000;
        return { idTagInfo: { status: "Accepted", expiryDate: new Date(expiryMs).toISOString() } };
      },
  });
  await t.booted();
  await chargeOnce(t, "CACHED4");
  assert.equal(rows(t, "SELECT expiry_at FROM auth_cache")[0].expiry_at, expiryMs);
  await offline(t);
  // Let the expiry pass (one second from the Authorize answer).
  while (Date.now() <= expiryMs) await new Promise((r) => setTimeout(r, 50));
  await present(t, "CACHED4");
  assert.equal(await refusal(t, "CACHED4"), "Expired");
});

Deno.test("AllowOfflineTxForUnknownId: an unknown card is accepted offline", async () => {
  await using t = await ocppStation({
    connectors: 1,
    seed: { "auth.allowOfflineTxForUnknownId": true },
    setup: (b) => b.handlers.Authorize = () => ({ idTagInfo: { status: "Invalid" } }),
  });
  await t.booted();
  await t.post("/api/sim/rfid", { idTag: "KNOWNBAD" });
  await t.next("Authorize");
  assert.equal(await refusal(t, "KNOWNBAD"), "Invalid");
  await offline(t);
  await present(t, "KNOWNBAD");
  await eventually(
    () => rows(t, "SELECT 1 FROM events WHERE kind = 'auth'").length >= 2 || undefined,
    "KNOWNBAD refused again: the cache knows it as Invalid",
  );
  await t.post("/api/sim/rfid", { idTag: "NEWCARD" });
  assert.equal(await sessionSource(t), "anyCard");
});

Deno.test("StopTransactionOnInvalidId: a StartTransaction answered Invalid stops with DeAuthorized", async () => {
  await using t = await ocppStation({
    connectors: 1,
    setup: (b) =>
      b.handlers.StartTransaction = () => ({ transactionId: 7, idTagInfo: { status: "Invalid" } }),
  });
  await t.booted();
  await present(t, "MASTERKEY");
  const stop = await t.next("StopTransaction");
  assert.deepEqual([stop.params.transactionId, stop.params.reason], [7, "DeAuthorized"]);
  await t.st.waitFor((s: Json) => s.connectors[0].session === null);
});

for (const kind of BACKENDS) {
  Deno.test(`[${kind}] StopTransactionOnInvalidId false: after an Invalid StartTransaction the transaction stays open, no energy flows`, async () => {
    await using t = await ocppStation({
      backend: kind,
      connectors: 1,
      seed: { "ocpp.stopTransactionOnInvalidId": false },
      setup: (b) =>
        b.handlers.StartTransaction = () => ({
          transactionId: 8,
          idTagInfo: { status: "Invalid" },
        }),
    });
    await t.booted();
    await present(t, "MASTERKEY");
    await t.next("StartTransaction");
    const s = await t.st.waitFor((s: Json) =>
      s.connectors[0].offeredMa === 0 && s.connectors[0].status === "SuspendedEVSE"
    );
    assert.notEqual(s.connectors[0].session, null, "the transaction stays open");
    assert.equal(s.connectors[0].contactorClosed, false);
    await t.next("StatusNotification", (p) => p.status === "SuspendedEVSE");
    assert.equal(t.backend.of("StopTransaction").length, 0);
    // The vehicle leaves: the transaction ends as usual, and the point is free again.
    await t.post("/api/sim/connectors/1/unplug");
    const stop = await t.next("StopTransaction");
    assert.deepEqual([stop.params.transactionId, stop.params.reason], [8, "EVDisconnected"]);
    const after = await t.st.waitFor((s: Json) => s.connectors[0].status === "Available");
    assert.deepEqual(after.connectors[0].limitsMa, {});
    assert.deepEqual(t.backend.problems, []);
  });
}

Deno.test("identification any card: online the backend decides, offline every card is accepted", async () => {
  await using t = await ocppStation({
    seed: { "auth.identification": "anyCard" },
    setup: (b) => b.handlers.Authorize = () => ({ idTagInfo: { status: "Invalid" } }),
  });
  await t.booted();
  await present(t, "ANY1");
  await t.next("Authorize", (p) => p.idTag === "ANY1");
  assert.equal(await refusal(t, "ANY1"), "Invalid");
  await offline(t);
  await t.post("/api/sim/rfid", { idTag: "ANY2" });
  assert.equal(await sessionSource(t), "anyCard");
});

Deno.test("identification none: the dummy id is authorized at the backend on plug; offline it starts", async () => {
  await using t = await ocppStation({ seed: { "auth.identification": "none" } });
  await t.booted();
  await t.post("/api/sim/connectors/1/plug");
  const auth = await t.next("Authorize");
  assert.equal(auth.params.idTag, "FREECHARGE");
  const start = await t.next("StartTransaction");
  assert.deepEqual([start.params.idTag, start.params.connectorId], ["FREECHARGE", 1]);
  await offline(t);
  await t.post("/api/sim/connectors/2/plug");
  const s = await t.st.waitFor((s: Json) => s.connectors[1].session !== null);
  assert.equal(s.connectors[1].session.idTag, "FREECHARGE");
});

Deno.test("identification valid card: an unlisted card is checked at the backend while online", async () => {
  await using t = await ocppStation({
    connectors: 1,
    setup: (b) =>
      b.handlers.Authorize = (p: Json) => ({
        idTagInfo: { status: p.idTag === "VALID1" ? "Accepted" : "Invalid" },
      }),
  });
  await t.booted();
  await present(t, "NOPE1");
  assert.equal(await refusal(t, "NOPE1"), "Invalid");
  await t.post("/api/sim/rfid", { idTag: "VALID1" });
  assert.equal(await sessionSource(t), "backend");
  assert.deepEqual(t.backend.of("Authorize").map((c) => c.params.idTag), ["NOPE1", "VALID1"]);
});

Deno.test("the master key starts without asking the backend, online and offline", async () => {
  await using t = await ocppStation({
    setup: (b) => b.handlers.Authorize = () => ({ idTagInfo: { status: "Invalid" } }),
  });
  await t.booted();
  await present(t, "MASTERKEY");
  assert.equal(await sessionSource(t), "masterKey");
  await t.next("StartTransaction", (p) => p.idTag === "MASTERKEY");
  await offline(t);
  await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
  await t.st.waitFor((s: Json) => s.connectors[0].session === null);
  await present(t, "MASTERKEY", 2);
  assert.equal(await sessionSource(t, 2), "masterKey");
  assert.equal(t.backend.of("Authorize").length, 0);
});

Deno.test("a card blocked by SendLocalList is refused offline although the cache accepted it before", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  await chargeOnce(t, "CARD7");
  assert.equal(
    rows(t, "SELECT status FROM auth_cache WHERE id_tag = 'CARD7'")[0]?.status,
    "Accepted",
  );
  assert.equal(await sendLocalList(t, 1, "Full", [entry("CARD7", "Blocked")]), "Accepted");
  await offline(t);
  await present(t, "CARD7");
  assert.equal(await refusal(t, "CARD7"), "Blocked");
  const s = await t.st.api<Json>("/api/status");
  assert.equal(s.body.connectors[0].session, null);
});

Deno.test("ids on the local list are not cached; Start- and StopTransaction answers update the cache", async () => {
  await using t = await ocppStation({
    connectors: 1,
    setup: (b) => {
      b.handlers.StartTransaction = (p: Json) => ({
        transactionId: 41,
        idTagInfo: { status: "Accepted", ...(p.idTag === "CARD8" ? { parentIdTag: "GRP8" } : {}) },
      });
      b.handlers.StopTransaction = (p: Json) => ({
        idTagInfo: { status: p.idTag === "CARD8" ? "Blocked" : "Accepted" },
      });
    },
  });
  await t.booted();
  assert.equal(await sendLocalList(t, 1, "Full", [entry("LISTED8")]), "Accepted");
  await chargeOnce(t, "LISTED8");
  assert.deepEqual(rows(t, "SELECT id_tag FROM auth_cache WHERE id_tag = 'LISTED8'"), []);
  await present(t, "CARD8");
  await t.next("StartTransaction", (p) => p.idTag === "CARD8");
  await eventually(
    () => rows(t, "SELECT parent_id_tag FROM auth_cache WHERE id_tag = 'CARD8'")[0]?.parent_id_tag,
    "the StartTransaction answer cached",
  );
  await t.post("/api/sim/rfid", { idTag: "CARD8" });
  await t.next("StopTransaction", (p) => p.idTag === "CARD8");
  const status = await eventually(() => {
    const r = rows(t, "SELECT status FROM auth_cache WHERE id_tag = 'CARD8'")[0];
    return r?.status === "Blocked" ? r.status : undefined;
  }, "the StopTransaction answer cached");
  assert.equal(status, "Blocked");
});

for (const kind of BACKENDS) {
  Deno.test(`[${kind}] a card of the same parentIdTag stops the session: reason Local, that card's idTag`, async () => {
    await using t = await ocppStation({
      backend: kind,
      connectors: 1,
      setup: (b) =>
        b.handlers.Authorize = (p: Json) => ({
          idTagInfo: {
            status: "Accepted",
            ...(p.idTag === "LONER" ? {} : { parentIdTag: "FLEET" }),
          },
        }),
    });
    await t.booted();
    await present(t, "DRIVER1");
    await t.next("StartTransaction", (p) => p.idTag === "DRIVER1");
    await t.post("/api/sim/rfid", { idTag: "LONER" });
    await t.next("Authorize", (p) => p.idTag === "LONER");
    await t.post("/api/sim/rfid", { idTag: "DRIVER2" });
    const stop = await t.next("StopTransaction");
    assert.deepEqual([stop.params.idTag, stop.params.reason], ["DRIVER2", "Local"]);
    assert.equal(t.backend.of("StopTransaction").length, 1, "LONER stopped nothing");
    assert.deepEqual(t.backend.problems, []);
  });
}
