import assert from "node:assert/strict";
import { ManualClock } from "../../drivers/clock.ts";
import { Settings } from "../settings/mod.ts";
import type { SettingsStorage } from "../store/settings_store.ts";
import {
  hashPassword,
  LoginThrottle,
  matchesHash,
  type PasswordContext,
  passwordIssues,
  PasswordRuleError,
  resetPassword,
  setPassword,
  verifyPassword,
  webPasswordSetter,
  WebSessions,
} from "./mod.ts";

function memoryStorage(): SettingsStorage & { rows: Record<string, unknown> } {
  const rows: Record<string, unknown> = {};
  return {
    rows,
    load: () => Promise.resolve({ ...rows }),
    save(values, reset) {
      for (const k of reset) delete rows[k];
      Object.assign(rows, values);
      return Promise.resolve();
    },
  };
}

async function context(factoryPassword?: string): Promise<PasswordContext> {
  const { settings } = await Settings.open(memoryStorage(), {
    serial: "24110001",
    connectors: 2,
    hardware: "sim",
    masterKey: "MASTERKEY",
  });
  return { settings, serial: "24110001", factoryPassword };
}

Deno.test("without a factory password the serial is the password until it is changed", async () => {
  const ctx = await context();
  assert.equal(await verifyPassword(ctx, "24110001"), true);
  assert.equal(await verifyPassword(ctx, "2411000"), false);
  assert.equal(await verifyPassword(ctx, ""), false);
  await setPassword(ctx, "Wallbox2026x");
  assert.equal(await verifyPassword(ctx, "24110001"), false, "the serial is no longer valid");
  assert.equal(await verifyPassword(ctx, "Wallbox2026x"), true);
  assert.match(ctx.settings.get("webui.passwordHash"), /^scrypt\$16384\$8\$1\$/);
  await resetPassword(ctx);
  assert.equal(await verifyPassword(ctx, "24110001"), true, "reset brings the serial back");
});

Deno.test("with a factory password only that is valid, never the serial", async () => {
  const ctx = await context("Lbl-7f3k9Q");
  assert.equal(await verifyPassword(ctx, "Lbl-7f3k9Q"), true);
  assert.equal(await verifyPassword(ctx, "24110001"), false);
  await setPassword(ctx, "Wallbox2026x");
  assert.equal(await verifyPassword(ctx, "Lbl-7f3k9Q"), false);
  assert.equal(await verifyPassword(ctx, "Wallbox2026x"), true);
});

Deno.test("passwordIssues() names every broken rule with a stable code", () => {
  const facts = { serial: "2411000123", factoryPassword: "Factory1234" };
  const codes = (pw: string) => passwordIssues(pw, facts).map((i) => i.code);
  assert.deepEqual(codes("Wallbox2026x"), []);
  assert.deepEqual(codes("short1"), ["too_short"]);
  assert.deepEqual(codes("onlyletters"), ["needs_digit"]);
  assert.deepEqual(codes("1234567890"), ["needs_letter"]);
  assert.deepEqual(codes("2411000123"), ["needs_letter", "is_serial"]);
  assert.deepEqual(codes("Factory1234"), ["is_factory_password"]);
  assert.deepEqual(codes("myAdmin12345"), ["contains_admin"]);
  assert.deepEqual(codes("a1".repeat(65)), ["too_long"]);
  assert.equal(passwordIssues("x", facts)[0]?.field, "newPassword");
});

Deno.test("setPassword() refuses a password breaking the rule and keeps the old one", async () => {
  const ctx = await context();
  await assert.rejects(() => setPassword(ctx, "admin12345678"), PasswordRuleError);
  assert.equal(ctx.settings.get("webui.passwordHash"), "");
});

Deno.test("hashPassword() salts: two hashes of one password differ and both match", async () => {
  const a = await hashPassword("Wallbox2026x");
  const b = await hashPassword("Wallbox2026x");
  assert.notEqual(a, b);
  assert.equal(await matchesHash("Wallbox2026x", a), true);
  assert.equal(await matchesHash("Wallbox2026y", b), false);
  assert.equal(await matchesHash("Wallbox2026x", "garbage"), false);
  assert.equal(await matchesHash("Wallbox2026x", "scrypt$x$8$1$AAAA$AAAA"), false);
});

Deno.test("WebSessions expire after 30 min idle and 12 h in all; use keeps them alive", () => {
  const clock = new ManualClock(1_000_000);
  const sessions = new WebSessions({ clock });
  const s = sessions.create("admin");
  assert.equal(s.id.length, 43, "32 bytes base64url");
  assert.notEqual(s.id, s.csrfToken);
  clock.advance(29 * 60_000);
  assert.ok(sessions.touch(s.id));
  clock.advance(29 * 60_000);
  assert.ok(sessions.touch(s.id), "used within the idle time");
  clock.advance(30 * 60_000);
  assert.equal(sessions.touch(s.id), undefined, "idle too long");

  const t = sessions.create("admin");
  for (let i = 0; i < 25; i++) {
    clock.advance(29 * 60_000);
    sessions.touch(t.id);
  }
  assert.equal(sessions.touch(t.id), undefined, "older than 12 h");
  assert.equal(sessions.touch(undefined), undefined);
  assert.equal(sessions.touch("unknown"), undefined);
});

Deno.test("WebSessions.deleteAllExcept() keeps one session; the oldest goes beyond max", () => {
  const clock = new ManualClock(0);
  const sessions = new WebSessions({ clock, max: 3 });
  const ids = [1, 2, 3, 4].map(() => {
    clock.advance(1000);
    return sessions.create("admin").id;
  });
  assert.equal(sessions.size, 3);
  assert.equal(sessions.touch(ids[0]), undefined, "the least recently used was dropped");
  assert.equal(sessions.deleteAllExcept(ids[3]), 2);
  assert.ok(sessions.touch(ids[3]));
  assert.equal(sessions.delete(ids[3]!), true);
  assert.equal(sessions.size, 0);
});

Deno.test("LoginThrottle: 3 free failures, then 1, 2, 4 s ... at most 60 s; success forgets", () => {
  const clock = new ManualClock(0);
  const throttle = new LoginThrottle({ clock });
  const a = "10.0.0.1";
  for (let i = 0; i < 2; i++) {
    throttle.failed(a);
    assert.equal(throttle.retryAfterS(a), 0);
  }
  throttle.failed(a);
  assert.equal(throttle.retryAfterS(a), 1);
  clock.advance(1000);
  assert.equal(throttle.retryAfterS(a), 0);
  throttle.failed(a);
  assert.equal(throttle.retryAfterS(a), 2);
  assert.equal(throttle.retryAfterS("10.0.0.2"), 0, "other addresses are not held up");
  assert.deepEqual([3, 4, 5, 8, 9, 20].map((n) => throttle.delayS(n)), [1, 2, 4, 32, 60, 60]);
  throttle.succeeded(a);
  assert.equal(throttle.retryAfterS(a), 0);
});

Deno.test("LoginThrottle forgets an address after 15 quiet minutes", () => {
  const clock = new ManualClock(0);
  const throttle = new LoginThrottle({ clock });
  for (let i = 0; i < 8; i++) throttle.failed("a");
  assert.equal(throttle.retryAfterS("a"), 32);
  clock.advance(15 * 60_000);
  assert.equal(throttle.retryAfterS("a"), 0);
  throttle.failed("a");
  assert.equal(throttle.retryAfterS("a"), 0, "counting starts afresh");
});

Deno.test("webPasswordSetter() sets a password for OCPP, false when the rule refuses it", async () => {
  const ctx = await context();
  let changes = 0;
  const reset = webPasswordSetter(ctx, () => changes++);
  assert.equal(await reset("short"), false);
  assert.equal(changes, 0);
  assert.equal(await reset("Backend2026pw"), true);
  assert.equal(changes, 1);
  assert.equal(await verifyPassword(ctx, "Backend2026pw"), true);
  assert.equal(await verifyPassword(ctx, "24110001"), false);
});
