/**
 * Start-up time and idle memory of the station, each beside the floor measured in the same
 * run: a bare Hono server on the same Deno (`floor_server.ts`), as ratios. The station runs as
 * `deno task start` runs it (same V8 flags), with an OCPP backend connected, Modbus TCP and
 * HTTPS on. The first start on a fresh data directory (database created, certificate made)
 * is reported apart; the start-up figure is the warm start, on that same directory again.
 *
 * A second floor, the stack floor (`stack_floor.ts`), runs the decided libraries as the station
 * uses them with no station logic, built and run as the program is: the ratios to it split
 * what the stack costs from what the station's own code costs.
 * @module
 */
import { buildProgram, ensureProgram, primeProgram, PROGRAM_PATH } from "../image/program.ts";
import { OcppBackend } from "../tests/helpers/ocpp_backend.ts";
import {
  startStation,
  type StartStationOptions,
  type StationProcess,
} from "../tests/helpers/station_process.ts";
import { V8_FLAGS_OPTION } from "../v8_flags.ts";
import { type Figure, median } from "./figure.ts";
import { modbusPortOf, procStatusKib } from "./load.ts";

export { procStatusKib };

const RUNS = 5;

/** The station as `deno task start` runs it: the built program, with the station's V8 flags. */
export async function builtProgram(): Promise<Pick<StartStationOptions, "entry" | "runtime">> {
  await ensureProgram();
  return {
    entry: PROGRAM_PATH,
    runtime: [Deno.execPath(), "run", "--no-config", V8_FLAGS_OPTION, "--allow-all"],
  };
}
const IDLE_MS = 5_000;
/** Idle RSS is the median of the last this many warm runs: one sample varies by about
 * ±0.5 MiB between starts, as much as the margin of a ratio target. */
const RSS_RUNS = 3;

/**
 * The stack floor (`stack_floor.ts`: the decided libraries doing the least the station does
 * with each), built and primed as the station's program is, in a temporary folder.
 */
async function stackFloorProgram(): Promise<
  Pick<StartStationOptions, "entry" | "runtime"> & AsyncDisposable
> {
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-stack-floor-" });
  const entry = `${dir}/stack_floor.js`;
  await buildProgram(entry, new URL("./stack_floor.ts", import.meta.url).pathname);
  await primeProgram(entry);
  return {
    entry,
    runtime: [Deno.execPath(), "run", "--no-config", V8_FLAGS_OPTION, "--allow-all"],
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

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

/** Time from spawn to the backend's acceptance of the BootNotification, in ms (after the first
 * answer: OCPP loads once HTTP has answered the boot's health check). */
async function timeToAccepted(st: StationProcess): Promise<number> {
  // deno-lint-ignore no-explicit-any
  await st.waitFor((s: any) => s.ocpp?.registration === "Accepted", {
    timeoutMs: 30_000,
    intervalMs: 2,
  });
  return performance.now() - st.spawnedAtMs;
}

/** The station's RSS once idle: OCPP registered, Modbus listening, then `IDLE_MS` quiet. */
export async function idleStationKib(st: StationProcess): Promise<number> {
  // deno-lint-ignore no-explicit-any
  await st.waitFor((s: any) => s.ocpp?.registration === "Accepted", { timeoutMs: 30_000 });
  await modbusPortOf(st);
  await new Promise((r) => setTimeout(r, IDLE_MS));
  return await procStatusKib(st.pid, "VmRSS");
}

/** The floor's start-up times, and its idle RSS for the last {@linkcode RSS_RUNS} of `runs`. */
class Floor {
  readonly timesMs: number[] = [];
  readonly #rssKib: number[] = [];
  constructor(readonly runs: number) {}

  /** Start `i` of the floor (from 0). */
  async once(i: number): Promise<void> {
    // The bare runtime: the floor runs without the station's V8 flags.
    await using st = await startStation({
      entry: new URL("./floor_server.ts", import.meta.url).pathname,
      runtime: [Deno.execPath(), "run", "--allow-all"],
      readyAt: "http",
    });
    this.timesMs.push(await timeToReady(st));
    if (i >= this.runs - RSS_RUNS) {
      await new Promise((r) => setTimeout(r, IDLE_MS));
      this.#rssKib.push(await procStatusKib(st.pid, "VmRSS"));
    }
  }

  get rssKib(): number {
    return median(this.#rssKib);
  }
}

/** The floor's start-up times and idle RSS, `runs` starts in a row. */
export async function measureFloor(
  runs = RUNS,
): Promise<{ timesMs: number[]; rssKib: number }> {
  const floor = new Floor(runs);
  for (let i = 0; i < runs; i++) await floor.once(i);
  return floor;
}

interface StationFigures {
  coldMs: number;
  timesMs: number[];
  acceptedMs: number[];
  rssKib: number;
  peakKib: number;
}

/** One first start on a fresh data directory, then `runs` warm starts on it; idle RSS of the
 * last {@linkcode RSS_RUNS}. `beside(i)` runs before warm start `i`: the floor's starts
 * interleaved with the station's see the same state of the machine. */
async function measureStation(
  how: Pick<StartStationOptions, "entry" | "runtime">,
  url: string,
  runs: number,
  beside: (i: number) => Promise<void> = () => Promise.resolve(),
): Promise<StationFigures> {
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-bench-" });
  // The clock runs from the spawn to the first 200: polling starts at the listening line.
  const options = { ...how, dataDir, args: ["--ocpp-url", url], readyAt: "http" as const };
  const figures: StationFigures = {
    coldMs: 0,
    timesMs: [],
    acceptedMs: [],
    rssKib: 0,
    peakKib: 0,
  };
  try {
    {
      await using st = await startStation(options);
      figures.coldMs = await timeToReady(st);
      await idleStationKib(st);
    }
    const rssKib: number[] = [];
    for (let i = 0; i < runs; i++) {
      await beside(i);
      await using st = await startStation(options);
      figures.timesMs.push(await timeToReady(st));
      figures.acceptedMs.push(await timeToAccepted(st));
      if (i >= runs - RSS_RUNS) {
        rssKib.push(await idleStationKib(st));
        figures.peakKib = await procStatusKib(st.pid, "VmHWM");
      }
    }
    figures.rssKib = median(rssKib);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
  return figures;
}

/** Measures the floor and the station, {@linkcode RUNS} warm runs each. */
export async function run(): Promise<Figure[]> {
  const program = await builtProgram();
  await using backend = new OcppBackend();
  await backend.start();
  // The floor's starts alternate with the station's: the machine's load moves the floor by a
  // third between runs minutes apart, and the ratio is what is compared.
  const floor = new Floor(RUNS);
  const { coldMs, timesMs, acceptedMs, rssKib, peakKib } = await measureStation(
    program,
    backend.url,
    RUNS,
    (i) => floor.once(i),
  );
  // As the tests run it: the sources, `deno run main.ts`.
  const source = await measureStation({}, backend.url, 3);
  await using stackFloor = await stackFloorProgram();
  const stack = await measureStation(stackFloor, backend.url, RUNS);
  const floorStart = median(floor.timesMs);
  const stackStart = median(stack.timesMs);
  const runs = `${RUNS} warm runs of dist/ladewerk.js as deno task start`;
  return [
    {
      name: "startup median",
      value: median(timesMs),
      unit: "ms",
      note: `spawn to first 200, ${runs}, OCPP+Modbus+HTTPS on`,
    },
    { name: "startup max", value: Math.max(...timesMs), unit: "ms", note: `${RUNS} warm runs` },
    {
      name: "OCPP accepted median",
      value: median(acceptedMs),
      unit: "ms",
      note: "spawn to BootNotification Accepted, same runs (OCPP loads after the first answer)",
    },
    {
      name: "first start",
      value: coldMs,
      unit: "ms",
      note: "fresh data dir: database created, certificate made (code cache primed by the build)",
    },
    {
      name: "floor startup median",
      value: floorStart,
      unit: "ms",
      note: "bare Hono, same Deno, its starts alternating with the station's",
    },
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
      note: `VmRSS ${IDLE_MS / 1000} s after OCPP registered, median of the last ${RSS_RUNS} runs`,
    },
    { name: "peak RSS", value: peakKib / 1024, unit: "MiB", note: "VmHWM of the last run" },
    {
      name: "floor idle RSS",
      value: floor.rssKib / 1024,
      unit: "MiB",
      note: `bare Hono, same Deno, VmRSS ${IDLE_MS / 1000} s after start, median of ${RSS_RUNS}`,
    },
    {
      name: "idle RSS / floor",
      value: rssKib / floor.rssKib,
      unit: "×",
      note: "target ≤ 1.6 (issue 14)",
    },
    {
      name: "stack floor startup median",
      value: stackStart,
      unit: "ms",
      note: "bench/stack_floor.ts built as the program: the decided libraries, no station logic",
    },
    {
      name: "stack floor OCPP accepted median",
      value: median(stack.acceptedMs),
      unit: "ms",
      note: "spawn to BootNotification Accepted",
    },
    {
      name: "stack floor / floor",
      value: stackStart / floorStart,
      unit: "×",
      note: "start-up the stack itself costs over bare Hono",
    },
    {
      name: "startup / stack floor",
      value: median(timesMs) / stackStart,
      unit: "×",
      note: "start-up the station's own code costs over its stack",
    },
    {
      name: "stack floor idle RSS",
      value: stack.rssKib / 1024,
      unit: "MiB",
      note: "OCPP booted, Modbus and HTTPS on, same moment",
    },
    {
      name: "stack floor RSS / floor",
      value: stack.rssKib / floor.rssKib,
      unit: "×",
      note: "memory the stack itself costs over bare Hono",
    },
    {
      name: "idle RSS / stack floor",
      value: rssKib / stack.rssKib,
      unit: "×",
      note: "memory the station's own code costs over its stack",
    },
    {
      name: "source startup median",
      value: median(source.timesMs),
      unit: "ms",
      note: "deno run main.ts (as the tests run it), 3 warm runs",
    },
    {
      name: "source idle RSS",
      value: source.rssKib / 1024,
      unit: "MiB",
      note: "deno run main.ts, same moment",
    },
  ];
}
