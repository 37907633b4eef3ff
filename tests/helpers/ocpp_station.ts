/**
 * A station connected to its own strict-mode test backend, for the `tests/ocpp_*_test.ts`
 * suites: `await using t = await ocppStation();` then `t.backend`, `t.st`, `t.booted()`.
 * @module
 */
import { OcppBackend, type RecordedCall } from "./ocpp_backend.ts";
import { RawBackend } from "./raw_backend.ts";
import { seedSettings } from "./seed.ts";
import { startStation, type StationProcess } from "./station_process.ts";

// deno-lint-ignore no-explicit-any
export type Json = any;

/** A recorded call with its parameters loosely typed, for assertions. */
export type Call = Omit<RecordedCall, "params"> & { params: Json };

/** A test backend: ocpp-rpc's server ("rpc") or the raw-WebSocket one ("raw"). */
export type TestBackend = OcppBackend | RawBackend;

/** The kinds of test backend; suites of core flows run against each. */
export const BACKENDS = ["rpc", "raw"] as const;

/** Makes a test backend of one kind. */
export function makeBackend(
  kind: (typeof BACKENDS)[number],
  options: ConstructorParameters<typeof OcppBackend>[0] = {},
): TestBackend {
  return kind === "raw" ? new RawBackend(options) : new OcppBackend(options);
}

/** Options of {@linkcode ocppStation}. */
export interface OcppStationOptions {
  /** Which backend implementation. @default "rpc" */
  backend?: (typeof BACKENDS)[number];
  /** Appended to the backend's URL in `--ocpp-url` (a URL that names the id already). */
  urlSuffix?: string;
  /** Refused handshakes are expected (a wrong key); otherwise they fail the test. */
  allowRefusals?: boolean;
  /** Further command-line options of the station. */
  args?: string[];
  /** Settings stored before the station starts. */
  seed?: Record<string, unknown>;
  /** Number of charge points. @default 2 */
  connectors?: 1 | 2;
  /** Basic-auth password the backend insists on. */
  password?: string;
  /** Sets up backend handlers before the station connects. */
  setup?: (backend: TestBackend) => void;
  /** Data directory to reuse (kept on dispose). */
  dataDir?: string;
}

/** A station and its backend; disposing stops both and removes a temporary data directory. */
export interface OcppStation extends AsyncDisposable {
  backend: TestBackend;
  st: StationProcess;
  dataDir: string;
  /** Waits for the boot and the StatusNotification of every connector (0..n) after it. */
  booted(timeoutMs?: number): Promise<void>;
  /** POSTs JSON to the station's API; fails the test on an error status. */
  post(path: string, body?: unknown): Promise<Json>;
  /** Waits for recorded calls; returns the first call after index `from` matching `match`. */
  next(
    action: string,
    match?: (params: Json) => boolean,
    options?: { from?: number; timeoutMs?: number },
  ): Promise<Call>;
  /** Starts the station again on the same data directory (after `st.stop()`). */
  restart(args?: string[]): Promise<StationProcess>;
}

/** Starts a backend on a free port, then a station pointed at it. */
export async function ocppStation(options: OcppStationOptions = {}): Promise<OcppStation> {
  const backend = makeBackend(
    options.backend ?? "rpc",
    options.password ? { password: options.password } : {},
  );
  options.setup?.(backend);
  await backend.start();
  const connectors = options.connectors ?? 2;
  const ownsDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? await Deno.makeTempDir({ prefix: "ladewerk-ocpp-" });
  if (options.seed) await seedSettings(dataDir, options.seed, { connectors });
  const baseArgs = [
    "--connectors",
    String(connectors),
    "--ocpp-url",
    backend.url + (options.urlSuffix ?? ""),
  ];
  let st: StationProcess;
  try {
    st = await startStation({ dataDir, args: [...baseArgs, ...(options.args ?? [])] });
  } catch (e) {
    await backend.stop();
    throw e;
  }
  const t: OcppStation = {
    backend,
    st,
    dataDir,
    async booted(timeoutMs = 15_000) {
      await withOutput(
        t,
        backend.waitFor((calls) => {
          const boot = calls.findLastIndex((c) => c.action === "BootNotification");
          if (boot < 0) return false;
          const seen = new Set(
            calls.slice(boot).filter((c) => c.action === "StatusNotification").map((c) =>
              c.params.connectorId
            ),
          );
          return Array.from({ length: connectors + 1 }, (_, i) => i).every((i) => seen.has(i));
        }, { timeoutMs, what: "BootNotification and every StatusNotification" }),
      );
    },
    async post(path, body) {
      const res = await t.st.api<Json>(path, { method: "POST", json: body ?? {} });
      if (res.status >= 400) {
        throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
      }
      return res.body;
    },
    async next(action, match = () => true, { from = 0, timeoutMs = 10_000 } = {}) {
      const find = () =>
        backend.calls.slice(from).find((c) => c.action === action && match(c.params));
      await withOutput(
        t,
        backend.waitFor(() => find() !== undefined, { timeoutMs, what: action }),
      );
      return find()!;
    },
    async restart(args = []) {
      t.st = await startStation({ dataDir, args: [...baseArgs, ...(options.args ?? []), ...args] });
      return t.st;
    },
    async [Symbol.asyncDispose]() {
      await t.st[Symbol.asyncDispose]();
      await backend.stop();
      if (ownsDir) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
      if (!options.allowRefusals && backend.refusals.length > 0) {
        throw new Error(`The backend refused handshakes: ${backend.refusals.join("; ")}`);
      }
    },
  };
  return t;
}

/** Adds the station's last output lines to a failure of `work`. */
async function withOutput<T>(t: OcppStation, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e) {
    const tail = t.st.output().split("\n").slice(-30).join("\n");
    const b = t.backend;
    throw new Error(
      `${e instanceof Error ? e.message : e}\nBackend: ${b.handshakes.length} handshake(s), ` +
        `${b.clients.size} client(s), problems ${JSON.stringify(b.problems)}, ` +
        `refusals ${JSON.stringify(b.refusals)}\n` +
        `Station output:\n${tail}`,
    );
  }
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
