/**
 * The update port on the device: RAUC's command line (`rauc install`, `rauc status
 * --output-format=json --detailed`, `rauc status mark-good|mark-bad`). RAUC verifies the
 * bundle again itself (signature, `compatible`, dm-verity) and drives the U-Boot boot counter;
 * its progress lines (`NN% step`) are passed on.
 * @module
 */
import { codeUnitOrder } from "../order.ts";
import type { Slot } from "./boot_env.ts";
import {
  type BootStatus,
  InstallError,
  type InstallProgress,
  type SlotStatus,
  type UpdatePort,
  type VerifiedBundle,
} from "./port.ts";

/** Runs a command; resolves with its output, rejects with its last error line. */
export type Runner = (
  args: string[],
  onLine?: (line: string) => void,
) => Promise<string>;

/** The `rauc` binary as a {@linkcode Runner}. */
export function raucRunner(bin = "rauc"): Runner {
  return async (args, onLine) => {
    const child = new Deno.Command(bin, { args, stdout: "piped", stderr: "piped" }).spawn();
    let out = "";
    let err = "";
    const errDone = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (t) => void (err += t) }),
    );
    let rest = "";
    for await (const t of child.stdout.pipeThrough(new TextDecoderStream())) {
      out += t;
      const lines = (rest + t).split("\n");
      rest = lines.pop() ?? "";
      for (const l of lines) onLine?.(l);
    }
    if (rest) onLine?.(rest);
    await errDone;
    const status = await child.status;
    if (!status.success) {
      throw new Error(err.trim().split("\n").at(-1) || `rauc ${args[0]} failed`);
    }
    return out;
  };
}

/** Reads `rauc status --output-format=json --detailed` into the port's view. */
export function parseRaucStatus(json: string): BootStatus {
  // deno-lint-ignore no-explicit-any
  const s: any = JSON.parse(json);
  const bootSlots: SlotStatus[] = [];
  const byName = new Map<string, Slot>();
  for (const entry of s.slots ?? []) {
    for (const [name, slot] of Object.entries(entry)) {
      // deno-lint-ignore no-explicit-any
      const x = slot as any;
      const bootname = x.bootname;
      if (x.class !== "rootfs" || (bootname !== "A" && bootname !== "B")) continue;
      byName.set(name, bootname);
      const stamp = Date.parse(x.slot_status?.installed?.timestamp ?? "");
      bootSlots.push({
        slot: bootname,
        version: x.slot_status?.bundle?.version ?? null,
        booted: x.state === "booted",
        primary: false,
        triesLeft: x.boot_status === "good" ? 3 : 0,
        installedAtMs: Number.isFinite(stamp) ? stamp : null,
      });
    }
  }
  const primary = byName.get(s.boot_primary);
  for (const b of bootSlots) b.primary = b.slot === primary;
  const booted: Slot = s.booted === "B" ? "B" : "A";
  bootSlots.sort((a, b) => codeUnitOrder(a.slot, b.slot));
  return {
    booted,
    order: primary ? [primary, primary === "A" ? "B" : "A"] : ["A", "B"],
    slots: bootSlots,
  };
}

/** A `rauc install` progress line (`  20% Checking bundle`). */
export function parseProgressLine(line: string): InstallProgress | undefined {
  const m = /^\s*(\d{1,3})%\s+(.+?)\s*$/.exec(line);
  if (!m) return undefined;
  return { percent: Math.min(100, Number(m[1])), step: m[2]! };
}

/** RAUC as the update port. */
export class RaucCli implements UpdatePort {
  readonly kind = "rauc" as const;
  #run: Runner;

  constructor(run: Runner = raucRunner()) {
    this.#run = run;
  }

  async status(): Promise<BootStatus> {
    return parseRaucStatus(await this.#run(["status", "--output-format=json", "--detailed"]));
  }

  async install(
    bundle: VerifiedBundle,
    onProgress: (p: InstallProgress) => void,
  ): Promise<{ slot: Slot }> {
    const before = await this.status();
    try {
      await this.#run(["install", "--progress", bundle.path], (line) => {
        const p = parseProgressLine(line);
        if (p) onProgress(p);
      });
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e);
      throw new InstallError(/No space/i.test(text) ? "no_space" : "installer", text);
    }
    return { slot: before.booted === "A" ? "B" : "A" };
  }

  async markGood(): Promise<void> {
    await this.#run(["status", "mark-good"]);
  }

  async markBad(slot: Slot): Promise<void> {
    const status = await this.status();
    await this.#run(["status", "mark-bad", slot === status.booted ? "booted" : "other"]);
  }
}
