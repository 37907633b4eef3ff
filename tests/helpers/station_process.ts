/**
 * Starts the real program (`main.ts`) as a child process on free ports with its own data
 * directory, for system tests and benchmarks: `await using st = await startStation();`.
 * @module
 */
import { fileURLToPath } from "node:url";
import { V8_FLAGS_OPTION } from "../../v8_flags.ts";

/** Absolute path of the repository root. */
export const REPO_ROOT: string = fileURLToPath(new URL("../../", import.meta.url));
/** Absolute path of the program's entry point. */
export const MAIN_PATH: string = fileURLToPath(new URL("../../main.ts", import.meta.url));

const LISTENING = /HTTP listening on (http:\/\/[^\s/]+)/;
/** Logged once OCPP and Modbus (loaded after HTTP serves) have started: the station is up. */
const STARTED = /OCPP: no backend set|OCPP backend \S+ as /;
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
const MAX_LINES = 20_000;
const VERBOSE = Deno.env.get("LADEWERK_TEST_VERBOSE") === "1";

/** Options of {@linkcode startStation}. */
export interface StartStationOptions {
  /** Data directory; a fresh temporary one (removed on dispose) when not given. */
  dataDir?: string;
  /** Further command-line options, after the test defaults (so they win). */
  args?: string[];
  /** Environment variables added to the inherited environment. */
  env?: Record<string, string>;
  /** Program to run instead of `main.ts` (a bundle, say). @default MAIN_PATH */
  entry?: string;
  /**
   * The command that runs `entry`, for another runtime (the aarch64 one under qemu, say).
   * @default [Deno.execPath(), "run", V8_FLAGS_OPTION, "--allow-all"] (as `deno task start`)
   */
  runtime?: string[];
  /** How long to wait for the station to start. @default 30000 */
  startTimeoutMs?: number;
  /**
   * When `startStation` resolves: once every service has started (`"services"`: HTTP, then
   * OCPP and Modbus, which load after HTTP's first answer), or at the HTTP listening line (`"http"`:
   * start-up benchmarks, and the floor, which has no other services). @default "services"
   */
  readyAt?: "http" | "services";
}

/** The answer of {@linkcode StationProcess.api}: status and body (parsed JSON, else text). */
export interface ApiResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** `RequestInit` plus `json`, a value sent as a JSON body with its content type. */
export type ApiInit = RequestInit & { json?: unknown };

/** Finds a free TCP port on 127.0.0.1 (listen on port 0, read it, close). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    return listener.addr.port;
  } finally {
    listener.close();
  }
}

/** Starts `main.ts` on free HTTP and Modbus ports; resolves once it has started (`readyAt`). */
export async function startStation(options: StartStationOptions = {}): Promise<StationProcess> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? await Deno.makeTempDir({ prefix: "ladewerk-test-" });
  const [command, ...runArgs] = options.runtime ??
    [Deno.execPath(), "run", V8_FLAGS_OPTION, "--allow-all"];
  const args = [
    ...runArgs,
    options.entry ?? MAIN_PATH,
    "--http-port",
    "0",
    "--modbus-port",
    "0",
    "--https-port",
    "0",
  ];
  args.push("--data-dir", dataDir, ...(options.args ?? []));
  const spawnedAtMs = performance.now();
  const child = new Deno.Command(command!, {
    args,
    cwd: REPO_ROOT,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const station = new StationProcess(child, dataDir, ownsDataDir, spawnedAtMs);
  try {
    await station.ready(options.startTimeoutMs ?? 30_000, options.readyAt ?? "services");
  } catch (e) {
    await station[Symbol.asyncDispose]();
    throw e;
  }
  return station;
}

/** A running station process; dispose it (`await using`) to stop it and clean up. */
export class StationProcess implements AsyncDisposable {
  /** Base URL of the HTTP server, such as `http://127.0.0.1:41234`; set once ready. */
  baseUrl = "";
  /** Process id of the `deno` process running `main.ts`. */
  readonly pid: number;
  /** Exit status; resolves once the process has exited and its output is read. */
  readonly exited: Promise<Deno.CommandStatus>;
  /** `performance.now()` just before the spawn, in ms. */
  readonly spawnedAtMs: number;
  #child: Deno.ChildProcess;
  #lines: string[] = [];
  #hasExited = false;
  #onLine: ((line: string) => void) | undefined;
  #ownsDataDir: boolean;
  #disposed = false;

  constructor(
    child: Deno.ChildProcess,
    readonly dataDir: string,
    ownsDataDir: boolean,
    spawnedAtMs: number,
  ) {
    this.#child = child;
    this.pid = child.pid;
    this.#ownsDataDir = ownsDataDir;
    this.spawnedAtMs = spawnedAtMs;
    const pumps = Promise.all([this.#pump(child.stdout), this.#pump(child.stderr)]);
    this.exited = Promise.all([child.status, pumps]).then(([status]) => {
      this.#hasExited = true;
      return status;
    });
  }

  /** Everything the process printed so far (stdout and stderr interleaved by arrival). */
  output(): string {
    return this.#lines.join("\n");
  }

  /**
   * Resolves when the listening line has appeared and, for `"services"`, the OCPP line after
   * it (every service has started); rejects on exit or after `timeoutMs`.
   */
  ready(timeoutMs: number, at: "http" | "services" = "services"): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const timer = setTimeout(() => {
      reject(new Error(`Station not listening after ${timeoutMs} ms:\n${this.output()}`));
    }, timeoutMs);
    let started = at === "http";
    this.#onLine = (line) => {
      const match = LISTENING.exec(line);
      if (match?.[1]) this.baseUrl = reachable(match[1]);
      started ||= STARTED.test(line);
      if (this.baseUrl && started) resolve();
    };
    this.exited.then((status) => {
      reject(
        new Error(`Station exited with code ${status.code} before listening:\n${this.output()}`),
      );
    });
    for (const line of this.#lines) this.#onLine(line);
    return promise.finally(() => {
      clearTimeout(timer);
      this.#onLine = undefined;
    });
  }

  /** Calls the HTTP API; the body is parsed as JSON when it is JSON, else returned as text. */
  async api<T = unknown>(path: string, init: ApiInit = {}): Promise<ApiResponse<T>> {
    const { json, ...rest } = init;
    if (json !== undefined) {
      rest.body = JSON.stringify(json);
      const headers = new Headers(rest.headers);
      headers.set("content-type", "application/json");
      rest.headers = headers;
      rest.method ??= "POST";
    }
    const response = await fetch(new URL(path, this.baseUrl), rest);
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text === "" ? null : JSON.parse(text);
    } catch {
      // Not JSON: the text is the body.
    }
    return { status: response.status, body: body as T, headers: response.headers };
  }

  /** Polls `GET /api/status` until `predicate` holds; returns that status body. */
  async waitFor<T = unknown>(
    predicate: (status: T) => boolean,
    options: { timeoutMs?: number; intervalMs?: number } = {},
  ): Promise<T> {
    const { timeoutMs = 10_000, intervalMs = 50 } = options;
    const deadline = performance.now() + timeoutMs;
    let last: unknown;
    while (!this.#hasExited) {
      try {
        const response = await this.api<T>("/api/status");
        last = response.body;
        if (response.status === 200 && predicate(response.body)) return response.body;
      } catch (e) {
        // A refused connection while the process exits: the loop condition reports it.
        last = e instanceof Error ? e.message : e;
      }
      if (performance.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    const why = this.#hasExited ? "the station exited" : `not within ${timeoutMs} ms`;
    throw new Error(
      `Status never matched: ${why}; last status: ${JSON.stringify(last)}\n${this.#tail()}`,
    );
  }

  /** Sends a signal, unless the process has already exited. */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    if (this.#hasExited) return;
    try {
      this.#child.kill(signal);
    } catch (e) {
      // The process may exit between the check and the kill.
      if (!(e instanceof TypeError)) throw e;
    }
  }

  /** SIGTERM, then SIGKILL after `killAfterMs`; resolves with the exit status. */
  async stop(killAfterMs = 10_000): Promise<Deno.CommandStatus> {
    this.kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((r) => timer = setTimeout(() => r("late"), killAfterMs));
    const first = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (first === "late") this.kill("SIGKILL");
    return await this.exited;
  }

  /** Stops the process and removes the data directory if {@linkcode startStation} made it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#ownsDataDir) await Deno.remove(this.dataDir, { recursive: true }).catch(() => {});
  }

  #tail(lines = 40): string {
    return this.#lines.slice(-lines).join("\n");
  }

  async #pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    let pending = "";
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (pending + text).split("\n");
      pending = parts.pop() ?? "";
      for (const part of parts) this.#line(part);
    }
    if (pending) this.#line(pending);
  }

  #line(raw: string): void {
    const line = raw.replace(ANSI, "").replace(/\r$/, "");
    if (VERBOSE) console.error(`[station ${this.pid}] ${line}`);
    this.#lines.push(line);
    if (this.#lines.length > MAX_LINES) this.#lines.splice(0, this.#lines.length - MAX_LINES);
    this.#onLine?.(line);
  }
}

/** A URL a client can reach: a wildcard bind address becomes loopback. */
function reachable(url: string): string {
  return url.replace("//0.0.0.0:", "//127.0.0.1:").replace("//[::]:", "//[::1]:");
}
