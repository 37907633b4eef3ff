import assert from "node:assert/strict";
import { freePort, startStation } from "./station_process.ts";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

Deno.test("startStation() serves /api/status, stops on SIGTERM with code 0 and removes its temp dir", async () => {
  const st = await startStation();
  const dataDir = st.dataDir;
  try {
    assert.match(st.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    const status = await st.api<{ connectors: unknown[] }>("/api/status");
    assert.equal(status.status, 200);
    assert.ok(Array.isArray(status.body.connectors));
    assert.match(st.output(), /HTTP listening on/);
    const ready = await st.waitFor((s: { connectors: unknown[] }) => s.connectors.length === 2);
    assert.equal(ready.connectors.length, 2);
    assert.equal((await st.stop()).code, 0, `clean shutdown:\n${st.output()}`);
  } finally {
    await st[Symbol.asyncDispose]();
  }
  assert.equal(await exists(dataDir), false);
});

Deno.test("startStation() keeps a given data dir and passes extra args", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-helper-" });
  try {
    {
      await using st = await startStation({ dataDir, args: ["--connectors", "1"] });
      const status = await st.api<{ connectors: unknown[] }>("/api/status");
      assert.equal(status.body.connectors.length, 1);
    }
    assert.equal(await exists(dataDir), true);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("startStation() rejects with the program's output when it exits before listening", async () => {
  await assert.rejects(
    startStation({ args: ["--connectors", "3"] }),
    (e: Error) => /exited with code 2 before listening/.test(e.message) && /1 or 2/.test(e.message),
  );
});

Deno.test("waitFor() gives up after its deadline with the last status", async () => {
  await using st = await startStation();
  await assert.rejects(
    st.waitFor(() => false, { timeoutMs: 200 }),
    /not within 200 ms; last status: \{/,
  );
});

Deno.test("freePort() returns a port that can be bound", () => {
  const port = freePort();
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  listener.close();
});
