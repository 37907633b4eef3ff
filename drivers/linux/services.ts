/**
 * Vendor OS access (M-1.8.3): the setting `security.remoteVendorAccess` enables or disables
 * the vendor's way in (SSH and the VPN client) as systemd units, `systemctl enable --now` or
 * `disable --now`; off by default, and off again whenever the setting is.
 * @module
 */
import type { Runner } from "./runner.ts";

/** The units of the vendor's access by default. */
export const VENDOR_UNITS = ["ssh.service", "openvpn-client@vendor.service"];

/** Switches the vendor's units on or off. */
export async function setVendorAccess(
  enabled: boolean,
  run: Runner,
  units: readonly string[] = VENDOR_UNITS,
): Promise<void> {
  await run("systemctl", [enabled ? "enable" : "disable", "--now", ...units]);
}
