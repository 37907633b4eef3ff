/**
 * Test helper: a real station (store, settings, simulated hardware, runtime) on a temporary
 * data directory with its HTTP app, called through `app.request` without a socket.
 * `await using t = await testStation(); const admin = await t.login();`.
 * @module
 */
import { AdjustableClock, ManualClock, systemClock } from "../drivers/clock.ts";
import { SimulatedHardware } from "../drivers/sim/mod.ts";
import { installFactoryWhitelist } from "../station/factory.ts";
import { Station } from "../station/runtime.ts";
import { Settings } from "../station/settings/mod.ts";
import type { StationInfo } from "../station/snapshot.ts";
import { openStore, type Store } from "../station/store/mod.ts";
import { APP_VERSION, stationInfo } from "../station/version.ts";
import { startUpdates, type Updates } from "../station/update/mod.ts";
import { createApp } from "./app.ts";
import type { AppDeps } from "./context.ts";

/** Options of {@linkcode testStation}. */
export interface TestStationOptions {
  serial?: string;
  connectors?: 1 | 2;
  factoryPassword?: string;
  /** Without the simulator routes (as on a device). @default true */
  sim?: boolean;
  /** Settings stored before the station starts. */
  settings?: Record<string, unknown>;
  /** Further dependencies of the app (uiDir, flashDelayMs, ...). */
  deps?: Partial<AppDeps>;
}

/** A logged-in browser: the cookie and the CSRF token. */
export interface Login {
  cookie: string;
  csrfToken: string;
}

/** `RequestInit` plus a JSON body, the session to send and the client's address. */
export interface TestInit extends RequestInit {
  json?: unknown;
  as?: Login;
  /** Client address seen by the app. @default "127.0.0.1" */
  from?: string;
}

/** The station, its app and the helpers of a test. */
export interface TestStation extends AsyncDisposable {
  app: ReturnType<typeof createApp>;
  station: Station;
  hardware: SimulatedHardware;
  store: Store;
  settings: Settings;
  /** Time of web sessions and throttling: advance it to expire sessions. */
  webClock: ManualClock;
  /** The station's clock (browser time sync sets it). */
  stationClock: AdjustableClock;
  dataDir: string;
  /** Restarts asked for through the admin routes (and reboots after an install). */
  restarts: string[];
  /** The update service (file backend under the data directory). */
  updates: Updates;
  /** Ends the app's lifetime (event streams, timers). */
  lifetime: AbortController;
  request(path: string, init?: TestInit): Promise<Response>;
  /** Logs in with `password` (default: the initial password) and returns the session. */
  login(password?: string): Promise<Login>;
}

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Starts a station on a fresh temporary data directory. */
export async function testStation(options: TestStationOptions = {}): Promise<TestStation> {
  const serial = options.serial ?? "24110001";
  const connectors = options.connectors ?? 2;
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-http-" });
  const store = await openStore(dataDir);
  const factory = { serial, connectors, hardware: "sim" as const, masterKey: "MASTERKEY" };
  const { settings } = await Settings.open(store.settings, factory);
  if (options.settings) await settings.set(options.settings, { writer: "station" });
  await installFactoryWhitelist(store, "MASTERKEY", Date.now());
  const stationClock = new AdjustableClock(systemClock);
  const hardware = new SimulatedHardware({ connectors, clock: stationClock });
  const station = await Station.start({ hardware, store, settings });
  const info: StationInfo = stationInfo(serial, connectors, "sim");
  const webClock = new ManualClock(Date.now());
  const lifetime = new AbortController();
  const restarts: string[] = [];
  const updates = startUpdates({
    station,
    dataDir,
    hardware: "sim",
    version: APP_VERSION,
    reboot: () => restarts.push("system"),
    healthTimeoutMs: 2000,
  });
  await updates.updater.start();
  station.addStatus("update", () => updates.updater.status());
  const app = createApp({
    updates,
    station,
    info,
    signal: lifetime.signal,
    dataDir,
    ...(options.sim === false ? {} : { sim: hardware }),
    control: { restart: (kind) => restarts.push(kind) },
    factoryPassword: options.factoryPassword,
    clock: webClock,
    timeSync: stationClock,
    flashDelayMs: 10,
    restartDelayMs: 0,
    ...options.deps,
  });

  const request = (path: string, init: TestInit = {}) => {
    const { json, as, from, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (json !== undefined) {
      rest.body = JSON.stringify(json);
      headers.set("content-type", "application/json");
      rest.method ??= "POST";
    }
    if (as) {
      headers.set("cookie", as.cookie);
      if (STATE_CHANGING.has(rest.method ?? "GET") && !headers.has("x-csrf-token")) {
        headers.set("x-csrf-token", as.csrfToken);
      }
    }
    return Promise.resolve(
      app.request(path, { ...rest, headers }, { remoteAddr: { hostname: from ?? "127.0.0.1" } }),
    );
  };

  const login = async (password = options.factoryPassword ?? serial): Promise<Login> => {
    const res = await request("/api/login", { json: { user: "admin", password } });
    if (res.status !== 200) throw new Error(`Login failed: ${res.status} ${await res.text()}`);
    const body = await res.json();
    const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
    return { cookie, csrfToken: body.csrfToken };
  };

  return {
    app,
    station,
    hardware,
    store,
    settings,
    webClock,
    stationClock,
    dataDir,
    restarts,
    updates,
    lifetime,
    request,
    login,
    async [Symbol.asyncDispose]() {
      lifetime.abort();
      await station.shutdown("Reboot");
      await hardware[Symbol.asyncDispose]();
      await store[Symbol.asyncDispose]();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

/** Reads a JSON body (any type: tests look inside). */
// deno-lint-ignore no-explicit-any
export async function json(res: Response): Promise<any> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`Not JSON (${res.status}): ${text.slice(0, 200)}`);
  }
}

/** Waits until `predicate` holds, checking every 5 ms; throws after `timeoutMs`. */
export async function waitUntil(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!await predicate()) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
