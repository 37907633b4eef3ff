/**
 * The update port: what the station needs from its A/B installer, RAUC on the device
 * (`rauc_cli.ts`) and slots as folders under the data directory in simulation
 * (`file_slots.ts`).
 * @module
 */
import type { Slot } from "./boot_env.ts";
import type { BundleInfo } from "./bundle.ts";

/** One root slot as the installer sees it. */
export interface SlotStatus {
  slot: Slot;
  /** Version of what is installed; null: nothing (or nothing known). */
  version: string | null;
  /** The slot this system runs from. */
  booted: boolean;
  /** The slot the next boot takes. */
  primary: boolean;
  /** Boot tries left (`BOOT_x_LEFT`); 0: passed over at boot. */
  triesLeft: number;
  /** When it was written, if known. */
  installedAtMs: number | null;
}

/** The installer's view of both slots. */
export interface BootStatus {
  booted: Slot;
  order: Slot[];
  slots: SlotStatus[];
}

/** A step of an installation, 0..100. */
export interface InstallProgress {
  percent: number;
  step: string;
}

/** A verified bundle, ready to install. */
export interface VerifiedBundle {
  /** The bundle file as uploaded or downloaded. */
  path: string;
  /** What verification found (and where it unpacked the payload). */
  info: BundleInfo;
}

/** Why an installation could not be made; the running slot is untouched. */
export class InstallError extends Error {
  constructor(readonly code: "no_space" | "payload" | "installer", message: string) {
    super(message);
    this.name = "InstallError";
  }
}

/** The A/B installer. */
export interface UpdatePort {
  /** `file` (simulation) or `rauc` (the device). */
  readonly kind: "file" | "rauc";
  status(): Promise<BootStatus>;
  /**
   * Writes the bundle into the slot not booted and makes it the next to boot; throws
   * {@linkcode InstallError}. A cut at any point leaves the booted slot the one to boot.
   */
  install(
    bundle: VerifiedBundle,
    onProgress: (p: InstallProgress) => void,
  ): Promise<{ slot: Slot }>;
  /** Why the boot loader last saw `slot` fail, if it can tell. */
  lastBootFailure?(slot: Slot): Promise<string | undefined>;
  /** The booted slot is healthy: it keeps its tries. */
  markGood(): Promise<void>;
  /** A slot is not to boot again until something new is installed into it. */
  markBad(slot: Slot): Promise<void>;
}
