/**
 * The simulated boot loader: what U-Boot and RAUC's boot script do on the device, for the
 * file backend. A restart of the station program stands in for a reboot: each one takes the
 * slot the boot state chooses (counting a try down, `boot_env.ts`) and runs its program;
 * the factory program (slot A before anything was installed into it) runs in this process,
 * an installed slot as a child process (`deno run <slot>/bin/ladewerk.js` with the same
 * options and `LADEWERK_SLOT=<slot>`, like RAUC's `rauc.slot=` on the kernel command line).
 * A watchdog stands in for the hardware one: a slot not marked good within the boot timeout
 * is killed and the next boot follows. When this process dies the child sees its stdin close
 * and stops at once, as a power cut would stop it.
 * @module
 */
import { join } from "../path.ts";
import { V8_FLAGS_OPTION } from "../../v8_flags.ts";
import { BOOT_TRIES, selectBoot, type Slot, SLOTS } from "./boot_env.ts";
import {
  BOOT_FAILURE_FILE,
  exists,
  readBootEnv,
  SLOT_ENTRY,
  slotDir,
  slotMeta,
  writeAtomic,
  writeBootEnv,
} from "./file_slots.ts";

/** The environment variable that names the booted slot. */
export const SLOT_ENV = "LADEWERK_SLOT";

/** Set for a child whose stdin is the boot loader's pipe. */
export const BOOT_PIPE_ENV = "LADEWERK_BOOT_PIPE";

/** Exit code of a slot's program asking for a reboot. */
export const REBOOT_EXIT_CODE = 3;

/** A slot not marked good this long after its boot is reset. @default 300 s */
export const BOOT_TIMEOUT_MS = 300_000;

/** Options of {@linkcode simBoot}. */
export interface SimBootOptions {
  /** `<data dir>/rauc`. */
  root: string;
  /** The program's command-line options, for a slot's program. */
  args: string[];
  /** Runs the factory program here, in this process, until it exits or asks for a reboot. */
  factory: () => Promise<"exit" | "reboot">;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** @default BOOT_TIMEOUT_MS */
  bootTimeoutMs?: number;
  log: (line: string) => void;
}

/** The permission flags this process has, for the child. */
function permissionFlags(): string[] {
  const names = ["net", "read", "write", "env", "sys", "run", "ffi"] as const;
  return names.filter((name) => Deno.permissions.querySync({ name }).state === "granted")
    .map((name) => `--allow-${name}`);
}

/** Boots until the program exits; resolves with the exit code for this process. */
export async function simBoot(o: SimBootOptions): Promise<number> {
  for (;;) {
    if (o.signal.aborted) return 0;
    const env = await readBootEnv(o.root);
    if (!env) {
      // Nothing ever installed: the factory program, no boot state to keep.
      if (await o.factory() === "exit") return 0;
      continue;
    }
    const metas = new Map<Slot, boolean>();
    for (const s of SLOTS) metas.set(s, (await slotMeta(o.root, s)) !== undefined);
    const factoryA = !metas.get("A") && !(await exists(slotDir(o.root, "A")));
    const choice = selectBoot(env, (s) => metas.get(s) || (s === "A" && factoryA));
    await writeBootEnv(o.root, choice.env);
    const slot = choice.slot;
    o.log(
      `boot: slot ${slot}${choice.reset ? " (no slot had tries left: counts reset)" : ""}, ` +
        `${choice.env.left[slot]} tries left after this one`,
    );
    if (slot === "A" && factoryA) {
      if (await o.factory() === "exit") return 0;
      continue;
    }
    const { code, watchdog } = await runSlot(o, slot);
    if (code === 0 || o.signal.aborted) return 0;
    o.log(`boot: slot ${slot} ended with code ${code}: rebooting`);
    const reason = watchdog
      ? `its program was not marked good within ${o.bootTimeoutMs ?? BOOT_TIMEOUT_MS} ms ` +
        "(watchdog reset)"
      : `its program ended with exit code ${code}`;
    await writeAtomic(join(o.root, BOOT_FAILURE_FILE), JSON.stringify({ slot, reason }) + "\n")
      .catch(() => {});
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function runSlot(
  o: SimBootOptions,
  slot: Slot,
): Promise<{ code: number; watchdog: boolean }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-config",
      V8_FLAGS_OPTION,
      ...permissionFlags(),
      join(slotDir(o.root, slot), SLOT_ENTRY),
      ...o.args,
    ],
    env: { [SLOT_ENV]: slot, [BOOT_PIPE_ENV]: "1" },
    stdin: "piped",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const stop = () => {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
  };
  o.signal.addEventListener("abort", stop, { once: true });
  const bootedAtMs = performance.now();
  const timeoutMs = o.bootTimeoutMs ?? BOOT_TIMEOUT_MS;
  let good = false;
  let reset = false;
  const watchdog = setInterval(async () => {
    if (good) return;
    const env = await readBootEnv(o.root).catch(() => undefined);
    if (env && env.left[slot] >= BOOT_TRIES) good = true;
    else if (performance.now() - bootedAtMs > timeoutMs) {
      o.log(`boot: slot ${slot} not marked good within ${timeoutMs} ms: watchdog reset`);
      reset = true;
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }
  }, 1000);
  try {
    const status = await child.status;
    const code = status.code === 0 && status.signal === null ? 0 : status.code || 1;
    return { code, watchdog: reset };
  } finally {
    clearInterval(watchdog);
    o.signal.removeEventListener("abort", stop);
    await child.stdin.close().catch(() => {});
  }
}

/** In a slot's program: stops at once when the boot loader's pipe closes (it died). */
export function watchBootLoader(): void {
  if (Deno.env.get(BOOT_PIPE_ENV) !== "1") return;
  (async () => {
    try {
      for await (const _ of Deno.stdin.readable) { /* nothing is sent */ }
    } catch { /* closed */ }
    Deno.exit(137);
  })();
}
