/**
 * Start-up time (spawn of `deno run main.ts` to the first 200 of `GET /api/status`, each run
 * on a fresh data directory) and the idle memory of the station process, each beside the floor
 * measured in the same run: a bare Hono server on the same Deno (`floor_server.ts`), as ratios.
 * @module
 */
import { startStation, type StationProcess } from "../tests/helpers/station_process.ts";
import { type Figure, median } from "./figure.ts";

const RUNS = 5;
const IDLE_MS = 5_000;

/** Time from spawn to the first 200 of `/api/status`, in ms. */
async function timeToReady(st: StationProcess): Promise<number> {
  // The listening line comes first; the clock stops at the first answer, not at the line.
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    try {
      const { status } = await st.api("/api/status");
      if (status === 200) return performance.now() - st.spawnedAtMs;
    } catch {
      // Not answering yet.
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`No 200 from /api/status within 30 s of the listening line:\n${st.output()}`);
}

/** Reads `VmRSS`-style fields of /proc/PID/status, in KiB. */
export async function procStatusKib(pid: number, field: string): Promise<number> {
  const text = await Deno.readTextFile(`/proc/${pid}/status`);
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  if (!match?.[1]) throw new Error(`Cannot read ${field} of process ${pid}: not in /proc status`);
  return Number(match[1]);
}

/** Start-up times and idle RSS of `entry` (the station, or the floor). */
async function measure(
  entry?: string,
): Promise<{ timesMs: number[]; rssKib: number; peakKib: number }> {
  const timesMs: number[] = [];
  let rssKib = 0;
  let peakKib = 0;
  for (let i = 0; i < RUNS; i++) {
    const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-bench-" });
    try {
      await using st = await startStation({ dataDir, ...(entry ? { entry } : {}) });
      timesMs.push(await timeToReady(st));
      if (i === RUNS - 1) {
        await new Promise((r) => setTimeout(r, IDLE_MS));
        rssKib = await procStatusKib(st.pid, "VmRSS");
        peakKib = await procStatusKib(st.pid, "VmHWM");
      }
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  }
  return { timesMs, rssKib, peakKib };
}

/** Measures the station and the floor, {@linkcode RUNS} runs each. */
export async function run(): Promise<Figure[]> {
  const floor = await measure(new URL("./floor_server.ts", import.meta.url).pathname);
  const { timesMs, rssKib, peakKib } = await measure();
  const runs = `${RUNS} runs, fresh data dir each`;
  const floorStart = median(floor.timesMs);
  return [
    {
      name: "startup median",
      value: median(timesMs),
      unit: "ms",
      note: `spawn to first 200, ${runs}`,
    },
    { name: "startup max", value: Math.max(...timesMs), unit: "ms", note: runs },
    { name: "floor startup median", value: floorStart, unit: "ms", note: "bare Hono, same Deno" },
    {
      name: "startup / floor",
      value: median(timesMs) / floorStart,
      unit: "×",
      note: "target ≤ 2 (issue 14)",
    },
    {
      name: "idle RSS",
      value: rssKib / 1024,
      unit: "MiB",
      note: `VmRSS ${IDLE_MS / 1000} s after start`,
    },
    { name: "peak RSS", value: peakKib / 1024, unit: "MiB", note: "VmHWM at the same moment" },
    {
      name: "floor idle RSS",
      value: floor.rssKib / 1024,
      unit: "MiB",
      note: "bare Hono, same Deno, same moment",
    },
    {
      name: "idle RSS / floor",
      value: rssKib / floor.rssKib,
      unit: "×",
      note: "target ≤ 1.6 (issue 14)",
    },
  ];
}
