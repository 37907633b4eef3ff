/**
 * The station's updates, composed: the update port (RAUC on the device, the file backend in
 * simulation), the {@linkcode Updater}, bundle verification against the keyring setting, and
 * OCPP UpdateFirmware's way into the same install path.
 * @module
 */
import { dirname, join } from "../path.ts";
import type { Station } from "../runtime.ts";
import type { Slot } from "./boot_env.ts";
import { type BundleInfo, BundleRefused, verifyBundle } from "./bundle.ts";
import { FileSlots, RAUC_DIR } from "./file_slots.ts";
import type { UpdatePort } from "./port.ts";
import { RaucCli } from "./rauc_cli.ts";
import { SLOT_ENV } from "./sim_boot.ts";
import { UpdateBusy, Updater, type UpdateSource } from "./updater.ts";

/** The RAUC `compatible` a station accepts bundles for. */
export function bundleCompatible(hardware: "sim" | "device"): string {
  return `ladewerk-${hardware}`;
}

/** Why nothing can be installed without a keyring. */
export const NO_KEYRING =
  "No update keyring is set (setting update.keyringPath, option --update-keyring): " +
  "the station trusts no bundle";

/** What {@linkcode startUpdates} needs. */
export interface UpdatesDeps {
  station: Station;
  dataDir: string;
  hardware: "sim" | "device";
  version: string;
  reboot: () => void;
  reserveBytes?: number;
  /** @default from `LADEWERK_HEALTH_TIMEOUT_MS`, else HEALTH_TIMEOUT_MS */
  healthTimeoutMs?: number;
  /** The port; by default RAUC on a device and the file backend in simulation. */
  port?: UpdatePort;
}

/** The composed update service. */
export interface Updates {
  updater: Updater;
  compatible: string;
  /** Whether a keyring is set (without one every bundle is refused). */
  trusted(): boolean;
  /** Verifies a bundle against the keyring, unpacking it into `into` (removed if refused). */
  verify(path: string, into: string): Promise<BundleInfo>;
  /**
   * Verifies a bundle file and starts its installation; rejects with the reason it is refused
   * ({@linkcode BundleRefused}, `UpdateBusy`). `done` settles when the install is made (and
   * the reboot requested) or failed.
   */
  installFile(
    path: string,
    o: { source: UpdateSource; force?: boolean; staging: string },
  ): Promise<{ info: BundleInfo; done: Promise<void> }>;
}

/** Builds the update service; call `updater.start()` and then `updater.confirm()`. */
export function startUpdates(deps: UpdatesDeps): Updates {
  const { station } = deps;
  const booted = (Deno.env.get(SLOT_ENV) === "B" ? "B" : "A") as Slot;
  const port = deps.port ?? (deps.hardware === "device" ? new RaucCli() : new FileSlots({
    root: join(deps.dataDir, RAUC_DIR),
    booted,
    factoryVersion: deps.version,
    nowMs: () => station.hardware.clock.nowMs(),
    ...(deps.reserveBytes !== undefined ? { reserveBytes: deps.reserveBytes } : {}),
  }));
  const envTimeout = Number(Deno.env.get("LADEWERK_HEALTH_TIMEOUT_MS"));
  const healthTimeoutMs = deps.healthTimeoutMs ?? (envTimeout > 0 ? envTimeout : undefined);
  const updater = new Updater({
    port,
    station,
    dataDir: deps.dataDir,
    version: deps.version,
    reboot: deps.reboot,
    nowMs: () => station.hardware.clock.nowMs(),
    ...(healthTimeoutMs ? { healthTimeoutMs } : {}),
  });
  const compatible = bundleCompatible(deps.hardware);
  const verify = async (path: string, into: string) => {
    const keyring = station.settings.get("update.keyringPath");
    if (!keyring) throw new BundleRefused("signature", NO_KEYRING);
    await Deno.remove(into, { recursive: true }).catch(() => {});
    await Deno.mkdir(dirname(into), { recursive: true });
    return await verifyBundle(path, {
      keyring,
      compatible,
      currentVersion: deps.version,
      into,
    });
  };
  return {
    updater,
    compatible,
    trusted: () => station.settings.get("update.keyringPath") !== "",
    verify,
    async installFile(path, o) {
      if (updater.busy) throw new UpdateBusy("Another update is being installed");
      const info = await verify(path, o.staging);
      const done = updater.install({ path, info }, {
        source: o.source,
        ...(o.force ? { force: true } : {}),
        cleanup: async () => {
          await Deno.remove(o.staging, { recursive: true }).catch(() => {});
          if (port.kind === "file") await Deno.remove(path).catch(() => {});
        },
      });
      done.catch(() => {/* the updater records and logs why */});
      return { info, done };
    },
  };
}
