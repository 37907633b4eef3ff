/**
 * Whether the station's time is valid (M-1.6.1), from chrony: `chronyc -c tracking` (CSV) says
 * the reference, the stratum and the leap status; "Not synchronised" or stratum 16 is no valid
 * time, which the web interface warns about.
 * @module
 */
import type { Runner } from "./runner.ts";

/** What chrony says about the clock. */
export interface Tracking {
  synchronised: boolean;
  reference: string;
  stratum: number;
  /** The system clock's offset from true time, in seconds (positive: fast). */
  offsetS: number;
}

/** Parses `chronyc -c tracking`. */
export function parseTracking(csv: string): Tracking {
  const f = csv.trim().split(",");
  const stratum = Number(f[2]);
  const leap = (f[13] ?? "").trim();
  return {
    synchronised: leap !== "" && leap !== "Not synchronised" && stratum > 0 && stratum < 16,
    reference: f[1] ?? "",
    stratum: Number.isFinite(stratum) ? stratum : 16,
    offsetS: Number(f[4]) || 0,
  };
}

/** Asks chrony. */
export async function chronyTracking(run: Runner): Promise<Tracking> {
  return parseTracking(await run("chronyc", ["-c", "tracking"]));
}

/** The time settings a device applies. */
export interface TimeSetup {
  source: "NTP" | "Heartbeat" | "Browser";
  ntpServer: string;
  zone: string;
}

/** The chrony source file of a set-up: the NTP server, or none when another source sets time. */
export function chronySources(s: TimeSetup): string {
  return [
    "# Written by ladewerk from the station's time settings; changes here are overwritten.",
    ...(s.source === "NTP" && s.ntpServer ? [`server ${s.ntpServer} iburst`] : []),
    "",
  ].join("\n");
}

/**
 * Applies the time settings (M-1.6.1): the NTP server as chrony's source file
 * (`<dir>/ladewerk.sources`, then `chronyc reload sources`) and the zone with `timedatectl
 * set-timezone`; the RTC follows the system clock (chrony's `rtcsync`).
 */
export async function applyTime(
  s: TimeSetup,
  run: Runner,
  dir = "/etc/chrony/sources.d",
): Promise<void> {
  const path = `${dir}/ladewerk.sources`;
  await Deno.writeTextFile(`${path}.tmp`, chronySources(s));
  await Deno.rename(`${path}.tmp`, path);
  await run("chronyc", ["reload", "sources"]);
  await run("timedatectl", ["set-timezone", s.zone]);
}
