/**
 * Memory under load and over a soak: the station idle (OCPP registered), then under the load
 * of `load.ts` (backend calling every second, 10 Modbus pollers, 5 live dashboards, sessions
 * opening and closing) for {@linkcode soakMinutes} minutes: the largest RSS beside idle and
 * the floor, and the growth between the first and the last fifth of the samples. `deno task
 * soak` runs the same for an hour (`bench/soak.ts`).
 * @module
 */
import { OcppBackend } from "../tests/helpers/ocpp_backend.ts";
import { startStation } from "../tests/helpers/station_process.ts";
import type { Figure } from "./figure.ts";
import { growthKib, type LoadResult, runLoad } from "./load.ts";
import { builtProgram, idleStationKib, measureFloor } from "./startup_bench.ts";

/** Minutes of load in `deno task bench` (`LADEWERK_SOAK_MINUTES`). @default 3 */
export function soakMinutes(): number {
  const minutes = Number(Deno.env.get("LADEWERK_SOAK_MINUTES") ?? 3);
  if (!(minutes >= 1)) throw new RangeError("LADEWERK_SOAK_MINUTES: at least 1");
  return minutes;
}

/** The first minute of load is warm-up (caches, JIT, SQLite pages), not growth. */
const WARMUP_MS = 60_000;

/** Idle, load and soak figures of one station process under `minutes` of load. */
export async function soak(
  minutes: number,
  onSample?: (atMs: number, rssKib: number) => void,
): Promise<{ floorKib: number; idleKib: number; load: LoadResult }> {
  const floor = await measureFloor(1);
  await using backend = new OcppBackend();
  await backend.start();
  // Measured on its second start, as a station runs all its life after the first: the first
  // start on a fresh data directory also makes the database and the TLS certificate (the
  // certificate library stays loaded, about 6 MiB).
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-soak-" });
  await using _removed = { [Symbol.asyncDispose]: () => Deno.remove(dataDir, { recursive: true }) };
  const how = { ...await builtProgram(), dataDir, args: ["--ocpp-url", backend.url] };
  {
    await using first = await startStation(how);
    await idleStationKib(first);
  }
  await using st = await startStation(how);
  const idleKib = await idleStationKib(st);
  const load = await runLoad(st, backend, {
    durationMs: minutes * 60_000,
    sampleEveryMs: minutes > 10 ? 10_000 : 1_000,
    ...(onSample ? { onSample } : {}),
  });
  if (load.errors.length > 0) throw new Error(`Load failed:\n${load.errors.join("\n")}`);
  return { floorKib: floor.rssKib, idleKib, load };
}

/** The figures of a soak. */
export function figures(
  minutes: number,
  r: { floorKib: number; idleKib: number; load: LoadResult },
): Figure[] {
  const maxKib = Math.max(...r.load.samples.map(([, kib]) => kib));
  const growth = growthKib(r.load.samples, WARMUP_MS);
  const { backendCalls, modbusReads, sseEvents, sessions } = r.load;
  return [
    { name: "idle RSS", value: r.idleKib / 1024, unit: "MiB", note: "OCPP registered, 5 s quiet" },
    { name: "floor idle RSS", value: r.floorKib / 1024, unit: "MiB", note: "bare Hono, same run" },
    {
      name: "RSS under load max",
      value: maxKib / 1024,
      unit: "MiB",
      note: `${minutes} min: ${backendCalls} OCPP calls, ${modbusReads} Modbus reads, ` +
        `${sseEvents} SSE events, ${sessions} sessions`,
    },
    { name: "load / idle", value: maxKib / r.idleKib, unit: "×", note: "target ≤ 1.3 (issue 14)" },
    { name: "load / floor", value: maxKib / r.floorKib, unit: "×" },
    {
      name: "soak growth",
      value: growth / 1024,
      unit: "MiB",
      note: `last fifth minus first fifth of the samples after ${WARMUP_MS / 1000} s`,
    },
    { name: "soak growth / floor", value: growth / r.floorKib, unit: "×" },
  ];
}

/** A short soak ({@linkcode soakMinutes}). */
export async function run(): Promise<Figure[]> {
  const minutes = soakMinutes();
  return figures(minutes, await soak(minutes));
}
