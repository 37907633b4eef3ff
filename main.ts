/**
 * Entry point: parses the command line, sets up logging and runs the station until SIGINT or
 * SIGTERM, again after each restart requested from the web interface. In simulation it is
 * also the boot loader of the A/B slots (`station/update/sim_boot.ts`): a system restart
 * boots the slot the boot state chooses. A slot's own program (`LADEWERK_SLOT` set) asks
 * its boot loader for a reboot with exit code 3.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { join, resolve } from "./station/path.ts";
import { rebootDevice, underSystemd } from "./drivers/linux/power.ts";
import { systemRunner } from "./drivers/linux/runner.ts";
import { RAUC_DIR } from "./station/update/file_slots.ts";
import { REBOOT_EXIT_CODE, simBoot, SLOT_ENV, watchBootLoader } from "./station/update/sim_boot.ts";
import { setupLogging } from "./logging.ts";
import { parseOptions } from "./options.ts";
import { primeCodeCache } from "./code_cache.ts";
import { type Kept, runStation, StartupError } from "./run.ts";
import { APP_VERSION } from "./station/version.ts";

const parsed = parseOptions(Deno.args, (name) => Deno.env.get(name));
if (parsed.kind === "help") {
  console.log(parsed.text);
  Deno.exit(0);
}
if (parsed.kind === "prime") {
  const failed = await primeCodeCache();
  for (const f of failed) console.error(`Not primed: ${f}`);
  Deno.exit(0);
}
if (parsed.kind === "error") {
  console.error(parsed.message);
  Deno.exit(2);
}
const opts = parsed.options;
if (opts.hardware === "sim" && opts["device-config"] !== undefined) {
  console.error("--device-config: only with --hardware device");
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
let rebootAfter = false;
/** Lifetimes of the station program until it exits or the system reboots. */
const lifetimes = async (): Promise<"exit" | "reboot"> => {
  for (;;) {
    const outcome = await runStation(opts, dataDir, shutdown.signal, kept);
    if (outcome === "exit") return "exit";
    if (outcome === "restartSystem") return "reboot";
    log.info("Starting again");
  }
};
try {
  if (Deno.env.get(SLOT_ENV)) {
    watchBootLoader();
    if (await lifetimes() === "reboot") exitCode = REBOOT_EXIT_CODE;
  } else if (opts.hardware === "device" && underSystemd((name) => Deno.env.get(name))) {
    // The device's service: U-Boot and RAUC are the boot loader, a system restart reboots.
    rebootAfter = await lifetimes() === "reboot";
  } else {
    const timeout = Number(Deno.env.get("LADEWERK_BOOT_TIMEOUT_MS"));
    exitCode = await simBoot({
      root: join(dataDir, RAUC_DIR),
      args: Deno.args,
      factory: async () => {
        const r = await lifetimes();
        if (r === "reboot") log.info("Rebooting");
        return r;
      },
      signal: shutdown.signal,
      ...(timeout > 0 ? { bootTimeoutMs: timeout } : {}),
      log: (line) => log.info(line),
    });
  }
  log.info("Stopped");
} catch (e) {
  if (!(e instanceof StartupError)) throw e;
  log.error(e.message);
  exitCode = 2;
}
await closeLogs();
if (rebootAfter) {
  await rebootDevice(systemRunner, (line) => console.error(line)).catch((e) => {
    // systemd restarts the program; its start limit reboots the device as a last resort.
    console.error(`Cannot reboot: ${e instanceof Error ? e.message : e}`);
    exitCode = 1;
  });
}
if (exitCode !== 0) Deno.exit(exitCode);
