/**
 * The file backend of the update port, for simulation and tests: the two root slots are
 * folders under `<data dir>/rauc/slots/`, the boot state a `fw_printenv`-style file
 * `<data dir>/rauc/env` read and written as RAUC's U-Boot integration does. Slot A starts out
 * as the factory program (the tree the station was started from) until something is
 * installed into it. An installation, as RAUC does it: the target slot is marked bad first,
 * the payload unpacked beside it and moved into place, and only then is the slot made active;
 * every file write is a write of a temporary file and a rename, so a cut at any point leaves
 * the booted slot the one that boots.
 * @module
 */
import { join } from "../path.ts";
import { roomFor } from "../disk_space.ts";
import {
  type BootEnv,
  defaultBootEnv,
  formatBootEnv,
  markActive,
  markBad,
  markGood,
  otherSlot,
  parseBootEnv,
  primarySlot,
  type Slot,
  SLOTS,
} from "./boot_env.ts";
import {
  type BootStatus,
  InstallError,
  type InstallProgress,
  type UpdatePort,
  type VerifiedBundle,
} from "./port.ts";

/** Folder of the file backend inside the data directory. */
export const RAUC_DIR = "rauc";

/** The program inside a slot (a `deno bundle` of `main.ts`). */
export const SLOT_ENTRY = "bin/ladewerk.js";

/** What a slot records about what it holds. */
const SLOT_META = "slot.json";

/** The factory program's version, once something else is installed. */
const FACTORY_META = "factory.json";

/** Why the boot loader last saw a slot's program fail (`{ slot, reason }`). */
export const BOOT_FAILURE_FILE = "last-boot-failure.json";

/** The file name of the payload inside a bundle. */
export const PAYLOAD_NAME = "app.tar";

/** Reads the stored boot state; undefined before anything was ever installed. */
export async function readBootEnv(root: string): Promise<BootEnv | undefined> {
  try {
    return parseBootEnv(await Deno.readTextFile(join(root, "env")));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Writes a file so that a cut leaves either the old or the new content: temp, sync, rename. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
  try {
    await file.write(new TextEncoder().encode(text));
    await file.sync();
  } finally {
    file.close();
  }
  await Deno.rename(tmp, path);
}

/** Stores the boot state. */
export async function writeBootEnv(root: string, env: BootEnv): Promise<void> {
  await Deno.mkdir(root, { recursive: true });
  await writeAtomic(join(root, "env"), formatBootEnv(env));
}

/** The folder of a slot. */
export function slotDir(root: string, slot: Slot): string {
  return join(root, "slots", slot);
}

interface SlotMeta {
  version: string;
  installedAtMs: number;
}

/** What a slot holds; undefined when nothing complete is installed there. */
export async function slotMeta(root: string, slot: Slot): Promise<SlotMeta | undefined> {
  try {
    const dir = slotDir(root, slot);
    await Deno.stat(join(dir, SLOT_ENTRY));
    return JSON.parse(await Deno.readTextFile(join(dir, SLOT_META)));
  } catch {
    return undefined;
  }
}

/** Options of {@linkcode FileSlots}. */
export interface FileSlotsOptions {
  /** `<data dir>/rauc`. */
  root: string;
  /** The slot this process runs from. */
  booted: Slot;
  /** Version of the factory program (slot A before anything is installed into it). */
  factoryVersion: string;
  nowMs: () => number;
  /** Space kept free for the database. */
  reserveBytes?: number;
}

/** The update port over folders. */
export class FileSlots implements UpdatePort {
  readonly kind = "file" as const;
  #o: FileSlotsOptions;

  constructor(options: FileSlotsOptions) {
    this.#o = options;
  }

  async #env(): Promise<BootEnv> {
    return await readBootEnv(this.#o.root) ?? defaultBootEnv();
  }

  /** The factory program's version: recorded at the first install, which it made. */
  async #factoryVersion(): Promise<string> {
    try {
      return JSON.parse(await Deno.readTextFile(join(this.#o.root, FACTORY_META))).version;
    } catch {
      return this.#o.factoryVersion;
    }
  }

  async status(): Promise<BootStatus> {
    const env = await this.#env();
    const factoryVersion = await this.#factoryVersion();
    const primary = primarySlot(env);
    const slots = await Promise.all(SLOTS.map(async (slot) => {
      const meta = await slotMeta(this.#o.root, slot);
      const factory = slot === "A" && !meta && !(await exists(slotDir(this.#o.root, "A")));
      return {
        slot,
        version: meta?.version ?? (factory ? factoryVersion : null),
        booted: slot === this.#o.booted,
        primary: slot === primary,
        triesLeft: env.left[slot],
        installedAtMs: meta?.installedAtMs ?? null,
      };
    }));
    return { booted: this.#o.booted, order: env.order, slots };
  }

  async install(
    bundle: VerifiedBundle,
    onProgress: (p: InstallProgress) => void,
  ): Promise<{ slot: Slot }> {
    const { root } = this.#o;
    const target = otherSlot(this.#o.booted);
    const payload = join(bundle.info.dir, PAYLOAD_NAME);
    const size = (await Deno.stat(payload).catch(() => {
      throw new InstallError("payload", `The bundle has no ${PAYLOAD_NAME}`);
    })).size;
    await Deno.mkdir(join(root, "slots"), { recursive: true });
    const room = await roomFor(join(root, "slots"), this.#o.reserveBytes);
    if (room !== undefined && room < size) {
      throw new InstallError(
        "no_space",
        `Not enough free space for slot ${target}: ${size} bytes needed, ${room} free`,
      );
    }
    onProgress({ percent: 0, step: `Preparing slot ${target}` });
    const ownFactory = this.#o.booted === "A" && !(await exists(slotDir(root, "A")));
    if (ownFactory && !(await exists(join(root, FACTORY_META)))) {
      await writeAtomic(
        join(root, FACTORY_META),
        JSON.stringify({ version: this.#o.factoryVersion }) + "\n",
      );
    }
    // First: the target can no longer boot, whatever happens to it from here on.
    await writeBootEnv(root, markBad(await this.#env(), target));
    const fresh = join(root, "slots", `.${target}.new`);
    await Deno.remove(fresh, { recursive: true }).catch(() => {});
    await Deno.mkdir(fresh, { recursive: true });
    try {
      await unpack(payload, fresh, size, (fraction) =>
        onProgress({
          percent: Math.min(95, Math.round(5 + 90 * fraction)),
          step: `Writing slot ${target}`,
        }));
      try {
        await Deno.stat(join(fresh, SLOT_ENTRY));
      } catch {
        throw new InstallError("payload", `The bundle's payload has no ${SLOT_ENTRY}`);
      }
      const meta: SlotMeta = { version: bundle.info.version, installedAtMs: this.#o.nowMs() };
      await writeAtomic(join(fresh, SLOT_META), JSON.stringify(meta) + "\n");
      const dir = slotDir(root, target);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await Deno.rename(fresh, dir);
    } catch (e) {
      await Deno.remove(fresh, { recursive: true }).catch(() => {});
      throw e;
    }
    onProgress({ percent: 98, step: `Making slot ${target} the next to boot` });
    await writeBootEnv(root, markActive(await this.#env(), target));
    onProgress({ percent: 100, step: `Slot ${target} installed` });
    return { slot: target };
  }

  async lastBootFailure(slot: Slot): Promise<string | undefined> {
    try {
      const f = JSON.parse(await Deno.readTextFile(join(this.#o.root, BOOT_FAILURE_FILE)));
      return f.slot === slot && typeof f.reason === "string" ? f.reason : undefined;
    } catch {
      return undefined;
    }
  }

  async markGood(): Promise<void> {
    await writeBootEnv(this.#o.root, markGood(await this.#env(), this.#o.booted));
  }

  async markBad(slot: Slot): Promise<void> {
    await writeBootEnv(this.#o.root, markBad(await this.#env(), slot));
  }
}

/** Whether a path exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** `tar -x` of `archive` into `dir`, telling the fraction done (a dot per MiB read). */
async function unpack(
  archive: string,
  dir: string,
  size: number,
  progress: (fraction: number) => void,
): Promise<void> {
  const RECORDS = 100; // 100 records of 10 KiB: a checkpoint per 1000 KiB
  const child = new Deno.Command("tar", {
    args: [
      `--checkpoint=${RECORDS}`,
      "--checkpoint-action=dot",
      "--no-same-owner",
      "-xf",
      archive,
      "-C",
      dir,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let dots = 0;
  const errors: string[] = [];
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (t) => void errors.push(t) }),
  );
  for await (const chunk of child.stdout) {
    dots += chunk.filter((b) => b === 46).length;
    progress(Math.min(1, (dots * RECORDS * 10240) / Math.max(1, size)));
  }
  await stderr;
  const status = await child.status;
  if (!status.success) {
    const text = errors.join("").trim();
    const code = /No space left/i.test(text) ? "no_space" : "payload";
    throw new InstallError(code, `Unpacking the payload failed: ${text.split("\n").at(-1)}`);
  }
}
