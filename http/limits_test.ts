import assert from "node:assert/strict";
import { json, testStation } from "./testing.ts";
import { JSON_BODY_BYTES } from "./limits.ts";

/** A body of `totalBytes` streamed in 64 KiB chunks; `pulled()` tells how much was read. */
function hugeBody(totalBytes: number) {
  let sent = 0;
  const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= totalBytes) return controller.close();
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
  return { stream, pulled: () => sent };
}

Deno.test("a 200 MB login body is refused with 413 while reading, not after", async () => {
  await using t = await testStation();
  const body = hugeBody(200 * 1024 * 1024);
  const res = await t.request("/api/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: body.stream,
  });
  assert.equal(res.status, 413);
  const answer = await json(res);
  assert.equal(answer.field, "body");
  assert.equal(answer.issues[0].params.maxBytes, JSON_BODY_BYTES);
  assert.ok(body.pulled() < 1024 * 1024, `read ${body.pulled()} bytes`);
});

Deno.test("a declared Content-Length over the limit is refused before reading", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const res = await t.request("/api/settings", {
    method: "PUT",
    as: admin,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ values: { "x": "y".repeat(JSON_BODY_BYTES) } }),
  });
  assert.equal(res.status, 413);
});

Deno.test("40 parallel wrong logins from one address: 3 are checked, the rest wait (429)", async () => {
  await using t = await testStation();
  const statuses = await Promise.all(
    Array.from(
      { length: 40 },
      () =>
        t.request("/api/login", { json: { user: "admin", password: "wrong" } }).then((r) =>
          r.status
        ),
    ),
  );
  assert.equal(statuses.filter((s) => s === 401).length, 3, statuses.join(","));
  assert.equal(statuses.filter((s) => s === 429).length, 37);
});

Deno.test("wrong logins from rotating addresses meet the global limit of 30 a minute", async () => {
  await using t = await testStation();
  const statuses: number[] = [];
  for (let i = 0; i < 40; i++) {
    const res = await t.request("/api/login", {
      json: { user: "admin", password: "wrong" },
      from: `10.0.${i >> 8}.${i & 255}`,
    });
    statuses.push(res.status);
  }
  assert.equal(statuses.filter((s) => s === 401).length, 30);
  assert.deepEqual(statuses.slice(30), Array(10).fill(429));
  t.webClock.advance(60_000);
  const later = await t.request("/api/login", { json: { user: "admin", password: "24110001" } });
  assert.equal(later.status, 200, "a minute later the right password works");
});

Deno.test("state changes from a foreign origin are refused: login, simulator, settings", async () => {
  await using t = await testStation();
  const evil = { Origin: "https://evil.example" };
  const login = await t.request("/api/login", {
    json: { user: "admin", password: "24110001" },
    headers: evil,
  });
  assert.equal(login.status, 403);
  assert.equal((await json(login)).field, "Origin");
  const sim = await t.request("/api/sim/connectors/1/plug", { method: "POST", headers: evil });
  assert.equal(sim.status, 403);
  const cross = await t.request("/api/sim/rfid", {
    json: { idTag: "MASTERKEY" },
    headers: { "Sec-Fetch-Site": "cross-site" },
  });
  assert.equal(cross.status, 403);
  assert.equal(t.hardware.controllers[0]!.pilot(), "A", "nothing was plugged in");
  const own = await t.request("/api/sim/connectors/1/plug", {
    method: "POST",
    headers: { Origin: "http://localhost" },
  });
  assert.equal(own.status, 200);
  const admin = await t.login();
  const settings = await t.request("/api/settings", {
    method: "PUT",
    as: admin,
    json: { values: {} },
    headers: evil,
  });
  assert.equal(settings.status, 403);
});
