/**
 * One lifetime of the station software: storage, settings, station, servers. `main.ts` runs it
 * again after a daemon or system restart requested from the web interface.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { join, resolve } from "./station/path.ts";
import { AdjustableClock, systemClock } from "./drivers/clock.ts";
import { SimChargeController, SimulatedHardware } from "./drivers/sim/mod.ts";
// Device drivers load only with --hardware device (a simulated station never needs them).
import type { DeviceHardware } from "./drivers/device/mod.ts";
import { type SystemdNotifier, systemdNotifier } from "./drivers/systemd.ts";
import { createApp } from "./http/app.ts";
import { monotonicClock } from "./http/context.ts";
import { serveWeb } from "./http/serve.ts";
import { CLUSTER_OPTION_OF, clusterSettings, type ProgramOptions } from "./options.ts";
import { webPasswordSetter, WebSessions } from "./station/auth/mod.ts";
import { installFactoryWhitelist } from "./station/factory.ts";
import { startCluster } from "./station/cluster/mod.ts";
import { startMqttApi } from "./station/mqtt/mod.ts";
import { LagMonitor } from "./station/lag_monitor.ts";
import { Station } from "./station/runtime.ts";
import { Settings, SettingsError } from "./station/settings/mod.ts";
import type { StationInfo } from "./station/snapshot.ts";
import { openStore } from "./station/store/mod.ts";
import { APP_VERSION, stationInfo } from "./station/version.ts";
import { startUpdates } from "./station/update/mod.ts";
import { aborted, delay } from "./station/delay.ts";
import type { Store } from "./station/store/mod.ts";
import type { Hardware } from "./drivers/ports.ts";
import type { WebServers } from "./http/serve.ts";
import { UPDATES_DIR } from "./http/software_routes.ts";

const log = getLogger(["ladewerk"]);

/** How a lifetime ended. */
export type Outcome = "exit" | "restartDaemon" | "restartSystem";

/** Hardware kept across daemon restarts (the charge controllers keep running). */
export interface Kept {
  hardware?: SimulatedHardware | DeviceHardware;
  /** The systemd notifier of this process (watchdog pings for its whole life). */
  systemd?: SystemdNotifier;
}

/** Thrown for a start-up problem the operator must fix (bad option value). */
export class StartupError extends Error {
  override name = "StartupError";
}

/** What the boot's health check waits for beside its own probes. */
export interface BootServices {
  /** Called after each probe of the database, HTTP and the charge controllers. */
  probed(): void;
  /** Settles once OCPP and Modbus have started (or failed to). */
  started: Promise<void>;
}

/**
 * The health checks a boot must pass before its slot is marked good: the database answers
 * (it was migrated when opened), HTTP serves, every charge controller answers, then OCPP and
 * Modbus have started. Its request to `/api/status` is normally HTTP's first answer: OCPP and
 * Modbus load after the probes (`services.probed`), so the technician's page does not wait for
 * them, and a version whose OCPP or Modbus cannot start is still not marked good.
 */
export async function healthCheck(
  store: Store,
  web: WebServers,
  hardware: Hardware,
  services: BootServices,
): Promise<string | undefined> {
  let reason;
  try {
    reason = await probe(store, web, hardware);
  } finally {
    services.probed();
  }
  if (reason !== undefined) return reason;
  try {
    await services.started;
  } catch (e) {
    return `OCPP or Modbus did not start: ${e instanceof Error ? e.message : e}`;
  }
  return undefined;
}

/** The database, HTTP and the charge controllers answer: undefined, or why not. */
async function probe(
  store: Store,
  web: WebServers,
  hardware: Hardware,
): Promise<string | undefined> {
  try {
    await store.getMeta("update.health");
  } catch (e) {
    return `the database does not answer: ${e}`;
  }
  if (web.httpPort === undefined) return "HTTP is not serving yet";
  try {
    const host = web.httpHost === "0.0.0.0" || web.httpHost === "::" ? "127.0.0.1" : web.httpHost;
    const r = await fetch(`http://${host}:${web.httpPort}/api/status`, {
      redirect: "manual",
      signal: AbortSignal.timeout(5000),
    });
    await r.body?.cancel();
    if (r.status >= 500) return `HTTP answers ${r.status}`;
  } catch (e) {
    return `HTTP does not answer: ${e instanceof Error ? e.message : e}`;
  }
  try {
    for (const c of hardware.controllers) c.pilot();
  } catch (e) {
    return `a charge controller does not answer: ${e instanceof Error ? e.message : e}`;
  }
  return undefined;
}

const SESSIONS_FILE = "update/web-sessions.json";

/** Writes the live web sessions for the next start (owner-only file). */
async function keepWebSessions(dataDir: string, sessions: WebSessions): Promise<void> {
  try {
    const path = join(dataDir, SESSIONS_FILE);
    await Deno.writeTextFile(path, JSON.stringify(sessions.snapshot()), { mode: 0o600 });
  } catch (e) {
    log.warn(`Web sessions not kept across the restart: ${e}`);
  }
}

/** Takes back the sessions an update's restart kept, and deletes the file. */
async function restoreWebSessions(dataDir: string, sessions: WebSessions): Promise<void> {
  const path = join(dataDir, SESSIONS_FILE);
  try {
    const n = sessions.restore(JSON.parse(await Deno.readTextFile(path)));
    if (n > 0) log.info(`${n} web session(s) kept across the update's restart`);
  } catch { /* none kept */ }
  await Deno.remove(path).catch(() => {});
}

/**
 * Applies what `read` gives from the settings now and on every change of it (compared as JSON),
 * when there is something to apply it with; returns the unsubscribe.
 */
function followSettings<T>(
  settings: Settings,
  read: () => T,
  apply: ((value: T) => Promise<void>) | undefined,
  what: string,
): () => void {
  if (!apply) return () => {};
  let last = "";
  const run = () => {
    const value = read();
    const key = JSON.stringify(value);
    if (key === last) return;
    last = key;
    apply(value).then(
      () => log.info(`${what} applied`),
      (e) => log.error(`${what} not applied: ${e instanceof Error ? e.message : e}`),
    );
  };
  run();
  return settings.onChange(run);
}

/** Flashes the boards after an OS update, once no session runs; the points wait meanwhile. */
async function flashAfterUpdate(
  station: Station,
  device: DeviceHardware,
  signal: AbortSignal,
): Promise<void> {
  while (station.state.connectors.some((c) => c.session) && !signal.aborted) {
    await delay(5000, signal).catch(() => {});
  }
  if (signal.aborted) return;
  log.info("Flashing the charge controllers with the firmware of the new OS version");
  await station.dispatch({ type: "availability", connectorId: 0, operative: false });
  try {
    const versions = await device.flashControllers(() => {});
    log.info(`Charge controllers flashed after the update: ${versions.join(", ")}`);
  } catch (e) {
    log.error(
      `Charge controller flash after the update failed: ${e instanceof Error ? e.message : e}`,
    );
  } finally {
    await station.restoreAvailability();
  }
}

/** Default device description on a device. */
export const DEVICE_CONFIG_PATH = "/etc/ladewerk/device.json";

/**
 * The hardware: simulated, or as the device description says. The station's clock is the
 * host's plus an offset set by browser sync or OCPP heartbeat.
 */
async function buildHardware(
  opts: ProgramOptions,
  store: Store,
): Promise<SimulatedHardware | DeviceHardware> {
  const clock = new AdjustableClock(systemClock);
  const initialEnergyWh = await Promise.all(
    Array.from({ length: opts.connectors }, (_, i) => store.sessions.lastEnergyWh(i + 1)),
  );
  if (opts.hardware === "sim") {
    return new SimulatedHardware({ connectors: opts.connectors, clock, initialEnergyWh });
  }
  const path = opts["device-config"] ?? DEVICE_CONFIG_PATH;
  const { DescriptionError, DeviceHardware, parseDescription } = await import(
    "./drivers/device/mod.ts"
  );
  let description;
  try {
    description = parseDescription(await Deno.readTextFile(path));
  } catch (e) {
    const why = e instanceof DescriptionError ? e.message : e instanceof Error ? e.message : e;
    throw new StartupError(`--device-config ${path}: ${why}`);
  }
  if (description.connectors !== opts.connectors) {
    throw new StartupError(
      `--device-config ${path}: connectors: ${description.connectors}, but --connectors is ` +
        `${opts.connectors}`,
    );
  }
  return await DeviceHardware.build(description, { clock, initialEnergyWh });
}

/** Runs the station until `signal` aborts (exit) or a restart is requested. */
export async function runStation(
  opts: ProgramOptions,
  dataDir: string,
  signal: AbortSignal,
  kept: Kept,
): Promise<Outcome> {
  const store = await openStore(dataDir);
  const factory = {
    serial: opts.serial,
    connectors: opts.connectors,
    hardware: opts.hardware,
    masterKey: opts["master-key"],
  };
  const { settings, dropped } = await Settings.open(store.settings, factory);
  for (const d of dropped) log.warn(`Stored setting ${d.field} refused, default used: ${d.reason}`);
  await store.events.append(dropped.map((d) => ({
    atMs: systemClock.nowMs(),
    kind: "settings",
    code: "SettingDropped",
    message: `Stored setting ${d.field} refused, default used: ${d.reason}`,
  }))).catch((e) => log.warn(`Cannot log the refused settings: ${e}`));
  if (opts["ocpp-url"] !== undefined) {
    try {
      await settings.set({ "ocpp.url": opts["ocpp-url"] }, { writer: "station" });
    } catch (e) {
      await store[Symbol.asyncDispose]();
      if (e instanceof SettingsError) throw new StartupError(`--ocpp-url: ${e.issues[0]?.reason}`);
      throw e;
    }
  }
  if (opts["update-keyring"] !== undefined) {
    await settings.set({ "update.keyringPath": resolve(opts["update-keyring"]) }, {
      writer: "station",
    });
  }
  try {
    const cluster = clusterSettings(opts, (path) => Deno.readTextFileSync(path));
    if (Object.keys(cluster).length > 0) await settings.set(cluster, { writer: "station" });
  } catch (e) {
    await store[Symbol.asyncDispose]();
    if (e instanceof SettingsError) {
      const issue = e.issues[0];
      const option = CLUSTER_OPTION_OF[issue?.field ?? ""] ?? issue?.field;
      throw new StartupError(`${option}: ${issue?.reason}`);
    }
    if (e instanceof Deno.errors.NotFound) {
      throw new StartupError(`--cluster-ca-file: ${e.message}`);
    }
    throw e;
  }
  await installFactoryWhitelist(store, opts["master-key"], systemClock.nowMs());

  const hardware = kept.hardware ?? await buildHardware(opts, store).catch(async (e) => {
    await store[Symbol.asyncDispose]();
    throw e;
  });
  // The simulator's controls: the whole simulated station, or a device's simulated parts.
  const sim = !(hardware instanceof SimulatedHardware)
    ? (hardware.board ??
      (hardware.controllers.every((c) => c instanceof SimChargeController)
        ? hardware.sim
        : undefined))
    : hardware;
  const station = await Station.start({ hardware, store, settings });
  const info: StationInfo = stationInfo(opts.serial, opts.connectors, opts.hardware);

  const stop = new AbortController();
  let outcome = "exit" as Outcome;
  const end = (o: Outcome) => {
    outcome = o;
    stop.abort();
  };
  const onExit = () => end("exit");
  signal.addEventListener("abort", onExit, { once: true });

  const updates = startUpdates({
    station,
    dataDir,
    hardware: opts.hardware,
    version: APP_VERSION,
    reboot: () => end("restartSystem"),
  });
  await updates.updater.start();
  station.addStatus("update", () => updates.updater.status());
  // On a device: the vendor's OS access (off by default), the time settings and the modem's
  // PIN and APN follow their settings, from the start on.
  const device = !(hardware instanceof SimulatedHardware) ? hardware : undefined;
  const offVendor = followSettings(
    settings,
    () => settings.get("security.remoteVendorAccess"),
    device?.vendorAccess,
    "Vendor OS access",
  );
  const offTime = followSettings(
    settings,
    () => ({
      source: settings.get("time.source"),
      ntpServer: settings.get("time.ntpServer"),
      zone: settings.get("time.zone"),
    }),
    device?.applyTime,
    "Time settings",
  );
  const offMobile = followSettings(
    settings,
    () => ({
      pin: settings.get("mobile.pin"),
      apn: settings.get("mobile.apn"),
      user: settings.get("mobile.user"),
      password: settings.get("mobile.password"),
    }),
    device?.setUpMobile,
    "Mobile modem set-up",
  );
  const cluster = startCluster(station);
  station.addStatus("cluster", () => cluster.status());
  const mqttApi = startMqttApi(station, info);
  station.addStatus("mqtt", () => mqttApi.status());
  station.metrics.add(() => mqttApi.metrics());
  const webSessions = new WebSessions({ clock: monotonicClock });
  await restoreWebSessions(dataDir, webSessions);
  const app = createApp({
    station,
    info,
    ...(sim ? { sim } : {}),
    signal: stop.signal,
    dataDir,
    factoryPassword: opts["factory-password"],
    sessions: webSessions,
    // The browser time sync moves the station clock when the hardware runs on an adjustable one.
    ...(hardware.clock instanceof AdjustableClock ? { timeSync: hardware.clock } : {}),
    control: { restart: (kind) => end(kind === "daemon" ? "restartDaemon" : "restartSystem") },
    cluster,
    updates,
    ...(!(hardware instanceof SimulatedHardware) && hardware.network
      ? { network: hardware.network }
      : {}),
    ...(!(hardware instanceof SimulatedHardware) && hardware.modem
      ? { modem: hardware.modem }
      : {}),
    ...(!(hardware instanceof SimulatedHardware) && hardware.flashable
      ? { flashControllers: (p: (percent: number) => void) => hardware.flashControllers(p) }
      : {}),
    ...(!(hardware instanceof SimulatedHardware) && hardware.timeValid
      ? { timeValid: hardware.timeValid }
      : {}),
  });
  // OCPP and Modbus start after HTTP's first answer: until then their state is null.
  station.addStatus("ocpp", () => null);
  station.addStatus("modbus", () => null);
  using lag = new LagMonitor();
  station.addStatus("runtime", () => lag.status());
  const web = serveWeb(app.fetch, {
    hostname: opts["http-host"] ?? (opts.hardware === "sim" ? "127.0.0.1" : "0.0.0.0"),
    httpPort: opts["http-port"],
    httpsPort: opts["https-port"],
    hardware: opts.hardware,
    dataDir,
    commonName: settings.get("ocpp.chargeBoxIdTemplate").replaceAll("{serial}", opts.serial),
    signal: stop.signal,
  });
  /** Loads and starts OCPP and Modbus. */
  const startServices = async () => {
    const [{ startOcpp }, { startModbus }] = await Promise.all([
      import("./station/ocpp/mod.ts"),
      import("./station/modbus/mod.ts"),
    ]);
    const ocpp = startOcpp({
      station,
      info,
      dataDir,
      restart: (kind) => end(kind === "daemon" ? "restartDaemon" : "restartSystem"),
      resetWebPassword: webPasswordSetter(
        { settings, serial: opts.serial, factoryPassword: opts["factory-password"] },
        () => webSessions.deleteAllExcept(),
      ),
      setTime: (ms) => {
        if (hardware.clock instanceof AdjustableClock) hardware.clock.setTimeMs(ms);
      },
      ...(!(hardware instanceof SimulatedHardware) && hardware.modem
        ? { modem: hardware.modem }
        : {}),
      firmware: {
        install: async (file) => {
          await station.audit([{ actor: "ocpp", action: "update", target: file.path }]);
          try {
            const { done } = await updates.installFile(file.path, {
              source: "ocpp",
              staging: join(dataDir, UPDATES_DIR, "staging-ocpp"),
            });
            await done;
            return { installed: "rebooting" };
          } catch (e) {
            return { installed: false, reason: e instanceof Error ? e.message : String(e) };
          }
        },
        outcome: () => updates.updater.ocppOutcome(),
      },
    });
    station.addStatus("ocpp", () => ocpp.status());
    station.metrics.add(() => ocpp.metrics());
    const url = settings.get("ocpp.url");
    log.info(url ? `OCPP backend ${url} as ${ocpp.client.chargeBoxId}` : "OCPP: no backend set");
    const modbus = await startModbus({
      station,
      ...(opts["modbus-port"] !== undefined ? { portOverride: opts["modbus-port"] } : {}),
    });
    station.addStatus("modbus", () => modbus.status());
    station.metrics.add(() => modbus.metrics());
    return { ocpp, modbus };
  };
  kept.systemd ??= systemdNotifier();
  const systemd = kept.systemd;
  const probed = Promise.withResolvers<void>();
  const started = Promise.withResolvers<void>();
  started.promise.catch(() => {}); // Its failure is thrown below; the health check reports it.
  const confirmed = updates.updater.confirm(
    () => healthCheck(store, web, hardware, { probed: probed.resolve, started: started.promise }),
    stop.signal,
  );
  // However the check ends, OCPP and Modbus are not held back by it.
  void confirmed.finally(probed.resolve).catch(() => {});
  void confirmed.then(
    (healthy) => {
      if (!healthy) return;
      systemd.ready();
      // An OS update brings the boards' firmware with it: flashed once the update is good
      // (M-1.6.2), when no session runs.
      const last = updates.updater.status().last;
      if (device?.flashable && last?.outcome === "installed" && last.atMs >= station.startedAtMs) {
        void flashAfterUpdate(station, device, stop.signal);
      }
    },
  );
  // OCPP and Modbus load once the health check has probed HTTP (its request is normally HTTP's
  // first answer): loading and connecting them takes the thread for some 20 ms, which the first
  // answer waited for when they loaded as soon as HTTP listened.
  await Promise.race([probed.promise, aborted(stop.signal)]);
  const services = await startServices().catch((e) => {
    started.reject(e);
    throw e;
  });
  started.resolve();
  const { ocpp, modbus } = services;

  await web.finished;
  offVendor();
  offTime();
  offMobile();
  signal.removeEventListener("abort", onExit);
  log.info(outcome === "exit" ? "Shutting down" : `Restarting (${outcome})`);
  // A daemon restart keeps the hardware: the controllers carry running sessions across it.
  await station.shutdown("Reboot", { keepRunning: outcome === "restartDaemon" });
  await modbus[Symbol.asyncDispose]();
  await mqttApi[Symbol.asyncDispose]();
  await cluster[Symbol.asyncDispose]();
  await ocpp.client.drain(2000);
  await ocpp[Symbol.asyncDispose]();
  // The technician watching the update stays logged in across its restart.
  if (outcome === "restartSystem" && updates.updater.status().phase === "rebooting") {
    await keepWebSessions(dataDir, webSessions);
  }
  if (outcome === "restartDaemon") kept.hardware = hardware;
  else {
    await hardware[Symbol.asyncDispose]();
    delete kept.hardware;
  }
  await store[Symbol.asyncDispose]();
  return outcome;
}
