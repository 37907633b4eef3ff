/**
 * The OCPP 1.6-J adapter of the station: `startOcpp()` wires the client, the authorizer, the
 * meter value sampler, the configuration keys and the handlers of incoming calls.
 * @module
 */
import type { Family } from "../metrics.ts";
import type { Station } from "../runtime.ts";
import type { StationInfo } from "../snapshot.ts";
import { backendAuthorizer, cacheIdTagInfo } from "./authorize.ts";
import { OcppClient, type OcppClientDeps, type OcppStatus } from "./client.ts";
import { type ComputedKey, ConfigKeys } from "./config_keys.ts";
import { registerHandlers } from "./handlers.ts";
import { type ManagementDeps, startManagement } from "./management.ts";
import { MeterValueSampler } from "./meter_values.ts";
import { registerSmartChargingHandlers, SmartCharging } from "./smart_charging.ts";

export { type OcppStatus } from "./client.ts";

/** What the OCPP adapter needs from the composition root. */
export interface OcppDeps {
  station: Station;
  info: StationInfo;
  /** Soft reset restarts the station software, hard reset the whole station. */
  restart?: (kind: "daemon" | "system") => void | Promise<void>;
  /** `/WebUi/password/reset`: sets the web password; resolves false if refused. */
  resetWebPassword?: (password: string) => Promise<boolean>;
  /** Call timeout. @default 30000 */
  callTimeoutMs?: number;
  /** Sets the station's clock (TimeSource Heartbeat). */
  setTime?: (ms: number) => void;
  /** Data directory (firmware downloads, diagnostics); without it UpdateFirmware and
   * GetDiagnostics are not offered. */
  dataDir?: string;
  /** The station's update path for UpdateFirmware. */
  firmware?: ManagementDeps["firmware"];
  /** The mobile modem (ICCID and IMSI in BootNotification). */
  modem?: OcppClientDeps["modem"];
}

/** The running adapter. */
export interface OcppService extends AsyncDisposable {
  client: OcppClient;
  status(): OcppStatus;
  /** Connection, call and queue metrics for `GET /metrics`. */
  metrics(): Family[];
}

function computedKeys(deps: OcppDeps, client: OcppClient): Record<string, ComputedKey> {
  const { station } = deps;
  const keys: Record<string, ComputedKey> = {
    "/ocpp/chargeBoxIdentity": { access: "r", read: () => client.chargeBoxId },
    "CurrentDateTime": {
      access: "r",
      read: () => new Date(station.hardware.clock.nowMs()).toISOString(),
    },
    "/Network/Gateway/Device/Connection/signal": { access: "r", read: () => "" },
    "/Product/Features/": { access: "r", read: () => "" },
    "/Safety/Ovp/failed": {
      access: "r",
      read: () => String(station.state.stationFaults.includes("OverVoltageProtectionFailure")),
    },
    "/WebUi/password/reset": {
      access: "w",
      write: (value) => deps.resetWebPassword?.(value) ?? Promise.resolve(false),
    },
  };
  for (const c of station.state.connectors) {
    keys[`/hw/connectors/${c.id}/data`] = {
      access: "r",
      read: () => {
        const r = station.reading(c.id);
        if (!r) return "";
        return JSON.stringify({
          voltageV: r.phases.map((p) => Math.round(p.voltageV * 10) / 10),
          currentA: r.phases.map((p) => Math.round(p.currentA * 100) / 100),
          powerW: Math.round(r.powerW),
          energyWh: Math.floor(r.energyWh),
        });
      },
    };
    keys[`/hw/connectors/${c.id}/meter/key`] = { access: "r", read: () => "" };
  }
  return keys;
}

/** Starts the OCPP adapter; without a backend URL it waits until one is set. */
export function startOcpp(deps: OcppDeps): OcppService {
  const { station } = deps;
  const cache = station.store.authCache;
  // The closures below run only after every const here is initialised.
  const authorize = (idTag: string) =>
    station.settings.get("ocpp.url") === ""
      ? station.authorizeLocally(idTag)
      : backendAuthorizer(station, client, cache)(idTag);
  const client: OcppClient = new OcppClient({
    station,
    info: deps.info,
    ...(deps.callTimeoutMs ? { callTimeoutMs: deps.callTimeoutMs } : {}),
    ...(deps.setTime ? { setTime: deps.setTime } : {}),
    ...(deps.modem ? { modem: deps.modem } : {}),
    onIdTagInfo: (idTag, idTagInfo) =>
      cacheIdTagInfo(station, cache, idTag, idTagInfo as Parameters<typeof cacheIdTagInfo>[3]),
    registerHandlers: (conn) => {
      registerHandlers(conn, {
        station,
        client,
        keys,
        cache,
        sampler,
        authorize,
        smartCharging,
        ...(deps.restart ? { restart: deps.restart } : {}),
        firmwareStatus: management.firmwareStatus,
        diagnosticsStatus: management.diagnosticsStatus,
      });
      registerSmartChargingHandlers(conn, { station, smartCharging });
      management.register(conn);
    },
  });
  const keys = new ConfigKeys(station, computedKeys(deps, client));
  const sampler = new MeterValueSampler(station, client);
  const smartCharging = new SmartCharging(station);
  smartCharging.start();
  const management = startManagement({
    station,
    client,
    info: deps.info,
    ...(deps.dataDir ? { dataDir: deps.dataDir } : {}),
    ...(deps.firmware ? { firmware: deps.firmware } : {}),
    system: () => ({ ocpp: client.status() }),
  });
  station.setAuthorizer(authorize);
  client.start();
  const timer = setInterval(() => void sampler.tick(), 1000);
  return {
    client,
    status: () => client.status(),
    metrics: () => client.metrics(),
    async [Symbol.asyncDispose]() {
      clearInterval(timer);
      await smartCharging[Symbol.asyncDispose]();
      await management[Symbol.asyncDispose]();
      await client[Symbol.asyncDispose]();
    },
  };
}
