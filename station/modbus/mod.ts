/**
 * The Modbus TCP adapter ("load management level 3"): energy managers read the station and
 * write current set-points. `startModbus()` serves the register map of `registers.ts`,
 * configured by the `modbus.*` settings: enable, port and unit id restart the server;
 * access mode and the fallback settings apply at once.
 * @module
 */
import { type Family, KeyedCounter, single } from "../metrics.ts";
import { getLogger, type Logger } from "@logtape/logtape";
import type { CoreEvent } from "../core/mod.ts";
import { type Actor, type SettingsChange, SettingsError, type Writer } from "../settings/mod.ts";
import { ILLEGAL_DATA_ADDRESS, ILLEGAL_DATA_VALUE, ModbusException } from "./errors.ts";
import { RegisterMap } from "./register_map.ts";
import {
  pointMaxMa,
  settingKeyOf,
  type SettingsSource,
  type StationSource,
} from "./register_def.ts";
import { listenModbus, type ModbusListener } from "./server.ts";
import { type SetpointMode, Setpoints } from "./setpoints.ts";

export { ModbusException } from "./errors.ts";
export { numericSerial, STATUS_CODES } from "./register_def.ts";
export type { SetpointMode } from "./setpoints.ts";

/** What the adapter needs of the station (`Station` has it). */
export interface ModbusStation extends StationSource {
  dispatch(event: CoreEvent): Promise<void>;
  readonly settings: SettingsSource & {
    readonly factory: { readonly serial: string; readonly hardware: "sim" | "device" };
    set(
      changes: Record<string, unknown>,
      options?: { writer?: Writer; actor?: Actor },
    ): Promise<unknown>;
    onChange(listener: (change: SettingsChange) => void): () => void;
  };
}

/** Options of {@linkcode startModbus}. */
export interface ModbusOptions {
  station: ModbusStation;
  /** Port from the command line (`--modbus-port`), over the `modbus.port` setting; 0 picks a
   * free port. */
  portOverride?: number;
  /** Address to bind. @default "127.0.0.1" with simulated hardware, else "0.0.0.0" */
  hostname?: string;
  /** @default the logger ["ladewerk", "modbus"] */
  log?: Logger;
  /** Client connections beyond this many are closed. @default 32 */
  maxConnections?: number;
  /** A client connection without traffic for this long is closed. @default 300000 */
  idleTimeoutMs?: number;
}

/** The adapter's state, for `GET /api/status`. */
export interface ModbusStatus {
  enabled: boolean;
  listening: boolean;
  hostname: string;
  port: number | null;
  unitId: number;
  access: "read" | "readWrite";
  connections: number;
  /** Why the server does not listen although enabled. */
  error: string | null;
  setpoints: { connectorId: number; mode: SetpointMode; limitMa: number | null }[];
}

/** The running adapter; dispose it to close the server, its connections and timers. */
export interface ModbusService extends AsyncDisposable {
  /** The port listened on (the one picked for port 0); undefined while not listening. */
  readonly port: number | undefined;
  readonly hostname: string;
  readonly setpoints: Setpoints;
  status(): ModbusStatus;
  /** Request and exception counts for `GET /metrics`. */
  metrics(): Family[];
  /** Resolves once restarts caused by settings changes so far are done. */
  settled(): Promise<void>;
}

/** Settings whose change restarts the server. */
const RESTART_KEYS = new Set(["modbus.enabled", "modbus.port", "modbus.unitId"]);

class Adapter implements ModbusService {
  readonly hostname: string;
  readonly setpoints: Setpoints;
  #station: ModbusStation;
  #options: ModbusOptions;
  #log: Logger;
  #map: RegisterMap;
  #listener: ModbusListener | undefined;
  #lastPort: number | undefined;
  #error: string | null = null;
  #queue: Promise<void> = Promise.resolve();
  #unsubscribe: () => void;
  #disposed = false;

  constructor(options: ModbusOptions) {
    const { station } = options;
    this.#station = station;
    this.#options = options;
    this.#log = options.log ?? getLogger(["ladewerk", "modbus"]);
    this.hostname = options.hostname ??
      (station.settings.factory.hardware === "sim" ? "127.0.0.1" : "0.0.0.0");
    const fallbackOf = (id: number) => ({
      currentMa: station.settings.get(settingKeyOf({ setting: "fallbackCurrentMa" }, id)) as number,
      timeoutS: station.settings.get(settingKeyOf({ setting: "fallbackTimeoutS" }, id)) as number,
    });
    this.setpoints = new Setpoints({
      connectorIds: station.state.connectors.map((c) => c.id),
      apply: (connectorId, limitMa) => {
        this.#log.debug(`Modbus limit of charge point ${connectorId}: ${limitMa ?? "none"} mA`);
        return station.dispatch({ type: "limit", source: "modbus", connectorId, limitMa });
      },
      maxMa: (id) => pointMaxMa(station, id),
      fallback: fallbackOf,
      onFallback: (id, currentMa, timeoutS) =>
        this.#log.warn(
          `No Modbus set-point for charge point ${id} within ${timeoutS} s: fallback ` +
            (currentMa === 0 ? "pauses charging" : `${currentMa} mA applies`),
        ),
      onError: (e) => this.#log.error(`Modbus fallback failed: ${e}`),
    });
    this.#map = new RegisterMap(station, (id) => this.setpoints.read(id));
    this.#unsubscribe = station.settings.onChange((change) => this.#onSettings(change));
  }

  get port(): number | undefined {
    return this.#listener?.port;
  }

  status(): ModbusStatus {
    const s = this.#station.settings;
    return {
      enabled: s.get("modbus.enabled"),
      listening: this.#listener !== undefined,
      hostname: this.hostname,
      port: this.#listener?.port ?? null,
      unitId: this.#listener?.unitId ?? s.get("modbus.unitId"),
      access: s.get("modbus.access"),
      connections: this.#listener?.connections() ?? 0,
      error: this.#error,
      setpoints: this.#station.state.connectors.map((c) => ({
        connectorId: c.id,
        mode: this.setpoints.mode(c.id),
        limitMa: this.setpoints.limitMa(c.id) ?? null,
      })),
    };
  }

  settled(): Promise<void> {
    return this.#queue;
  }

  /** Applies the restart settings: (re)starts or stops the server as they say. */
  reconfigure(): Promise<void> {
    this.#queue = this.#queue.then(() => this.#configure()).catch((e) => {
      this.#log.error(`Cannot configure the Modbus server: ${e instanceof Error ? e.stack : e}`);
    });
    return this.#queue;
  }

  async #configure(): Promise<void> {
    if (this.#disposed) return;
    const s = this.#station.settings;
    const enabled = s.get("modbus.enabled");
    const port = this.#options.portOverride ?? s.get("modbus.port");
    const unitId = s.get("modbus.unitId");
    const current = this.#listener;
    if (enabled && current?.unitId === unitId && (port === 0 || current.port === port)) return;
    if (current) {
      this.#listener = undefined;
      await current.close();
    }
    if (!enabled) {
      this.#error = null;
      await this.setpoints.clear();
      this.#log.info("Modbus TCP server off");
      return;
    }
    try {
      this.#listener = await listenModbus({
        read: (address, count) => this.#counted("read", () => this.#map.read(address, count)),
        write: (address, values) => this.#countedAsync("write", () => this.#write(address, values)),
      }, {
        hostname: this.hostname,
        port,
        unitId,
        log: this.#log,
        ...(port === 0 && this.#lastPort !== undefined ? { preferPort: this.#lastPort } : {}),
        ...(this.#options.maxConnections ? { maxConnections: this.#options.maxConnections } : {}),
        ...(this.#options.idleTimeoutMs ? { idleTimeoutMs: this.#options.idleTimeoutMs } : {}),
      });
      this.#lastPort = this.#listener.port;
      this.#error = null;
      this.#log.info(
        `Modbus TCP listening on ${this.hostname}:${this.#listener.port} (unit ${unitId})`,
      );
    } catch (e) {
      this.#error = e instanceof Error ? e.message : String(e);
      this.#log.error(`Cannot start the Modbus TCP server on port ${port}: ${this.#error}`);
    }
  }

  #requests = new KeyedCounter(8);
  #exceptions = new KeyedCounter(32);

  #failed(kind: string, e: unknown): void {
    const code = e instanceof ModbusException ? e.modbusErrorCode : 4;
    this.#exceptions.inc(`${kind} ${code}`);
  }

  #counted<T>(kind: "read", fn: () => T): T {
    this.#requests.inc(kind);
    try {
      return fn();
    } catch (e) {
      this.#failed(kind, e);
      throw e;
    }
  }

  async #countedAsync(kind: "write", fn: () => Promise<void>): Promise<void> {
    this.#requests.inc(kind);
    try {
      await fn();
    } catch (e) {
      this.#failed(kind, e);
      throw e;
    }
  }

  metrics(): Family[] {
    return [
      single(
        "ladewerk_modbus_connections",
        "Open Modbus TCP client connections",
        "gauge",
        this.#listener?.connections() ?? 0,
      ),
      {
        name: "ladewerk_modbus_requests_total",
        help: "Modbus register requests answered, by kind (read, write)",
        type: "counter",
        samples: this.#requests.entries().map(([kind, value]) => ({ labels: { kind }, value })),
      },
      {
        name: "ladewerk_modbus_exceptions_total",
        help: "Modbus requests answered with an exception, by kind and exception code",
        type: "counter",
        samples: this.#exceptions.entries().map(([key, value]) => {
          const [kind = "", code = ""] = key.split(" ");
          return { labels: { kind, code }, value };
        }),
      },
    ];
  }

  async #write(address: number, values: number[]): Promise<void> {
    const settings = this.#station.settings;
    if (settings.get("modbus.access") !== "readWrite") {
      throw new ModbusException(ILLEGAL_DATA_ADDRESS, "Cannot write: Modbus access is read-only");
    }
    const plan = this.#map.planWrite(address, values);
    if (Object.keys(plan.settings).length > 0) {
      try {
        await settings.set(plan.settings, { writer: "outside", actor: "modbus" });
      } catch (e) {
        if (!(e instanceof SettingsError)) throw e;
        throw new ModbusException(ILLEGAL_DATA_VALUE, `Cannot write register ${address}: ${e}`);
      }
    }
    await Promise.all(
      [...plan.setpoints].map(([connectorId, change]) => this.setpoints.write(connectorId, change)),
    );
  }

  /** Runs inside `Settings.set`: must never throw. */
  #onSettings(change: SettingsChange): void {
    if (this.#disposed) return;
    const keys = Object.keys(change.changed);
    const report = (e: unknown) => this.#log.error(`Modbus settings change failed: ${e}`);
    try {
      if (keys.some((k) => RESTART_KEYS.has(k))) void this.reconfigure();
      if (
        keys.includes("modbus.access") && this.#station.settings.get("modbus.access") === "read"
      ) {
        this.setpoints.clear().catch(report);
      } else if (
        keys.some((k) => k.startsWith("modbus.cp") || k === "power.stationMaxCurrentMa")
      ) {
        this.setpoints.refresh().catch(report);
      }
    } catch (e) {
      report(e);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#unsubscribe();
    await this.#queue;
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.close();
    this.setpoints[Symbol.dispose]();
    // The station may run on without Modbus: no set-point of a gone client may stay.
    await this.setpoints.clear();
  }
}

/**
 * Starts the Modbus adapter: listens when `modbus.enabled` is on (and follows the setting),
 * logging `Modbus TCP listening on HOST:PORT (unit N)`. A port that cannot be bound is
 * logged and shown in `status().error`; the station runs on without Modbus.
 */
export async function startModbus(options: ModbusOptions): Promise<ModbusService> {
  const adapter = new Adapter(options);
  await adapter.reconfigure();
  return adapter;
}
