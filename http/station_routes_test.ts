import assert from "node:assert/strict";
import { sql } from "kysely";
import { json, testStation, waitUntil } from "./testing.ts";

Deno.test("GET /api/info tells station facts, versions, addresses and time", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const info = await json(await t.request("/api/info", { as: admin }));
  assert.equal(info.serial, "24110001");
  assert.equal(info.model, "LW-AC22-2");
  assert.equal(info.vendor, "ladewerk");
  assert.equal(info.chargeBoxId, "TE24110001");
  assert.equal(info.versions.app, "0.1.0");
  assert.match(info.versions.os, /simulation/);
  assert.deepEqual(
    info.versions.controllers.map((c: { firmwareVersion: string }) => c.firmwareVersion),
    [
      "1.0.0-sim",
      "1.0.0-sim",
    ],
  );
  assert.ok(info.addresses.some((a: { address: string }) => a.address === "127.0.0.1"));
  assert.equal(info.timeSource, "NTP");
  assert.equal(info.timeValid, true, "a simulated station runs on the host clock");
  assert.ok(Math.abs(Date.parse(info.time) - Date.now()) < 5000);
  assert.equal(typeof info.uptimeS, "number");
});

Deno.test("GET /api/modules lists controllers and meters", async () => {
  await using t = await testStation({ connectors: 1 });
  const admin = await t.login();
  const body = await json(await t.request("/api/modules", { as: admin }));
  assert.deepEqual(body.controllers, [{
    connectorId: 1,
    model: "SIM-CC",
    firmwareVersion: "1.0.0-sim",
    serial: "SIM-CC-0001",
    maxCurrentMa: 32000,
  }]);
  assert.equal(body.meters.length, 1);
  assert.equal(body.meters[0].connectorId, 1);
  assert.equal(body.flash.state, "idle");
});

Deno.test("POST /api/modules/flash is refused while a session runs, else flashes", async () => {
  await using t = await testStation();
  const admin = await t.login();
  await t.request("/api/sim/connectors/2/plug", { method: "POST" });
  await t.request("/api/sim/rfid", { json: { idTag: "MASTERKEY" } });
  await t.station.settled();
  const busy = await t.request("/api/modules/flash", { method: "POST", as: admin });
  assert.equal(busy.status, 409);
  const e = await json(busy);
  assert.equal(e.field, "sessions");
  assert.match(e.reason, /charge point 2/);

  await t.request("/api/sim/connectors/2/unplug", { method: "POST" });
  await t.station.settled();
  const res = await t.request("/api/modules/flash", { method: "POST", as: admin });
  assert.equal(res.status, 202);
  assert.equal((await json(res)).flash.state, "flashing");
  const again = await t.request("/api/modules/flash", { method: "POST", as: admin });
  assert.equal(again.status, 409);
  assert.equal((await json(again)).field, "flash");
  await waitUntil(
    async () => (await json(await t.request("/api/modules", { as: admin }))).flash.state === "done",
    "the flash to finish",
  );
});

Deno.test("POST /api/time/sync sets the station clock once the source is Browser", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const target = Date.UTC(2031, 5, 1, 12, 0, 0);
  const wrongSource = await t.request("/api/time/sync", { as: admin, json: { timeMs: target } });
  assert.equal(wrongSource.status, 409);
  assert.equal((await json(wrongSource)).field, "time.source");

  await t.settings.set({ "time.source": "Browser" });
  for (const body of [{}, { timeMs: "now" }, { timeMs: 5 }, { timeMs: 1.5e12 + 0.5 }]) {
    const res = await t.request("/api/time/sync", { as: admin, json: body });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal((await json(res)).field, "timeMs");
  }
  const res = await t.request("/api/time/sync", { as: admin, json: { timeMs: target } });
  assert.equal(res.status, 204);
  assert.ok(Math.abs(t.stationClock.nowMs() - target) < 1000);
  const info = await json(await t.request("/api/info", { as: admin }));
  assert.ok(Math.abs(Date.parse(info.time) - target) < 1000);
  assert.ok(Math.abs(info.clockOffsetMs - (target - Date.now())) < 1000);
});

Deno.test("POST /api/time/sync is refused without an adjustable clock", async () => {
  await using t = await testStation({
    settings: { "time.source": "Browser" },
    deps: { timeSync: undefined },
  });
  const admin = await t.login();
  const res = await t.request("/api/time/sync", { as: admin, json: { timeMs: Date.now() } });
  assert.equal(res.status, 409);
  assert.equal((await json(res)).code, "not_supported");
});

Deno.test("POST /api/admin/restart answers 202 and then restarts", async () => {
  await using t = await testStation();
  const admin = await t.login();
  for (const bad of [{}, { kind: "hard" }]) {
    const res = await t.request("/api/admin/restart", { as: admin, json: bad });
    assert.equal(res.status, 400);
    assert.equal((await json(res)).field, "kind");
  }
  const res = await t.request("/api/admin/restart", { as: admin, json: { kind: "daemon" } });
  assert.equal(res.status, 202);
  assert.deepEqual(t.restarts, [], "the answer comes first");
  await waitUntil(() => t.restarts.length === 1, "the restart");
  assert.deepEqual(t.restarts, ["daemon"]);
  await t.request("/api/admin/restart", { as: admin, json: { kind: "system" } });
  await waitUntil(() => t.restarts.length === 2, "the second restart");
  assert.deepEqual(t.restarts, ["daemon", "system"]);
});

Deno.test("POST /api/admin/restart is refused where nothing can restart", async () => {
  await using t = await testStation({ deps: { control: undefined } });
  const admin = await t.login();
  const res = await t.request("/api/admin/restart", { as: admin, json: { kind: "daemon" } });
  assert.equal(res.status, 409);
});

Deno.test("factory reset: settings, whitelist (master key stays), password back; then a system restart", async () => {
  await using t = await testStation();
  let admin = await t.login();
  await t.request("/api/password", {
    as: admin,
    json: { oldPassword: "24110001", newPassword: "Wallbox2026x", repeatPassword: "Wallbox2026x" },
  });
  await t.request("/api/settings", {
    method: "PUT",
    as: admin,
    json: { values: { "power.stationMaxCurrentMa": 16_000, "ocpp.url": "ws://x.example/ocpp" } },
  });
  await t.request("/api/whitelist", {
    method: "PUT",
    as: admin,
    json: { entries: [{ uid: "CARD1", authorization: "accepted" }] },
  });
  const refused = await t.request("/api/admin/factory-reset", {
    as: admin,
    json: { confirm: "yes" },
  });
  assert.equal(refused.status, 400);
  assert.match((await json(refused)).reason, /RESET/);
  assert.equal(t.settings.get("power.stationMaxCurrentMa"), 16_000);

  const res = await t.request("/api/admin/factory-reset", {
    as: admin,
    json: { confirm: "RESET" },
  });
  assert.equal(res.status, 202);
  assert.equal(t.settings.get("power.stationMaxCurrentMa"), 63_000);
  assert.equal(t.settings.get("ocpp.url"), "");
  assert.equal(t.settings.get("webui.passwordHash"), "");
  const list = await t.store.whitelist.all();
  assert.deepEqual(list.map((e) => e.uid), ["MASTERKEY"]);
  assert.equal(await t.store.getMeta("localList.version"), "0");
  assert.equal((await t.request("/api/session", { as: admin })).status, 401, "sessions end");
  await waitUntil(() => t.restarts.length === 1, "the restart");
  assert.deepEqual(t.restarts, ["system"]);
  admin = await t.login("24110001");
  assert.ok(admin.csrfToken, "the serial is the password again");
});

Deno.test("factory reset refuses while transaction messages are undelivered, lists them, and clears cache, profiles, reservations, availability", async () => {
  await using t = await testStation({
    connectors: 1,
    settings: { "ocpp.url": "ws://127.0.0.1:9/ocpp" },
  });
  const admin = await t.login();
  // A session while the backend is unreachable: it owes StartTransaction and StopTransaction.
  t.hardware.plug(1);
  t.hardware.presentCard("MASTERKEY");
  await waitUntil(() => t.station.state.connectors[0]!.session !== null, "a session");
  t.hardware.unplug(1);
  await waitUntil(async () => (await t.store.undelivered()).length === 1, "owed messages");
  await sql`INSERT INTO auth_cache (id_tag, status, updated_at) VALUES ('C1', 'Accepted', 1)`
    .execute(t.store.db);
  await sql`INSERT INTO reservations (id, connector_id, id_tag, expires_at, created_at)
    VALUES (5, 1, 'R', ${Date.now() + 3_600_000}, 1)`.execute(t.store.db);
  await t.store.setMeta("availability.1", "Inoperative");

  const refused = await t.request("/api/admin/factory-reset", {
    as: admin,
    json: { confirm: "RESET" },
  });
  assert.equal(refused.status, 409);
  const why = await json(refused);
  assert.equal(why.field, "dropUndelivered");
  assert.match(why.reason, /session 1 \(charge point 1, .*\): StartTransaction, StopTransaction/);
  assert.equal(t.settings.get("ocpp.url"), "ws://127.0.0.1:9/ocpp", "nothing was reset");

  const res = await t.request("/api/admin/factory-reset", {
    as: admin,
    json: { confirm: "RESET", dropUndelivered: true },
  });
  assert.equal(res.status, 202);
  assert.deepEqual(await t.store.undelivered(), []);
  for (const table of ["auth_cache", "reservations", "charging_profiles"]) {
    const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(table)}`
      .execute(t.store.db);
    assert.equal(Number(rows[0]!.n), 0, table);
  }
  assert.equal(await t.store.getMeta("availability.1"), undefined);
  const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM sessions`.execute(t.store.db);
  assert.equal(Number(rows[0]!.n), 1, "the session record itself stays");
});

Deno.test("DELETE /api/cluster/members/:member maps the adapter's answer: 204, 404, 409", async () => {
  const answers: Record<string, "forgotten" | "unknown" | "online"> = {
    "1002": "forgotten",
    "1003": "online",
  };
  const asked: string[] = [];
  await using t = await testStation({
    deps: {
      cluster: {
        forget: (m) => {
          asked.push(m);
          return answers[m] ?? "unknown";
        },
      },
    },
  });
  const admin = await t.login();
  const forget = (m: string) =>
    t.request(`/api/cluster/members/${m}`, { as: admin, method: "DELETE" });
  assert.equal((await forget("1002")).status, 204);
  const online = await forget("1003");
  assert.equal(online.status, 409);
  assert.equal((await json(online)).code, "online");
  const unknown = await forget("9999");
  assert.equal(unknown.status, 404);
  assert.equal((await json(unknown)).field, "member");
  assert.deepEqual(asked, ["1002", "1003", "9999"]);
  assert.equal((await t.request("/api/cluster/members/1002", { method: "DELETE" })).status, 401);
});

Deno.test("DELETE /api/cluster/members/:member on a station that is no master: 409", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const res = await t.request("/api/cluster/members/1002", { as: admin, method: "DELETE" });
  assert.equal(res.status, 409);
  assert.equal((await json(res)).code, "not_master");
});
