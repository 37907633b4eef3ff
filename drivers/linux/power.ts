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

/**
 * Asks systemd to reboot the device. `systemctl reboot` goes through logind; where logind does not
 * answer (it failed, or its D-Bus call timed out) the reboot target is started at PID 1 itself,
 * still stopping the units in order, and as the last resort `systemctl reboot --force` (units
 * killed, file systems read-only). An update waiting for its reboot is never left hanging.
 */
export async function rebootDevice(run: Runner, log: (line: string) => void = () => {}) {
  const attempts: string[][] = [
    ["reboot"],
    ["start", "reboot.target", "--job-mode=replace-irreversibly", "--no-block"],
    ["reboot", "--force"],
  ];
  let last: unknown;
  for (const args of attempts) {
    try {
      await run("systemctl", args);
      return;
    } catch (e) {
      last = e;
      log(`systemctl ${args.join(" ")} failed: ${e instanceof Error ? e.message : e}`);
    }
  }
  throw last;
}
