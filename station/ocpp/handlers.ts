/**
 * Incoming OCPP calls of part 1 (Core, LocalAuthListManagement, RemoteTrigger): translated to
 * core events and settings changes. Calls without a handler answer NotImplemented.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { reservationFor } from "../core/mod.ts";
import type { Station } from "../runtime.ts";
import {
  type AuthCache,
  type WhitelistAuthorization,
  type WhitelistEntry,
  WhitelistFullError,
} from "../store/mod.ts";
import type { OcppClient } from "./client.ts";
import type { ConfigKeys } from "./config_keys.ts";
import { measurandList } from "./conversions.ts";
import type { MeterValueSampler } from "./meter_values.ts";
import type { OcppConnection } from "./rpc.ts";
import { performReset } from "./reset.ts";
import type { SmartCharging } from "./smart_charging.ts";
import type { AuthResult } from "../types.ts";

const log = getLogger(["ladewerk", "ocpp"]);

/** Meta key of the local authorization list version. */
export const LIST_VERSION_KEY = "localList.version";

/** What the handlers work with. */
export interface HandlerContext {
  station: Station;
  client: OcppClient;
  keys: ConfigKeys;
  cache: AuthCache;
  sampler: MeterValueSampler;
  authorize: (idTag: string) => Promise<AuthResult>;
  /** Restarts the station software (Soft) or the whole station (Hard). */
  restart?: (kind: "daemon" | "system") => void | Promise<void>;
  /** Installs the TxProfile of a RemoteStartTransaction; without it such a start is refused. */
  smartCharging?: SmartCharging;
  /** Last FirmwareStatusNotification status (TriggerMessage). @default "Idle" */
  firmwareStatus?: () => string;
  /** Last DiagnosticsStatusNotification status (TriggerMessage). @default "Idle" */
  diagnosticsStatus?: () => string;
}

// deno-lint-ignore no-explicit-any
type Params = any;

const after = (fn: () => unknown) => setTimeout(() => void fn(), 20);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const STATUS_TO_AUTH: Record<string, WhitelistAuthorization> = {
  Accepted: "accepted",
  Blocked: "blocked",
  Expired: "expired",
  Invalid: "invalid",
  ConcurrentTx: "concurrentTx",
};

/** Registers every part-1 handler on a connection. */
export function registerHandlers(conn: OcppConnection, ctx: HandlerContext): void {
  const { station, client } = ctx;
  const connectors = () => station.state.connectors;
  const connector = (id: number) => connectors().find((c) => c.id === id);

  conn.handle("ChangeAvailability", async (p: Params) => {
    if (p.connectorId !== 0 && !connector(p.connectorId)) return { status: "Rejected" };
    const operative = p.type === "Operative";
    const affected = connectors().filter((c) => p.connectorId === 0 || c.id === p.connectorId);
    for (const c of affected) {
      await station.store.setOperative(c.id, operative);
    }
    const busy = !operative && affected.some((c) => c.session);
    await station.dispatch({ type: "availability", connectorId: p.connectorId, operative });
    void station.audit([{
      actor: "ocpp",
      action: "availability",
      target: `charge point ${p.connectorId}`,
      newValue: p.type,
    }]);
    return { status: busy ? "Scheduled" : "Accepted" };
  });

  conn.handle("ChangeConfiguration", async (p: Params) => ({
    status: await ctx.keys.change(p.key, p.value),
  }));
  conn.handle("GetConfiguration", (p: Params) => ctx.keys.get(p.key));
  conn.handle("ClearCache", async () => {
    await ctx.cache.clear();
    return { status: "Accepted" };
  });

  conn.handle("DataTransfer", (p: Params) => {
    if (p.vendorId !== "generalConfiguration") return { status: "UnknownVendorId" };
    if (p.messageId === "setMeterConfiguration") {
      // The manual's vendor message configures a calibration-law meter this station lacks.
      return { status: "Rejected", data: "setMeterConfiguration is not supported by ladewerk" };
    }
    return { status: "UnknownMessageId" };
  });

  conn.handle("GetLocalListVersion", async () => ({
    listVersion: Number(await station.store.getMeta(LIST_VERSION_KEY) ?? 0),
  }));

  conn.handle("SendLocalList", async (p: Params) => {
    if (!station.settings.get("auth.localAuthListEnabled")) return { status: "NotSupported" };
    const list: Params[] = p.localAuthorizationList ?? [];
    if (list.length > station.settings.get("auth.sendLocalListMaxLength")) {
      return { status: "Failed" };
    }
    const current = Number(await station.store.getMeta(LIST_VERSION_KEY) ?? 0);
    if (p.updateType === "Differential" && p.listVersion <= current) {
      return { status: "VersionMismatch" };
    }
    const upsert: WhitelistEntry[] = list.filter((e) => e.idTagInfo).map((e) => ({
      uid: e.idTag,
      gid: e.idTagInfo.parentIdTag ?? null,
      expiryAtMs: e.idTagInfo.expiryDate ? Date.parse(e.idTagInfo.expiryDate) : null,
      authorization: STATUS_TO_AUTH[e.idTagInfo.status] ?? "invalid",
      deleted: false,
    }));
    const remove = list.filter((e) => !e.idTagInfo).map((e) => e.idTag as string);
    try {
      await station.store.whitelist.apply({
        replace: p.updateType === "Full",
        upsert,
        remove,
        meta: { [LIST_VERSION_KEY]: String(p.listVersion) },
      }, station.hardware.clock.nowMs());
    } catch (e) {
      if (e instanceof WhitelistFullError) return { status: "Failed" };
      throw e;
    }
    void station.audit([{
      actor: "ocpp",
      action: "whitelist",
      target: `listVersion ${p.listVersion}`,
      detail: `SendLocalList ${p.updateType}: ${upsert.length} set, ${remove.length} removed`,
    }]);
    return { status: "Accepted" };
  });

  conn.handle("RemoteStartTransaction", async (p: Params) => {
    const target = p.connectorId === undefined
      ? connectors().find((c) => c.pilot !== "A" && !c.session && !c.finishing) ??
        connectors().find((c) => c.status === "Available")
      : connector(p.connectorId);
    // Finishing: the vehicle of the last session must leave before the next one can start.
    if (
      !target || target.session || target.finishing || !target.operative ||
      target.status === "Faulted" ||
      // Reserved for another id tag (or the last free point of an any-point reservation).
      reservationFor(station.state, target, { idTag: p.idTag }) === undefined
    ) {
      return { status: "Rejected" };
    }
    if (station.settings.get("ocpp.authorizeRemoteTxRequests")) {
      const result = await ctx.authorize(p.idTag);
      if (result.status !== "Accepted") return { status: "Rejected" };
    }
    // Only a TxProfile, bound to the session this start opens.
    if (p.chargingProfile) {
      const installed = await ctx.smartCharging?.remoteStart(target.id, p.chargingProfile);
      if (installed !== "Accepted") return { status: "Rejected" };
    }
    after(() => station.dispatch({ type: "remoteStart", connectorId: target.id, idTag: p.idTag }));
    return { status: "Accepted" };
  });

  conn.handle("RemoteStopTransaction", async (p: Params) => {
    const connectorId = await client.journal.connectorOfTransaction(p.transactionId);
    if (connectorId === undefined || !connector(connectorId)?.session) {
      return { status: "Rejected" };
    }
    after(() => station.dispatch({ type: "remoteStop", connectorId, reason: "Remote" }));
    return { status: "Accepted" };
  });

  /** The availability ChangeAvailability stored, back after a reset held the points. */
  const restoreAvailability = () => station.restoreAvailability();

  conn.handle("Reset", (p: Params) => {
    const hard = p.type === "Hard";
    void station.audit([{ actor: "ocpp", action: "restart", target: hard ? "system" : "daemon" }]);
    after(async () => {
      const done = await performReset({
        hard,
        stopTransactions: station.settings.get("ocpp.stopTxOnReset"),
        retries: station.settings.get("ocpp.resetRetries"),
        running: () => connectors().filter((c) => c.session).map((c) => c.id),
        stop: (connectorId, reason) =>
          station.dispatch({ type: "remoteStop", connectorId, reason }),
        hold: async () => {
          log.info(`OCPP ${p.type} reset waits until the running sessions end (StopTxOnReset)`);
          await station.dispatch({ type: "availability", connectorId: 0, operative: false });
        },
        idle: async () => {
          while (connectors().some((c) => c.session)) await sleep(500);
        },
        restart: async () => {
          log.info(`OCPP ${p.type} reset`);
          if (ctx.restart) return await ctx.restart(hard ? "system" : "daemon");
          await client.reconnect();
          await restoreAvailability();
        },
        sleep,
        failed: (attempt, error, again) => {
          log.error(`OCPP ${p.type} reset failed (attempt ${attempt}): ${error}`);
          void station.store.events.append([{
            atMs: Date.now(),
            kind: "ocpp",
            connectorId: 0,
            code: "ResetFailed",
            message: `${p.type} reset failed (attempt ${attempt}${again ? "" : ", the last"}): ` +
              String(error),
          }]).catch(() => {});
        },
      });
      // The station stays up: the points take sessions again as before the reset.
      if (!done) await restoreAvailability();
    });
    return { status: "Accepted" };
  });

  conn.handle("TriggerMessage", (p: Params) => {
    const id: number | undefined = p.connectorId;
    if (id !== undefined && id !== 0 && !connector(id)) return { status: "Rejected" };
    const send: Record<string, () => Promise<unknown>> = {
      BootNotification: () => client.reboot(),
      Heartbeat: () => client.heartbeat(),
      StatusNotification: () => client.sendAllStatuses(id),
      MeterValues: async () => {
        const measurands = measurandList(station.settings.get("ocpp.meterValuesSampledData"));
        for (const c of connectors()) {
          if (id === undefined || id === 0 || id === c.id) {
            await ctx.sampler.take(c.id, "Trigger", measurands);
          }
        }
      },
      DiagnosticsStatusNotification: () =>
        client.call("DiagnosticsStatusNotification", {
          status: ctx.diagnosticsStatus?.() ?? "Idle",
        }),
      FirmwareStatusNotification: () =>
        client.call("FirmwareStatusNotification", { status: ctx.firmwareStatus?.() ?? "Idle" }),
    };
    const action = send[p.requestedMessage];
    if (!action) return { status: "NotImplemented" };
    after(() => action().catch((e) => log.warn(`Triggered ${p.requestedMessage} failed: ${e}`)));
    return { status: "Accepted" };
  });

  conn.handle("UnlockConnector", async (p: Params) => {
    const c = connector(p.connectorId);
    const controller = station.hardware.controllers.find((x) => x.connectorId === p.connectorId);
    if (!c || !controller || controller.lockState() === undefined) {
      return { status: "NotSupported" };
    }
    await station.dispatch({ type: "unlock", connectorId: c.id });
    // The lock's own feedback decides, not what was asked of it.
    return { status: controller.lockState() ? "UnlockFailed" : "Unlocked" };
  });
}
