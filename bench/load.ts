/**
 * The station under the load of a busy site, for the memory figures and the soak: the OCPP
 * backend calls every second, 10 Modbus clients poll the energy manager's block, 5 browsers
 * follow the live dashboard (`GET /api/events`, Server-Sent Events), and a car charges on
 * each point (started and stopped through the simulator API), while RSS is sampled.
 * @module
 */
import { closeClient, connectClient, type ModbusClient } from "../tests/helpers/modbus_station.ts";
import type { OcppBackend } from "../tests/helpers/ocpp_backend.ts";
import type { StationProcess } from "../tests/helpers/station_process.ts";
import { median } from "./figure.ts";

/** Reads `VmRSS`-style fields of /proc/PID/status, in KiB. */
export async function procStatusKib(pid: number, field: string): Promise<number> {
  const text = await Deno.readTextFile(`/proc/${pid}/status`);
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  if (!match?.[1]) throw new Error(`Cannot read ${field} of process ${pid}: not in /proc status`);
  return Number(match[1]);
}

const MODBUS_LISTENING = /Modbus TCP listening on \S+:(\d+) \(unit \d+\)/;

/** The Modbus port the station logged. */
export async function modbusPortOf(st: StationProcess, timeoutMs = 10_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const match = MODBUS_LISTENING.exec(st.output());
    if (match) return Number(match[1]);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`No "Modbus TCP listening" line within ${timeoutMs} ms:\n${st.output()}`);
}

/** Options of {@linkcode runLoad}. */
export interface LoadOptions {
  durationMs: number;
  /** RSS is sampled this often. @default 1000 */
  sampleEveryMs?: number;
  modbusClients?: number;
  /** Each Modbus client reads this often. @default 200 */
  modbusEveryMs?: number;
  dashboards?: number;
  /** Called with each sample (the soak prints them). */
  onSample?: (atMs: number, rssKib: number) => void;
}

/** What a load run saw. */
export interface LoadResult {
  /** `[ms since start, VmRSS KiB]`, one per sample. */
  samples: [number, number][];
  backendCalls: number;
  modbusReads: number;
  sseEvents: number;
  sessions: number;
  errors: string[];
}

const POLL_ADDRESS = 0x1000 + 8;
const POLL_COUNT = 16;

/** The password of a station that was never given one: its serial (M-1.1). */
const INITIAL_PASSWORD = "24110001";

/** Logs in like a browser and follows `/api/events` until `signal`; counts the events. */
async function dashboard(st: StationProcess, signal: AbortSignal, count: () => void) {
  const login = await fetch(`${st.baseUrl}/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: "admin", password: INITIAL_PASSWORD }),
  });
  await login.body?.cancel();
  const cookie = login.headers.get("set-cookie")?.split(";")[0];
  if (!login.ok || !cookie) throw new Error(`POST /api/login: ${login.status}`);
  const res = await fetch(`${st.baseUrl}/api/events`, { signal, headers: { cookie } });
  if (!res.ok || !res.body) throw new Error(`GET /api/events: ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  // The fetch's signal alone does not end a body read for minutes: after 7 minutes of load all
  // 5 dashboards read on after the abort (Deno 2.9.5) and the soak never ended. Cancelling the
  // reader ends the pending read whatever became of the fetch's own abort handling.
  const cancel = () => void reader.cancel().catch(() => {});
  signal.addEventListener("abort", cancel, { once: true });
  try {
    while (!signal.aborted) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const _ of value.matchAll(/^event: status$/gm)) count();
    }
  } finally {
    signal.removeEventListener("abort", cancel);
    reader.releaseLock();
  }
}

/** Runs the load against a station that is connected to `backend`. */
export async function runLoad(
  st: StationProcess,
  backend: OcppBackend,
  options: LoadOptions,
): Promise<LoadResult> {
  const result: LoadResult = {
    samples: [],
    backendCalls: 0,
    modbusReads: 0,
    sseEvents: 0,
    sessions: 0,
    errors: [],
  };
  const fail = (what: string) => (e: unknown) => {
    if (!stop.signal.aborted && result.errors.length < 20) {
      result.errors.push(`${what}: ${e instanceof Error ? e.message : e}`);
    }
  };
  const stop = new AbortController();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      stop.signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    });
  const port = await modbusPortOf(st);
  const clients: ModbusClient[] = await Promise.all(
    Array.from({ length: options.modbusClients ?? 10 }, () => connectClient(port)),
  );
  const tasks: Promise<unknown>[] = [];
  for (let i = 0; i < (options.dashboards ?? 5); i++) {
    tasks.push(dashboard(st, stop.signal, () => result.sseEvents++).catch(fail("dashboard")));
  }
  for (const client of clients) {
    tasks.push((async () => {
      while (!stop.signal.aborted) {
        await client.readHoldingRegisters(POLL_ADDRESS, POLL_COUNT).then(
          () => result.modbusReads++,
          fail("Modbus read"),
        );
        await sleep(options.modbusEveryMs ?? 200);
      }
    })());
  }
  tasks.push((async () => {
    const actions = [
      () => backend.call("GetConfiguration", {}),
      () => backend.call("TriggerMessage", { requestedMessage: "MeterValues", connectorId: 1 }),
      () => backend.call("GetCompositeSchedule", { connectorId: 1, duration: 3600 }),
      () => backend.call("TriggerMessage", { requestedMessage: "StatusNotification" }),
    ];
    for (let i = 0; !stop.signal.aborted; i++) {
      await actions[i % actions.length]!().then(() => result.backendCalls++, fail("OCPP call"));
      await sleep(1_000);
    }
  })());
  // A car on each point in turn, plugged in, a card shown, unplugged after 10 s: sessions open
  // and close (and are journaled, sent to the backend, kept in history) all along.
  tasks.push((async () => {
    const sim = async (path: string, json: unknown = {}) => {
      const r = await st.api(`/api/sim/${path}`, { method: "POST", json });
      if (r.status >= 400) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
    };
    for (let i = 0; !stop.signal.aborted; i++) {
      const connector = 1 + (i % 2);
      await sim(`connectors/${connector}/plug`, { phases: 3 })
        .then(() => sim("rfid", { idTag: "LOADTEST" }))
        .catch(fail("simulator"));
      await sleep(10_000);
      await sim(`connectors/${connector}/unplug`).then(() => result.sessions++)
        .catch(fail("simulator"));
      await sleep(1_000);
    }
  })());
  const startedAt = performance.now();
  const until = startedAt + options.durationMs;
  while (performance.now() < until) {
    await sleep(Math.min(options.sampleEveryMs ?? 1_000, until - performance.now()));
    const kib = await procStatusKib(st.pid, "VmRSS");
    const at = performance.now() - startedAt;
    result.samples.push([at, kib]);
    options.onSample?.(at, kib);
  }
  stop.abort();
  await Promise.all(clients.map(closeClient));
  await Promise.all(tasks);
  return result;
}

/**
 * Growth over a soak, in KiB: the median RSS of the last fifth of the samples minus that of
 * the first fifth after `warmupMs` (start-up effects, caches filling).
 */
export function growthKib(samples: [number, number][], warmupMs: number): number {
  const kept = samples.filter(([at]) => at >= warmupMs).map(([, kib]) => kib);
  if (kept.length < 5) throw new RangeError(`Too few samples after warm-up: ${kept.length}`);
  const fifth = Math.max(1, Math.floor(kept.length / 5));
  return median(kept.slice(-fifth)) - median(kept.slice(0, fifth));
}
