import assert from "node:assert/strict";
import { type BootServices, healthCheck } from "./run.ts";
import type { Store } from "./station/store/mod.ts";
import type { WebServers } from "./http/serve.ts";
import type { Hardware } from "./drivers/ports.ts";

/** An HTTP server answering `/api/status` with `status`, and what `healthCheck` needs of it. */
function web(status: number) {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response("{}", { status }),
  );
  const servers = {
    httpHost: "127.0.0.1",
    httpPort: server.addr.port,
  } as unknown as WebServers;
  return { servers, [Symbol.asyncDispose]: () => server.shutdown() };
}

const store = { getMeta: () => Promise.resolve(undefined) } as unknown as Store;
const hardware = { controllers: [{ pilot: () => "A" }] } as unknown as Hardware;

/** Boot services whose start the test settles; counts the probes. */
function services() {
  const started = Promise.withResolvers<void>();
  started.promise.catch(() => {}); // As the station: the check reports the failure.
  const s = { probes: 0, started, boot: {} as BootServices };
  s.boot = { probed: () => s.probes++, started: started.promise };
  return s;
}

Deno.test("health check: probes first, then waits for OCPP and Modbus to start", async () => {
  await using w = web(200);
  const s = services();
  let settled = false;
  const check = healthCheck(store, w.servers, hardware, s.boot).finally(() => settled = true);
  // OCPP and Modbus start once the probes are done: not before, and the check waits for them.
  while (s.probes === 0) await new Promise((r) => setTimeout(r, 1));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(settled, false, "the check waits for OCPP and Modbus");
  s.started.resolve();
  assert.equal(await check, undefined);
});

Deno.test("health check: OCPP or Modbus that cannot start fail the boot", async () => {
  await using w = web(200);
  const s = services();
  s.started.reject(new Error("chunk not found"));
  assert.equal(
    await healthCheck(store, w.servers, hardware, s.boot),
    "OCPP or Modbus did not start: chunk not found",
  );
  assert.equal(s.probes, 1);
});

Deno.test("health check: a failed probe is reported without waiting for the services, and they may start", async () => {
  await using w = web(503);
  const s = services();
  assert.equal(await healthCheck(store, w.servers, hardware, s.boot), "HTTP answers 503");
  assert.equal(s.probes, 1, "OCPP and Modbus start after a failed probe too");
  const broken = { getMeta: () => Promise.reject(new Error("disk I/O error")) } as unknown as Store;
  assert.match(
    await healthCheck(broken, w.servers, hardware, s.boot) ?? "",
    /^the database does not answer: .*disk I\/O error/,
  );
  assert.equal(s.probes, 2);
});
