/**
 * Restarts of the device (M-1.2) when the station runs as its systemd service
 * (`LADEWERK_SYSTEMD=1` in `ladewerk.service`): a system restart is the OS's reboot, after which
 * U-Boot and RAUC choose the slot. Anywhere else (simulation, tests) the program restarts itself.
 * @module
 */
import type { Runner } from "./runner.ts";

/** Whether this process is the station's systemd service on a device. */
export function underSystemd(env: (name: string) => string | undefined): boolean {
  return env("LADEWERK_SYSTEMD") === "1" && env("NOTIFY_SOCKET") !== undefined;
}

/** Asks systemd to reboot the device. */
export async function rebootDevice(run: Runner): Promise<void> {
  await run("systemctl", ["reboot"]);
}
