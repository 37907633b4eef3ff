import assert from "node:assert/strict";
import { join } from "node:path";
import { CSP } from "./security.ts";
import { testStation } from "./testing.ts";

async function uiDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-ui-" });
  await Deno.writeTextFile(join(dir, "index.html"), "<!doctype html><script src=/app.js></script>");
  await Deno.writeTextFile(
    join(dir, "app.js"),
    `console.log(${JSON.stringify("x".repeat(2000))});`,
  );
  await Deno.writeTextFile(join(dir, "chunk-5XHJ2K3L.js"), "export {};");
  return dir;
}

Deno.test("without a built UI / answers 503 with what to do; the API still works", async () => {
  await using t = await testStation({ deps: { uiDir: "/nonexistent/ui/dist" } });
  const res = await t.request("/");
  assert.equal(res.status, 503);
  assert.equal(await res.text(), "UI not built: run deno task build:ui");
  assert.equal((await t.request("/api/status")).status, 200);
});

Deno.test("the UI is served with CSP, ETag, gzip and the right cache policy", async () => {
  const dir = await uiDir();
  try {
    await using t = await testStation({ deps: { uiDir: dir } });
    const index = await t.request("/");
    assert.equal(index.status, 200);
    assert.equal(index.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(index.headers.get("cache-control"), "no-cache");
    assert.equal(index.headers.get("content-security-policy"), CSP);
    assert.equal(index.headers.get("x-content-type-options"), "nosniff");
    assert.match(await index.text(), /app\.js/);

    const gz = await t.request("/app.js", { headers: { "accept-encoding": "gzip, br" } });
    assert.equal(gz.headers.get("content-encoding"), "gzip");
    assert.equal(gz.headers.get("content-type"), "text/javascript; charset=utf-8");
    const unzipped = await new Response(gz.body!.pipeThrough(new DecompressionStream("gzip")))
      .text();
    assert.ok(unzipped.startsWith("console.log("));
    assert.ok(Number(gz.headers.get("content-length")) < 200, "compressed");
    const plain = await t.request("/app.js");
    assert.equal(plain.headers.get("content-encoding"), null);
    assert.equal((await plain.text()).length, unzipped.length);
    const etag = plain.headers.get("etag")!;
    const cached = await t.request("/app.js", { headers: { "if-none-match": etag } });
    assert.equal(cached.status, 304);
    assert.equal(plain.headers.get("cache-control"), "no-cache", "unhashed names revalidate");

    const hashed = await t.request("/chunk-5XHJ2K3L.js");
    assert.equal(hashed.headers.get("cache-control"), "public, max-age=31536000, immutable");
    const versioned = await t.request("/app.js?v=3");
    assert.equal(versioned.headers.get("cache-control"), "public, max-age=31536000, immutable");

    const route = await t.request("/settings/network");
    assert.equal(route.status, 200, "paths without an extension get the app");
    assert.match(await route.text(), /doctype/);
    const head = await t.request("/app.js", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
    for (const path of ["/missing.js", "/%2e%2e/deno.json", "/..%2fdeno.json", "/%E0%A4%A"]) {
      const res = await t.request(path);
      assert.equal(res.status, 404, path);
      await res.body?.cancel();
    }
    const api = await t.request("/api/nope");
    assert.equal(api.status, 401, "API paths never fall back to the UI");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
