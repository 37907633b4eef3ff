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
