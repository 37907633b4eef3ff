import assert from "node:assert/strict";
import { json, testStation } from "./testing.ts";

Deno.test("login with the serial sets a strict session cookie; GET /api/session tells the CSRF token", async () => {
  await using t = await testStation();
  const res = await t.request("/api/login", { json: { user: "admin", password: "24110001" } });
  assert.equal(res.status, 200);
  const body = await json(res);
  assert.equal(body.user, "admin");
  assert.equal(typeof body.csrfToken, "string");
  assert.equal(body.passwordChanged, false);
  const cookie = res.headers.get("set-cookie") ?? "";
  assert.match(cookie, /^lw_session=[A-Za-z0-9_-]{43};/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  assert.match(cookie, /Secure/, "localhost counts as secure");
  assert.match(cookie, /Path=\//);

  const session = await t.request("/api/session", {
    as: { cookie: cookie.split(";")[0]!, csrfToken: "" },
  });
  assert.equal(session.status, 200);
  const s = await json(session);
  assert.equal(s.csrfToken, body.csrfToken);
  assert.equal(Date.parse(s.expiresAt), t.webClock.nowMs() + 30 * 60_000);
});

Deno.test("the cookie is not Secure over plain HTTP to another host, Secure over HTTPS", async () => {
  await using t = await testStation();
  const login = (url: string) =>
    t.app.request(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user: "admin", password: "24110001" }),
    }, { remoteAddr: { hostname: "10.0.0.9" } });
  const plain = await login("http://192.168.32.1/api/login");
  assert.doesNotMatch(plain.headers.get("set-cookie") ?? "", /Secure/);
  const tls = await login("https://192.168.32.1/api/login");
  assert.match(tls.headers.get("set-cookie") ?? "", /Secure/);
});

Deno.test("a wrong password or user is refused with 401 on the password field", async () => {
  await using t = await testStation();
  for (
    const body of [{ user: "admin", password: "24110002" }, { user: "root", password: "24110001" }]
  ) {
    const res = await t.request("/api/login", { json: body });
    assert.equal(res.status, 401);
    const e = await json(res);
    assert.equal(e.field, "password");
    assert.equal(e.code, "wrong_credentials");
    assert.equal(res.headers.get("set-cookie"), null);
  }
  const events = await t.store.events.list({ kind: "webui" });
  assert.equal(events.filter((e) => e.code === "LoginFailed").length, 2);
});

Deno.test("login refuses malformed bodies with the field", async () => {
  await using t = await testStation();
  const cases: [unknown, string][] = [
    [{ user: "admin" }, "password"],
    [{ user: "admin", password: 12 }, "password"],
    [{ password: "x" }, "user"],
    [{ user: "admin", password: "x", extra: 1 }, ""],
  ];
  for (const [body, field] of cases) {
    const res = await t.request("/api/login", { json: body });
    assert.equal(res.status, 400, JSON.stringify(body));
    const e = await json(res);
    assert.equal(e.field, field);
    assert.equal(typeof e.code, "string");
  }
  const bad = await t.request("/api/login", { method: "POST", body: "{nope" });
  assert.equal(bad.status, 400);
  assert.equal((await json(bad)).field, "body");
});

Deno.test("with a factory password only it logs in; the serial never does", async () => {
  await using t = await testStation({ factoryPassword: "Lbl-7f3k9Q2" });
  const serial = await t.request("/api/login", { json: { user: "admin", password: "24110001" } });
  assert.equal(serial.status, 401);
  t.webClock.advance(60_000);
  const factory = await t.request("/api/login", {
    json: { user: "admin", password: "Lbl-7f3k9Q2" },
  });
  assert.equal(factory.status, 200);
});

Deno.test("every API route needs a session; in simulation status and simulator stay open", async () => {
  await using t = await testStation();
  const closed = [
    ["GET", "/api/session"],
    ["GET", "/api/events"],
    ["GET", "/api/info"],
    ["GET", "/api/settings"],
    ["PUT", "/api/settings"],
    ["GET", "/api/whitelist"],
    ["GET", "/api/whitelist.csv"],
    ["GET", "/api/diagnostics"],
    ["POST", "/api/software/update"],
    ["POST", "/api/admin/restart"],
    ["GET", "/api/nope"],
  ];
  for (const [method, path] of closed) {
    const res = await t.request(path!, { method });
    assert.equal(res.status, 401, `${method} ${path}`);
    assert.equal((await json(res)).field, "session");
  }
  assert.equal((await t.request("/api/status")).status, 200);
  assert.equal((await t.request("/api/sim/faults")).status, 200);
  const plug = await t.request("/api/sim/connectors/1/plug", { method: "POST" });
  assert.equal(plug.status, 200, "the simulator needs no CSRF token either");
});

Deno.test("without the simulator GET /api/status needs a session too", async () => {
  await using t = await testStation({ sim: false });
  assert.equal((await t.request("/api/status")).status, 401);
  assert.equal((await t.request("/api/sim/faults")).status, 401);
  const admin = await t.login();
  assert.equal((await t.request("/api/status", { as: admin })).status, 200);
  assert.equal((await t.request("/api/sim/faults", { as: admin })).status, 404);
});

Deno.test("state changes without the right CSRF token are refused with 403", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const cases: [string, string, Record<string, string>][] = [
    ["POST", "/api/logout", {}],
    ["POST", "/api/logout", { "x-csrf-token": "wrong" }],
    ["PUT", "/api/settings", { "x-csrf-token": "" }],
    ["POST", "/api/admin/restart", { "x-csrf-token": admin.csrfToken.slice(1) }],
    ["DELETE", "/api/whitelist", {}],
  ];
  for (const [method, path, headers] of cases) {
    const res = await t.request(path, {
      method,
      headers: { cookie: admin.cookie, ...headers },
      body: "{}",
    });
    assert.equal(res.status, 403, `${method} ${path}`);
    const e = await json(res);
    assert.equal(e.field, "X-CSRF-Token");
    assert.equal(e.code, "csrf");
  }
  assert.equal((await t.request("/api/session", { as: admin })).status, 200, "still logged in");
  assert.deepEqual(t.restarts, []);
});

Deno.test("sessions end after 30 idle minutes and after 12 hours in all", async () => {
  await using t = await testStation();
  const admin = await t.login();
  t.webClock.advance(29 * 60_000);
  assert.equal((await t.request("/api/info", { as: admin })).status, 200);
  t.webClock.advance(29 * 60_000);
  assert.equal((await t.request("/api/info", { as: admin })).status, 200, "used, so alive");
  t.webClock.advance(30 * 60_000);
  assert.equal((await t.request("/api/info", { as: admin })).status, 401, "idle too long");

  const busy = await t.login();
  for (let minutes = 0; minutes < 12 * 60 - 20; minutes += 20) {
    t.webClock.advance(20 * 60_000);
    assert.equal((await t.request("/api/session", { as: busy })).status, 200, `${minutes}`);
  }
  t.webClock.advance(20 * 60_000);
  assert.equal((await t.request("/api/session", { as: busy })).status, 401, "over 12 h");
});

Deno.test("logout ends the session on the server and clears the cookie", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const other = await t.login();
  const res = await t.request("/api/logout", { method: "POST", as: admin });
  assert.equal(res.status, 204);
  assert.match(res.headers.get("set-cookie") ?? "", /lw_session=;.*Max-Age=0/);
  assert.equal((await t.request("/api/session", { as: admin })).status, 401);
  assert.equal((await t.request("/api/session", { as: other })).status, 200, "others stay");
});

Deno.test("failed logins are throttled per address: 1 s after the third, growing, 429 with Retry-After", async () => {
  await using t = await testStation();
  const attempt = (password: string, from = "10.0.0.5") =>
    t.request("/api/login", { json: { user: "admin", password }, from });
  for (let i = 0; i < 3; i++) assert.equal((await attempt("wrong")).status, 401);
  const held = await attempt("24110001");
  assert.equal(held.status, 429, "even the right password waits");
  assert.equal(held.headers.get("retry-after"), "1");
  const e = await json(held);
  assert.equal(e.code, "throttled");
  assert.equal(e.issues[0].params.retryAfterS, 1);
  assert.equal((await attempt("24110001", "10.0.0.6")).status, 200, "another address");

  t.webClock.advance(1000);
  assert.equal((await attempt("wrong")).status, 401);
  const longer = await attempt("wrong");
  assert.equal(longer.status, 429);
  assert.equal(longer.headers.get("retry-after"), "2");
  t.webClock.advance(2000);
  assert.equal((await attempt("24110001")).status, 200);
  assert.equal((await attempt("wrong")).status, 401, "success forgot the failures");
});

Deno.test("password change: per-field refusals, then 204, other sessions end, new password logs in", async () => {
  await using t = await testStation({ serial: "2411000123" });
  const admin = await t.login();
  const other = await t.login();
  const change = (body: unknown) => t.request("/api/password", { json: body, as: admin });

  const refused = await change({
    oldPassword: "wrong",
    newPassword: "admin",
    repeatPassword: "admin2",
  });
  assert.equal(refused.status, 400);
  const issues = (await json(refused)).issues as { field: string; code: string }[];
  assert.deepEqual(issues.map((i) => `${i.field}:${i.code}`), [
    "oldPassword:wrong_password",
    "newPassword:too_short",
    "newPassword:needs_digit",
    "newPassword:contains_admin",
    "repeatPassword:mismatch",
  ]);
  t.webClock.advance(60_000);
  const serialAsNew = await change({
    oldPassword: "2411000123",
    newPassword: "2411000123",
    repeatPassword: "2411000123",
  });
  assert.deepEqual(
    (await json(serialAsNew)).issues.map((i: { code: string }) => i.code),
    ["needs_letter", "is_serial"],
  );
  const missing = await change({ oldPassword: "2411000123" });
  assert.equal(missing.status, 400);
  assert.equal((await json(missing)).field, "newPassword");

  const ok = await change({
    oldPassword: "2411000123",
    newPassword: "Wallbox2026x",
    repeatPassword: "Wallbox2026x",
  });
  assert.equal(ok.status, 204);
  assert.equal((await t.request("/api/session", { as: admin })).status, 200, "this one stays");
  assert.equal((await t.request("/api/session", { as: other })).status, 401, "others end");
  assert.match(t.settings.get("webui.passwordHash"), /^scrypt\$/);

  const old = await t.request("/api/login", { json: { user: "admin", password: "2411000123" } });
  assert.equal(old.status, 401);
  const again = await t.login("Wallbox2026x");
  const s = await json(await t.request("/api/session", { as: again }));
  assert.equal(s.passwordChanged, true);
});

Deno.test("a login replaces the session its cookie names", async () => {
  await using t = await testStation();
  const first = await t.login();
  const res = await t.request("/api/login", {
    json: { user: "admin", password: "24110001" },
    headers: { cookie: first.cookie },
  });
  assert.equal(res.status, 200);
  assert.equal((await t.request("/api/session", { as: first })).status, 401);
});
