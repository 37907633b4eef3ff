/**
 * Entry point: parses the command line, sets up logging and runs the station until SIGINT or
 * SIGTERM, again after each restart requested from the web interface.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { resolve } from "node:path";
import { setupLogging } from "./logging.ts";
import { parseOptions } from "./options.ts";
import { type Kept, runStation, StartupError } from "./run.ts";
import { APP_VERSION } from "./station/version.ts";

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
const kept: Kept = {};
let exitCode = 0;
try {
  while (await runStation(opts, dataDir, shutdown.signal, kept) !== "exit") {
    log.info("Starting again");
  }
  log.info("Stopped");
} catch (e) {
  if (!(e instanceof StartupError)) throw e;
  log.error(e.message);
  exitCode = 2;
}
await closeLogs();
if (exitCode !== 0) Deno.exit(exitCode);
