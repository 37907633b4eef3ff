/**
 * Modbus TCP throughput and latency: FC3 reads of the typical poll (B+8, 16 registers) over
 * 10 concurrent connections for about 3 s, against the station's server and, in the same run,
 * against a bare modbus-serial `ServerTCP` answering static registers. Both servers and the
 * clients share this one process (the station is built in-process as `run.ts` does).
 * @module
 */
import ModbusRTU from "modbus-serial";
import { closeClient, connectClient, modbusStation } from "../tests/helpers/modbus_station.ts";
import { freePort } from "../tests/helpers/station_process.ts";
import type { Figure } from "./figure.ts";

const CONNECTIONS = 10;
const DURATION_MS = 3_000;
const ADDRESS = 0x1000 + 8;
const COUNT = 16;

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
  ];
}

if (import.meta.main) {
  for (const f of await run()) {
    console.log(
      `${f.name.padEnd(24)} ${f.value.toFixed(2).padStart(10)} ${f.unit} ${f.note ?? ""}`,
    );
  }
}
