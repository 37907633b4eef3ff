/**
 * Composition root: parses the command line, opens storage and settings, builds the hardware,
 * the station and the HTTP app, and shuts everything down on SIGINT/SIGTERM.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { resolve } from "node:path";
import { systemClock } from "./drivers/clock.ts";
import { SimulatedHardware } from "./drivers/sim/mod.ts";
import { createApp } from "./http/app.ts";
import { setupLogging } from "./logging.ts";
import { parseOptions } from "./options.ts";
import { installFactoryWhitelist } from "./station/factory.ts";
import { Station } from "./station/runtime.ts";
import { Settings, SettingsError } from "./station/settings/mod.ts";
import type { StationInfo } from "./station/snapshot.ts";
import { openStore } from "./station/store/mod.ts";
import { APP_VERSION, modelName, VENDOR } from "./station/version.ts";

const parsed = parseOptions(Deno.args, (name) => Deno.env.get(name));
if (parsed.kind === "help") {
  console.log(parsed.text);
  Deno.exit(0);
}
if (parsed.kind === "error") {
  console.error(parsed.message);
  Deno.exit(2);
}
const opts = parsed.options;
if (opts.hardware === "device") {
  console.error("Device hardware drivers are not part of this build yet: use --hardware sim");
  Deno.exit(2);
}

const dataDir = resolve(opts["data-dir"]);
const closeLogs = await setupLogging(dataDir);
const log = getLogger(["ladewerk"]);
const shutdown = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => shutdown.abort());
}

log.info(
  `ladewerk ${APP_VERSION} starting: serial ${opts.serial}, ${opts.connectors} charge ` +
    `point(s), ${opts.hardware} hardware, data in ${dataDir}`,
);
const store = await openStore(dataDir);
const factory = {
  serial: opts.serial,
  connectors: opts.connectors,
  hardware: opts.hardware,
  masterKey: opts["master-key"],
};
const { settings, dropped } = await Settings.open(store.settings, factory);
for (const d of dropped) log.warn(`Stored setting ${d.field} refused, default used: ${d.reason}`);
if (opts["ocpp-url"] !== undefined) {
  try {
    await settings.set({ "ocpp.url": opts["ocpp-url"] }, { writer: "station" });
  } catch (e) {
    if (!(e instanceof SettingsError)) throw e;
    console.error(`--ocpp-url: ${e.issues[0]?.reason}`);
    Deno.exit(2);
  }
}
await installFactoryWhitelist(store, opts["master-key"], systemClock.nowMs());

const initialEnergyWh = await Promise.all(
  Array.from({ length: opts.connectors }, (_, i) => store.sessions.lastEnergyWh(i + 1)),
);
const hardware = new SimulatedHardware({
  connectors: opts.connectors,
  clock: systemClock,
  initialEnergyWh,
});
const station = await Station.start({ hardware, store, settings });
const info: StationInfo = {
  serial: opts.serial,
  vendor: VENDOR,
  model: modelName(opts.connectors),
  firmwareVersion: APP_VERSION,
  hardware: opts.hardware,
  connectors: opts.connectors,
};
const app = createApp({ station, info, sim: hardware });
const hostname = opts["http-host"] ?? (opts.hardware === "sim" ? "127.0.0.1" : "0.0.0.0");
const server = Deno.serve({
  hostname,
  port: opts["http-port"],
  signal: shutdown.signal,
  onListen: ({ hostname, port }) => {
    log.info(`HTTP listening on http://${hostname}:${port} (API /api/status, simulator /api/sim)`);
  },
}, app.fetch);
const url = settings.get("ocpp.url");
log.info(url ? `OCPP backend ${url}: client not in this build yet` : "OCPP: no backend set");
log.info(`Modbus TCP (port ${opts["modbus-port"]}): server not in this build yet`);

await server.finished;
log.info("Shutting down");
await station.shutdown("Reboot");
await hardware[Symbol.asyncDispose]();
await store[Symbol.asyncDispose]();
log.info("Stopped");
await closeLogs();
