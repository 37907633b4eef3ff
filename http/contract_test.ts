/** Every route of http/API.md exists: with a session none answers 404. */
import assert from "node:assert/strict";
import { testStation } from "./testing.ts";

const API_MD = new URL("./API.md", import.meta.url);

Deno.test("every route of API.md exists", async () => {
  const text = await Deno.readTextFile(API_MD);
  const routes = [...text.matchAll(/^\| `(GET|POST|PUT|DELETE) (\/api\/[^` ]+)`/gm)]
    .map((m) => [m[1]!, m[2]!] as const);
  assert.ok(routes.length >= 24, `found ${routes.length} routes`);
  await using t = await testStation({ deps: { restartDelayMs: 60_000 } });
  const admin = await t.login();
  for (const [method, path] of routes) {
    // Routes that end the session or restart are checked elsewhere; the others answer.
    if (path === "/api/logout" || path === "/api/admin/factory-reset") continue;
    const res = await t.request(path.replace(/\{id\}/, "1"), { method, as: admin });
    // A route may answer 404 for a thing it does not hold (no owner account); never "No route".
    const text = res.status === 404 ? await res.text() : (await res.body?.cancel(), "");
    assert.ok(!text.includes("No route"), `${method} ${path}: ${text}`);
    assert.notEqual(res.status, 500, `${method} ${path}`);
  }
});
