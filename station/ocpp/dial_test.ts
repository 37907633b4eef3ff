import assert from "node:assert/strict";
import { dialUrl, RECONNECT_CAP_MS, reconnectDelayMs, retryDelayMs } from "./dial.ts";

Deno.test("dialUrl() appends the charge box id once", () => {
  assert.equal(dialUrl("ws://cs.example/ocpp", "TE4711"), "ws://cs.example/ocpp/TE4711");
  assert.equal(dialUrl("ws://cs.example/ocpp/", "TE4711"), "ws://cs.example/ocpp/TE4711");
  assert.equal(dialUrl("ws://cs.example", "TE4711"), "ws://cs.example/TE4711");
});

Deno.test("dialUrl() keeps a URL that already ends with the charge box id", () => {
  assert.equal(dialUrl("ws://cs.example/ocpp/TE4711", "TE4711"), "ws://cs.example/ocpp/TE4711");
  assert.equal(dialUrl("ws://cs.example/ocpp/TE4711/", "TE4711"), "ws://cs.example/ocpp/TE4711");
  assert.equal(dialUrl("wss://h/a%20b", "a b"), "wss://h/a%20b");
  // A host that happens to equal the id is no path segment.
  assert.equal(dialUrl("ws://TE4711", "TE4711"), "ws://TE4711/TE4711");
});

Deno.test("dialUrl() percent-encodes the id and keeps a query string at the end", () => {
  assert.equal(dialUrl("ws://h/ocpp", "PRE FIX#1"), "ws://h/ocpp/PRE%20FIX%231");
  assert.equal(dialUrl("ws://h/ocpp?token=x", "TE1"), "ws://h/ocpp/TE1?token=x");
  assert.equal(dialUrl("ws://h/ocpp/TE1?token=x", "TE1"), "ws://h/ocpp/TE1?token=x");
});

Deno.test("reconnectDelayMs() doubles per attempt within [cap/2, cap] up to 5 min", () => {
  const expected = [1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000];
  expected.forEach((capMs, attempt) => {
    assert.equal(reconnectDelayMs(attempt, () => 0), capMs / 2, `attempt ${attempt}, low draw`);
    assert.equal(reconnectDelayMs(attempt, () => 1), capMs, `attempt ${attempt}, high draw`);
    const mid = reconnectDelayMs(attempt, () => 0.5);
    assert.ok(mid > capMs / 2 && mid < capMs, `attempt ${attempt}: ${mid}`);
  });
  assert.equal(reconnectDelayMs(1000, () => 1), RECONNECT_CAP_MS);
  assert.equal(reconnectDelayMs(-3, () => 1), 1000);
});

Deno.test("reconnectDelayMs(): 32 attempts in a row take far longer than 20 s, whatever the draw", () => {
  let totalMs = 0;
  for (let attempt = 0; attempt < 32; attempt++) totalMs += reconnectDelayMs(attempt, () => 0);
  assert.ok(totalMs > 60 * 60_000, `${totalMs} ms`);
  // The first five retries alone, at the lowest draw, already take 15.5 s.
  let first = 0;
  for (let attempt = 0; attempt < 5; attempt++) first += reconnectDelayMs(attempt, () => 0);
  assert.equal(first, 15_500);
});

Deno.test("retryDelayMs() grows with the attempt and stops at one hour", () => {
  assert.equal(retryDelayMs(60, 1), 60_000);
  assert.equal(retryDelayMs(60, 3), 180_000);
  assert.equal(retryDelayMs(60, 500), 3_600_000);
  assert.equal(retryDelayMs(0, 0), 1000);
});
