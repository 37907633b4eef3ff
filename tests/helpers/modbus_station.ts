/**
 * A real station in the test process for the `tests/modbus_*` suites: SQLite store, settings,
 * simulated hardware, the station runtime and the Modbus adapter on a free loopback port, put
 * together as `run.ts` does. `status()` is the JSON of `GET /api/status` (`statusSnapshot`);
 * the simulator is driven as its API does (hardware call, then `station.settled()`). Clients
 * are real modbus-serial clients and Debian's `mbpoll` over TCP.
 * `await using t = await modbusStation();` then `t.client()`, `t.status()`, `t.charge(1)`.
 * @module
 */
import ModbusRTU from "modbus-serial";
import { systemClock } from "../../drivers/clock.ts";
import { SimulatedHardware, type VehicleOptions } from "../../drivers/sim/mod.ts";
import { installFactoryWhitelist } from "../../station/factory.ts";
import { type ModbusOptions, type ModbusService, startModbus } from "../../station/modbus/mod.ts";
import { Station } from "../../station/runtime.ts";
import { Settings } from "../../station/settings/mod.ts";
import { type StationInfo, statusSnapshot } from "../../station/snapshot.ts";
import { openStore, type Store } from "../../station/store/mod.ts";
import { stationInfo } from "../../station/version.ts";

// deno-lint-ignore no-explicit-any
export type Json = any;

// The default import is module.exports (CJS); its `default` is the client class for both
// the runtime and the types.
const ModbusClientClass = ModbusRTU.default;

/** A modbus-serial client. */
export type ModbusClient = InstanceType<typeof ModbusClientClass>;

/** Options of {@linkcode modbusStation}. */
export interface ModbusStationOptions {
  /** @default 2 */
  connectors?: 1 | 2;
  /** @default "24110001" */
  serial?: string;
  /** Settings stored before the station starts (as a technician saved them). */
  seed?: Record<string, unknown>;
  /** Data directory to use; kept on dispose. A temporary one (removed) when not given. */
  dataDir?: string;
  /** Meter registers at start, by connector (default: the last stored ones). */
  initialEnergyWh?: number[];
  /** Further options of the Modbus adapter. */
  modbus?: Partial<Omit<ModbusOptions, "station">>;
}

/** The station of one test; dispose it to stop everything. */
export interface ModbusStation extends AsyncDisposable {
  dataDir: string;
  store: Store;
  station: Station;
  hardware: SimulatedHardware;
  modbus: ModbusService;
  /** The Modbus port (throws while the server does not listen). */
  readonly port: number;
  /** The JSON of `GET /api/status` now. */
  status(): Promise<Json>;
  /** Runs a simulator action (as `/api/sim` does) and waits until the station settled. */
  sim(action: (hardware: SimulatedHardware) => void): Promise<Json>;
  /** Polls the status until `predicate` holds; fails after `timeoutMs`. */
  waitFor(predicate: (s: Json) => boolean, timeoutMs?: number): Promise<Json>;
  /** Plugs a vehicle in, presents the master card, waits for Charging. */
  charge(connectorId: number, vehicle?: VehicleOptions): Promise<Json>;
  /** A connected client (unit id 1 unless given), closed on dispose. */
  client(options?: { unitId?: number; timeoutMs?: number }): Promise<ModbusClient>;
  /** Stops everything but the data directory and starts again on it. */
  restart(): Promise<void>;
}

/** Connects a modbus-serial client to 127.0.0.1:`port`. */
export async function connectClient(
  port: number,
  options: { unitId?: number; timeoutMs?: number } = {},
): Promise<ModbusClient> {
  const client = new ModbusClientClass();
  await client.connectTCP("127.0.0.1", { port });
  client.setID(options.unitId ?? 1);
  client.setTimeout(options.timeoutMs ?? 2_000);
  return client;
}

/** Closes a client; resolves once its socket is closed. */
export function closeClient(client: ModbusClient): Promise<void> {
  if (!client.isOpen) return Promise.resolve();
  return new Promise((resolve) => client.close(() => resolve()));
}

interface Parts {
  store: Store;
  station: Station;
  hardware: SimulatedHardware;
  modbus: ModbusService;
  info: StationInfo;
}

async function startParts(dataDir: string, options: ModbusStationOptions): Promise<Parts> {
  const connectors = options.connectors ?? 2;
  const serial = options.serial ?? "24110001";
  const store = await openStore(dataDir);
  const factory = { serial, connectors, hardware: "sim" as const, masterKey: "MASTERKEY" };
  const { settings } = await Settings.open(store.settings, factory);
  if (options.seed) await settings.set(options.seed, { writer: "station" });
  await installFactoryWhitelist(store, factory.masterKey, systemClock.nowMs());
  const hardware = new SimulatedHardware({
    connectors,
    clock: systemClock,
    initialEnergyWh: options.initialEnergyWh ?? await Promise.all(
      Array.from({ length: connectors }, (_, i) => store.sessions.lastEnergyWh(i + 1)),
    ),
  });
  const station = await Station.start({ hardware, store, settings });
  const info: StationInfo = stationInfo(serial, connectors, "sim");
  const modbus = await startModbus({ station, portOverride: 0, ...options.modbus });
  station.addStatus("modbus", () => modbus.status());
  return { store, station, hardware, modbus, info };
}

async function stopParts(parts: Parts): Promise<void> {
  await parts.modbus[Symbol.asyncDispose]();
  await parts.station.shutdown("Reboot");
  await parts.hardware[Symbol.asyncDispose]();
  await parts.store[Symbol.asyncDispose]();
}

/** Starts a station with the Modbus adapter on a free port. */
export async function modbusStation(options: ModbusStationOptions = {}): Promise<ModbusStation> {
  const ownsDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? await Deno.makeTempDir({ prefix: "ladewerk-modbus-" });
  let parts = await startParts(dataDir, options);
  const clients = new Set<ModbusClient>();
  const closeClients = async () => {
    await Promise.all([...clients].map(closeClient));
    clients.clear();
  };
  const t: ModbusStation = {
    dataDir,
    get store() {
      return parts.store;
    },
    get station() {
      return parts.station;
    },
    get hardware() {
      return parts.hardware;
    },
    get modbus() {
      return parts.modbus;
    },
    get port() {
      const port = parts.modbus.port;
      if (port === undefined) throw new Error("The Modbus server does not listen");
      return port;
    },
    // Through JSON, as a client of the API sees it.
    status: () =>
      Promise.resolve(JSON.parse(JSON.stringify(statusSnapshot(parts.station, parts.info)))),
    async sim(action) {
      action(parts.hardware);
      await parts.station.settled();
      return await t.status();
    },
    async waitFor(predicate, timeoutMs = 5_000) {
      const deadline = performance.now() + timeoutMs;
      while (true) {
        const s = await t.status();
        if (predicate(s)) return s;
        if (performance.now() > deadline) {
          throw new Error(`Status never matched within ${timeoutMs} ms: ${JSON.stringify(s)}`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async charge(connectorId, vehicle = {}) {
      await t.sim((hw) => hw.plug(connectorId, vehicle));
      await t.sim((hw) => hw.presentCard("MASTERKEY"));
      return await t.waitFor((s) => s.connectors[connectorId - 1].status === "Charging");
    },
    async client(clientOptions = {}) {
      const client = await connectClient(t.port, clientOptions);
      clients.add(client);
      return client;
    },
    async restart() {
      await closeClients();
      await stopParts(parts);
      const { seed: _seed, initialEnergyWh: _energy, ...again } = options;
      parts = await startParts(dataDir, again);
    },
    async [Symbol.asyncDispose]() {
      await closeClients();
      await stopParts(parts);
      if (ownsDir) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
  return t;
}

/**
 * Runs Debian's `mbpoll` once against 127.0.0.1:`port` (`values` are written); returns the
 * values it printed. Its `-r` is 1-based: `-r 1` is address 0.
 */
export async function mbpoll(
  port: number,
  args: string[],
  values: number[] = [],
): Promise<number[]> {
  const out = await new Deno.Command("mbpoll", {
    args: ["-m", "tcp", "-p", String(port), "-1", ...args, "127.0.0.1", ...values.map(String)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `mbpoll ${args.join(" ")} failed: ${text}${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return [...text.matchAll(/^\[(\d+)\]:\s+(-?\d+)/gm)].map((m) => Number(m[2]));
}

/** For `assert.rejects`: a Modbus exception response with `code`. */
export function modbusError(code: number): (e: unknown) => boolean {
  return (e) => (e as { modbusCode?: number }).modbusCode === code;
}

/** A Modbus TCP frame: MBAP header (protocol 0, length) and `pdu` after the unit id. */
export function frame(transactionId: number, unitId: number, pdu: number[]): Uint8Array {
  const bytes = [transactionId >> 8, transactionId & 0xff, 0, 0, 0, pdu.length + 1, unitId, ...pdu];
  return new Uint8Array(bytes);
}

/** Reads one answer frame from a raw socket; null when the server closed it or sent nothing. */
export async function readFrame(conn: Deno.Conn, timeoutMs = 1_000): Promise<Uint8Array | null> {
  const buffer = new Uint8Array(300);
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    const n = await conn.read(buffer);
    return n === null ? null : buffer.slice(0, n);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}
