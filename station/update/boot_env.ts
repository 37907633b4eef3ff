/**
 * The A/B boot state as RAUC's U-Boot integration keeps it: `BOOT_ORDER` (the slots to try,
 * first first) and `BOOT_<slot>_LEFT` (tries left). Each boot takes the first slot in the order
 * with tries left and counts one down; the running system marks its slot good (tries back to
 * 3) once it is healthy, so a slot that fails three boots in a row is passed over and the
 * other one boots. When no slot has tries left, every count is reset, as the script does.
 * Pure: the file backend and the simulated boot loader keep it in a text file in the
 * `fw_printenv` format (`NAME=value` lines).
 * @module
 */

/** A root slot. */
export type Slot = "A" | "B";

/** Both slots, in their default order. */
export const SLOTS: readonly Slot[] = ["A", "B"];

/** Tries a slot gets when it is made active or marked good. */
export const BOOT_TRIES = 3;

/** The boot state. */
export interface BootEnv {
  order: Slot[];
  left: Record<Slot, number>;
}

/** The state of a fresh image: A then B, three tries each. */
export function defaultBootEnv(): BootEnv {
  return { order: [...SLOTS], left: { A: BOOT_TRIES, B: BOOT_TRIES } };
}

function isSlot(s: string): s is Slot {
  return s === "A" || s === "B";
}

/** Reads `fw_printenv`-style text; what is missing or malformed takes the default. */
export function parseBootEnv(text: string): BootEnv {
  const env = defaultBootEnv();
  const vars = new Map<string, string>();
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) vars.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const order = vars.get("BOOT_ORDER")?.split(/\s+/).filter(isSlot);
  if (order && order.length > 0) env.order = [...new Set(order)];
  for (const slot of SLOTS) {
    const left = Number(vars.get(`BOOT_${slot}_LEFT`));
    if (Number.isInteger(left) && left >= 0) env.left[slot] = Math.min(left, BOOT_TRIES);
  }
  return env;
}

/** The text {@linkcode parseBootEnv} reads back. */
export function formatBootEnv(env: BootEnv): string {
  return [
    `BOOT_ORDER=${env.order.join(" ")}`,
    ...SLOTS.map((s) => `BOOT_${s}_LEFT=${env.left[s]}`),
    "",
  ].join("\n");
}

/** What a boot chose. */
export interface BootChoice {
  /** The slot that boots. */
  slot: Slot;
  /** The state to store before it runs (its try counted). */
  env: BootEnv;
  /** No slot had tries left: every count was reset first. */
  reset: boolean;
}

/**
 * One boot: the first slot in the order with tries left that `bootable` accepts (a slot with
 * nothing installed is not) boots and loses a try. When none qualifies the counts are reset
 * and the first bootable slot in the order boots.
 */
export function selectBoot(
  env: BootEnv,
  bootable: (slot: Slot) => boolean = () => true,
): BootChoice {
  const pick = (e: BootEnv) => e.order.find((s) => e.left[s] > 0 && bootable(s));
  let reset = false;
  let next: BootEnv = { order: [...env.order], left: { ...env.left } };
  let slot = pick(next);
  if (slot === undefined) {
    reset = true;
    next = { order: next.order, left: { A: BOOT_TRIES, B: BOOT_TRIES } };
    slot = pick(next) ?? SLOTS.find(bootable) ?? "A";
  }
  next.left[slot] = Math.max(0, next.left[slot] - 1);
  return { slot, env: next, reset };
}

/** `rauc status mark-good`: the slot gets its tries back. */
export function markGood(env: BootEnv, slot: Slot): BootEnv {
  return { order: [...env.order], left: { ...env.left, [slot]: BOOT_TRIES } };
}

/** `rauc status mark-bad`: the slot is not booted again (until made active). */
export function markBad(env: BootEnv, slot: Slot): BootEnv {
  return { order: [...env.order], left: { ...env.left, [slot]: 0 } };
}

/** `rauc status mark-active`: the slot boots next, with full tries. */
export function markActive(env: BootEnv, slot: Slot): BootEnv {
  return {
    order: [slot, ...SLOTS.filter((s) => s !== slot)],
    left: { ...env.left, [slot]: BOOT_TRIES },
  };
}

/** The slot that is not `slot`. */
export function otherSlot(slot: Slot): Slot {
  return slot === "A" ? "B" : "A";
}

/** The slot the boot order prefers: the first one with tries left. */
export function primarySlot(env: BootEnv): Slot | undefined {
  return env.order.find((s) => env.left[s] > 0);
}
