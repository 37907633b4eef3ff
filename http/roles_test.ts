import assert from "node:assert/strict";
import { ownerMay } from "./security.ts";
import { type Login, testStation } from "./testing.ts";

// deno-lint-ignore no-explicit-any
type Json = any;
const OWNER_PASSWORD = "garage-door-42";

/** Every `/api` route of the app but the simulator's, with its parameters filled in. */
function apiRoutes(app: { routes: { method: string; path: string }[] }) {
  const seen = new Set<string>();
  return app.routes
    .filter((r) => r.path.startsWith("/api/") && !r.path.startsWith("/api/sim"))
    .filter((r) => r.method !== "ALL")
    .map((r) => ({ method: r.method, path: r.path.replace(/:[a-zA-Z]+/g, "x") }))
    .filter((r) => {
      const key = `${r.method} ${r.path}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

async function ownerLogin(t: Awaited<ReturnType<typeof testStation>>): Promise<Login> {
  const res = await t.request("/api/login", {
    json: { user: "owner", password: OWNER_PASSWORD },
  });
  assert.equal(res.status, 200, await res.clone().text());
  const body = await res.json();
  assert.equal(body.role, "owner");
  return { cookie: res.headers.get("set-cookie")!.split(";")[0]!, csrfToken: body.csrfToken };
}

Deno.test("every /api route checks the role: anonymous 401, the owner only the owner's routes, the installer all", async () => {
  await using t = await testStation();
  const installer = await t.login();
  const created = await t.request("/api/users/owner", {
    method: "PUT",
    as: installer,
    json: { password: OWNER_PASSWORD, repeatPassword: OWNER_PASSWORD },
  });
  assert.equal(created.status, 201);
  const owner = await ownerLogin(t);
  const routes = apiRoutes(t.app);
  assert.ok(routes.length > 30, `${routes.length} routes`);
  const init = (method: string, as?: Login) => ({
    method,
    ...(as ? { as } : {}),
    ...(method === "GET" || method === "DELETE" ? {} : { json: {} }),
  });
  const open = (m: string, p: string) =>
    (m === "POST" && p === "/api/login") || (m === "GET" && p === "/api/session") ||
    (m === "GET" && p === "/api/status"); // open in simulation only
  const refusals: string[] = [];
  for (const r of routes) {
    const anonymous = await t.request(r.path, init(r.method));
    if (!open(r.method, r.path) && anonymous.status !== 401) {
      refusals.push(`anonymous ${r.method} ${r.path}: ${anonymous.status}`);
    }
    await anonymous.body?.cancel();
  }
  for (const r of routes) {
    if (r.method === "POST" && r.path === "/api/logout") continue;
    const res = await t.request(r.path, init(r.method, owner));
    const body = res.status === 403 ? await res.json() : (await res.body?.cancel(), null);
    const forbidden = res.status === 403 && body?.issues?.[0]?.code === "forbidden";
    if (ownerMay(r.method, r.path) === forbidden) {
      refusals.push(`owner ${r.method} ${r.path}: ${res.status} ${JSON.stringify(body)}`);
    }
  }
  for (const r of routes) {
    if (r.path === "/api/users/x" || r.path === "/api/logout") continue;
    const res = await t.request(r.path, init(r.method, installer));
    const body = res.status === 403 ? await res.json() : (await res.body?.cancel(), null);
    if (res.status === 403 && body?.issues?.[0]?.code === "forbidden") {
      refusals.push(`installer ${r.method} ${r.path}: forbidden`);
    }
  }
  assert.deepEqual(refusals, []);
});

Deno.test("owner: the charging current up to the installer's maximum, nothing else; own password; the audit log says who", async () => {
  await using t = await testStation({ settings: { "time.zone": "UTC" } });
  const installer = await t.login();
  assert.equal(
    (await t.request("/api/login", { json: { user: "owner", password: OWNER_PASSWORD } })).status,
    401,
    "no owner account before the installer makes one",
  );
  const weak = await t.request("/api/users/owner", {
    method: "PUT",
    as: installer,
    json: { password: "short", repeatPassword: "other" },
  });
  assert.equal(weak.status, 400);
  const issues = (await weak.json()).issues.map((i: Json) => `${i.field}:${i.code}`);
  assert.ok(issues.includes("password:too_short") && issues.includes("repeatPassword:mismatch"));
  await t.request("/api/users/owner", {
    method: "PUT",
    as: installer,
    json: { password: OWNER_PASSWORD, repeatPassword: OWNER_PASSWORD },
  });
  await t.request("/api/settings", {
    method: "PUT",
    as: installer,
    json: { values: { "power.ownerMaxCurrentMa": 16_000, "ocpp.authorizationKey": "s3cret" } },
  });
  await t.request("/api/login", { json: { user: "owner", password: "wrong-password-1" } });
  const owner = await ownerLogin(t);

  const other = await t.request("/api/settings", {
    method: "PUT",
    as: owner,
    json: { values: { "modbus.port": 1502, "power.stationMaxCurrentMa": 10_000 } },
  });
  assert.equal(other.status, 403);
  assert.deepEqual((await other.json()).issues.map((i: Json) => i.field), ["modbus.port"]);
  const above = await t.request("/api/settings", {
    method: "PUT",
    as: owner,
    json: { values: { "power.stationMaxCurrentMa": 20_000 } },
  });
  assert.equal(above.status, 400);
  assert.equal((await above.json()).issues[0].code, "above_owner_max");
  const ok = await t.request("/api/settings", {
    method: "PUT",
    as: owner,
    json: { values: { "power.stationMaxCurrentMa": 12_000 } },
  });
  assert.equal(ok.status, 200);
  assert.equal(t.settings.get("power.stationMaxCurrentMa"), 12_000);
  const saved = await t.request("/api/whitelist", {
    method: "PUT",
    as: owner,
    json: {
      entries: [{ uid: "MASTERKEY", authorization: "accepted" }, {
        uid: "GARAGE01",
        authorization: "accepted",
      }],
    },
  });
  assert.equal(saved.status, 200);
  assert.equal((await t.request("/metrics", { as: owner })).status, 401, "no metrics for owners");
  const changed = await t.request("/api/password", {
    method: "POST",
    as: owner,
    json: {
      oldPassword: OWNER_PASSWORD,
      newPassword: "garage-door-43",
      repeatPassword: "garage-door-43",
    },
  });
  assert.equal(changed.status, 204);
  assert.equal((await t.request("/api/session", { as: installer })).status, 200, "installer stays");
  assert.equal(
    (await t.request("/api/login", { json: { user: "admin", password: "24110001" } })).status,
    200,
    "the owner's change leaves the installer's password",
  );

  const audit = await (await t.request("/api/audit?pageSize=200", { as: installer })).json();
  const lines = audit.entries.map((e: Json) =>
    [e.actor, e.action, e.target, e.oldValue, e.newValue].join(" ")
  );
  for (
    const expected of [
      "installer userCreated owner  ",
      "installer setting power.ownerMaxCurrentMa 63000 16000",
      "installer setting ocpp.authorizationKey (empty) (set)",
      "owner loginFailed owner  ",
      "owner login owner  ",
      "owner setting power.stationMaxCurrentMa 63000 12000",
      "owner whitelist listVersion 1  ",
      "owner password owner  ",
    ]
  ) assert.ok(lines.includes(expected), `${expected} in\n${lines.join("\n")}`);
  assert.ok(!JSON.stringify(audit).includes("s3cret"), "secrets never in the audit log");
  const wl = audit.entries.find((e: Json) => e.action === "whitelist");
  assert.match(wl.detail, /added 1: GARAGE01/);
  const byOwner = await (await t.request("/api/audit?actor=owner", { as: installer })).json();
  assert.ok(byOwner.entries.every((e: Json) => e.actor === "owner") && byOwner.total >= 5);
  const csv = await (await t.request("/api/audit.csv?actor=owner", { as: installer })).text();
  assert.match(csv, /^time,actor,action,target,old,new,detail\r\n/);
  assert.match(csv, /owner,setting,power\.stationMaxCurrentMa,63000,12000,/);
  const bad = await t.request("/api/audit?actor=nobody", { as: installer });
  assert.equal(bad.status, 400);

  const removed = await t.request("/api/users/owner", { method: "DELETE", as: installer });
  assert.equal(removed.status, 204);
  assert.equal((await t.request("/api/session", { as: owner })).status, 401, "sessions end");
  assert.equal(
    (await t.request("/api/users/owner", { method: "DELETE", as: installer })).status,
    404,
  );
});
