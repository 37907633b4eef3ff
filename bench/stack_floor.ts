/**
 * The stack's own floor: the libraries the station is decided to be built on, doing the least
 * the station does with each, and no station logic. It logs through LogTape, opens a SQLite file
 * through Kysely on `node:sqlite`, validates one input with Zod, serves `GET /api/status` with
 * Hono over HTTP and HTTPS (the station's certificate code), then, as the station does once
 * HTTP serves, connects to the OCPP backend with ocpp-rpc (strict, the station's compiled
 * validators, over the station's WebSocket client) and sends a BootNotification, and listens
 * for Modbus TCP (the station's server, which replaced modbus-serial's). The station's glue to
 * each library (`station/store/sqlite.ts`, `station/ocpp/rpc.ts`, `station/modbus/server.ts`,
 * `http/tls.ts`) is used as it is.
 *
 * Built and run as the station is (`bench/startup_bench.ts`): what it costs over the bare
 * floor is what the stack costs before the station adds anything. It takes the station's
 * options `--data-dir`, `--http-port`, `--https-port`, `--modbus-port` and `--ocpp-url`.
 * @module
 */
import { configure, getConsoleSink, getLogger } from "@logtape/logtape";
import { Hono } from "hono";
import { sql } from "kysely";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as z from "zod";
import { ensureTlsCertificate } from "../http/tls.ts";
import { dialUrl } from "../station/ocpp/dial.ts";
import { openSqlite } from "../station/store/sqlite.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "data-dir": { type: "string", default: "./data" },
    "http-port": { type: "string", default: "0" },
    "https-port": { type: "string", default: "0" },
    "modbus-port": { type: "string", default: "0" },
    "ocpp-url": { type: "string" },
    "prime-code-cache": { type: "boolean" },
  },
});
const Port = z.coerce.number().int().min(0).max(65535);
const dataDir = values["data-dir"];

await configure({
  sinks: { console: getConsoleSink() },
  loggers: [
    { category: ["floor"], lowestLevel: "info", sinks: ["console"] },
    { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["console"] },
  ],
});
const log = getLogger(["floor"]);

if (values["prime-code-cache"]) {
  // As the station's option: load what loads on demand, so that Deno caches its compile.
  await Promise.all([import("../station/ocpp/rpc.ts"), import("../station/modbus/server.ts")]);
  Deno.exit(0);
}

await Deno.mkdir(dataDir, { recursive: true });
const { db } = openSqlite<{ meta: { key: string; value: string } }>(join(dataDir, "floor.db"));
await sql`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`.execute(db);
await db.insertInto("meta").values({ key: "started", value: new Date().toISOString() })
  .onConflict((oc) => oc.column("key").doUpdateSet({ value: new Date().toISOString() }))
  .execute();

const status = { ocpp: { registration: "Pending" }, startedAt: "" };
const app = new Hono();
app.get("/api/status", async (c) => {
  const row = await db.selectFrom("meta").select("value").where("key", "=", "started")
    .executeTakeFirst();
  return c.json({ ...status, startedAt: row?.value ?? "" });
});

Deno.serve({
  hostname: "127.0.0.1",
  port: Port.parse(values["http-port"]),
  onListen: ({ hostname, port }) =>
    log.info(`HTTP listening on http://${hostname}:${port} (stack floor)`),
}, app.fetch);
const { cert, key } = await ensureTlsCertificate(join(dataDir, "tls"), { commonName: "floor" });
Deno.serve({
  hostname: "127.0.0.1",
  port: Port.parse(values["https-port"]),
  cert,
  key,
  onListen: () => {},
}, app.fetch);

const [{ connectOcpp }, { listenModbus }] = await Promise.all([
  import("../station/ocpp/rpc.ts"),
  import("../station/modbus/server.ts"),
]);
const url = values["ocpp-url"];
if (url) {
  const identity = "stack-floor";
  const ocpp = await connectOcpp({
    url: dialUrl(url, identity),
    identity,
    password: "",
    caPem: "",
    pingIntervalS: 0,
    callTimeoutMs: 30_000,
  });
  const boot = await ocpp.call<{ status: string; interval: number }>("BootNotification", {
    chargePointVendor: "ladewerk",
    chargePointModel: "stack floor",
  });
  status.ocpp.registration = boot.status;
  setInterval(() => void ocpp.call("Heartbeat", {}).catch(() => {}), boot.interval * 1000);
}
const modbus = await listenModbus({
  read: (_address, count) => new Array(count).fill(0),
  write: () => Promise.resolve(),
}, { hostname: "127.0.0.1", port: Port.parse(values["modbus-port"]), unitId: 1, log });
log.info(`Modbus TCP listening on ${modbus.hostname}:${modbus.port} (unit ${modbus.unitId})`);
