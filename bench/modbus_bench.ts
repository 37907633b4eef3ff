/**
 * Modbus TCP throughput and latency: FC3 reads of the typical poll (B+8, 16 registers) over
 * 10 concurrent connections for about 3 s, against the station's server and, in the same run,
 * against a bare modbus-serial `ServerTCP` answering static registers. Both servers and the
 * clients share this one process (the station is built in-process as `run.ts` does).
 *
 * Then the same load against the built program in its own process, as `deno task start` runs
 * it, once with the station's V8 flags and once with `--jitless` added: the CPU time the
 * program spends per 1000 reads is what an embedded board pays, and what V8 flags that save
 * memory cost (the in-process figures run without the station's flags).
 * @module
 */
import ModbusRTU from "modbus-serial";
import { closeClient, connectClient, modbusStation } from "../tests/helpers/modbus_station.ts";
import { freePort, startStation } from "../tests/helpers/station_process.ts";
import { V8_FLAGS, V8_FLAGS_OPTION } from "../v8_flags.ts";
import type { Figure } from "./figure.ts";
import { modbusPortOf } from "./load.ts";
import { builtProgram } from "./startup_bench.ts";

const CONNECTIONS = 10;
const DURATION_MS = 3_000;
const ADDRESS = 0x1000 + 8;
const COUNT = 16;
/** Wait after the program's Modbus server listens before its load is measured. */
const SETTLE_MS = 2_000;

interface Result {
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

/** Reads as fast as each of {@linkcode CONNECTIONS} clients can for {@linkcode DURATION_MS}. */
async function load(port: number): Promise<Result> {
  const clients = await Promise.all(
    Array.from({ length: CONNECTIONS }, () => connectClient(port)),
  );
  const latenciesMs: number[] = [];
  const startedAt = performance.now();
  const until = startedAt + DURATION_MS;
  try {
    await Promise.all(clients.map(async (client) => {
      while (performance.now() < until) {
        const t0 = performance.now();
        const { data } = await client.readHoldingRegisters(ADDRESS, COUNT);
        latenciesMs.push(performance.now() - t0);
        if (data.length !== COUNT) throw new Error(`Read ${data.length} registers`);
      }
    }));
  } finally {
    await Promise.all(clients.map(closeClient));
  }
  const elapsedS = (performance.now() - startedAt) / 1000;
  const sorted = latenciesMs.toSorted((a, b) => a - b);
  return {
    requestsPerS: latenciesMs.length / elapsedS,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    requests: latenciesMs.length,
  };
}

/** A modbus-serial server with nothing behind it: the floor of what the library costs. */
async function bareServer(): Promise<{ port: number; close(): Promise<void> }> {
  const port = freePort();
  const words = Array.from({ length: 0x10000 }, (_, i) => i & 0xffff);
  const server = new ModbusRTU.ServerTCP({
    getHoldingRegister: (address: number) => words[address]!,
    getMultipleHoldingRegisters: (address: number, count: number) =>
      words.slice(address, address + count),
  }, { host: "127.0.0.1", port, unitID: 1 });
  server.on("error", () => {});
  server.on("socketError", () => {});
  await new Promise<void>((resolve, reject) => {
    server.once("initialized", () => resolve());
    server.once("serverError", reject);
  });
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** CPU time (user and system) process `pid` has used, in ms (Linux: 100 clock ticks a second). */
async function cpuMs(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  // Fields after the command's closing parenthesis; utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * The load against the built program as `deno task start` runs it, or with `extraFlag` added to
 * its V8 flags, and the program's CPU time per 1000 reads.
 */
async function programLoad(extraFlag?: string): Promise<Result & { cpuMsPer1000: number }> {
  const program = await builtProgram();
  // Another flag gets its own code cache: V8 refuses one made under other flags, and would
  // replace the program's.
  const denoDir = extraFlag ? await Deno.makeTempDir({ prefix: "ladewerk-modbus-bench-" }) : "";
  try {
    await using st = await startStation({
      entry: program.entry,
      runtime: extraFlag
        ? [
          "env",
          `DENO_DIR=${denoDir}`,
          ...program.runtime!.map((a) => a === V8_FLAGS_OPTION ? `${a},${extraFlag}` : a),
        ]
        : program.runtime,
    });
    const port = await modbusPortOf(st);
    // Past the start's own work (compiling, the first ticks), which is not the reads' cost.
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const before = await cpuMs(st.pid);
    const result = await load(port);
    const used = await cpuMs(st.pid) - before;
    return { ...result, cpuMsPer1000: 1000 * used / result.requests };
  } finally {
    if (denoDir) await Deno.remove(denoDir, { recursive: true }).catch(() => {});
  }
}

/** Measures the station's server and the bare one; returns both and their ratio. */
export async function run(): Promise<Figure[]> {
  let station: Result;
  {
    await using t = await modbusStation();
    await t.charge(1);
    station = await load(t.port);
  }
  const bare = await bareServer();
  let floor: Result;
  try {
    floor = await load(bare.port);
  } finally {
    await bare.close();
  }
  const program = await programLoad();
  const jitless = await programLoad("--jitless");
  const how = `FC3 B+8 x16, ${CONNECTIONS} connections, ${DURATION_MS / 1000} s`;
  return [
    { name: "station FC3", value: station.requestsPerS, unit: "req/s", note: how },
    {
      name: "station FC3 p50",
      value: station.p50Ms,
      unit: "ms",
      note: `${station.requests} reads`,
    },
    { name: "station FC3 p99", value: station.p99Ms, unit: "ms" },
    {
      name: "bare ServerTCP FC3",
      value: floor.requestsPerS,
      unit: "req/s",
      note: "static registers",
    },
    {
      name: "bare ServerTCP FC3 p50",
      value: floor.p50Ms,
      unit: "ms",
      note: `${floor.requests} reads`,
    },
    { name: "bare ServerTCP FC3 p99", value: floor.p99Ms, unit: "ms" },
    {
      name: "station / bare",
      value: 100 * station.requestsPerS / floor.requestsPerS,
      unit: "%",
      note: "throughput of the station's server relative to the bare one",
    },
    {
      name: "program FC3",
      value: program.requestsPerS,
      unit: "req/s",
      note: `the built program in its own process, ${V8_FLAGS}`,
    },
    {
      name: "program FC3 p50",
      value: program.p50Ms,
      unit: "ms",
      note: `${program.requests} reads`,
    },
    {
      name: "program CPU per 1000 reads",
      value: program.cpuMsPer1000,
      unit: "ms",
      note: "user and system time of the program's process",
    },
    {
      name: "program --jitless FC3",
      value: jitless.requestsPerS,
      unit: "req/s",
      note: "--jitless added (about 3.7 MiB less idle RSS): what it costs",
    },
    { name: "program --jitless FC3 p50", value: jitless.p50Ms, unit: "ms" },
    { name: "program --jitless CPU per 1000", value: jitless.cpuMsPer1000, unit: "ms" },
  ];
}

if (import.meta.main) {
  for (const f of await run()) {
    console.log(
      `${f.name.padEnd(24)} ${f.value.toFixed(2).padStart(10)} ${f.unit} ${f.note ?? ""}`,
    );
  }
}
