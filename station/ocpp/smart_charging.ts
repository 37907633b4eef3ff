/**
 * OCPP 1.6 Smart Charging: SetChargingProfile, ClearChargingProfile, GetCompositeSchedule and
 * the TxProfile of a RemoteStartTransaction. The `SmartCharging` service keeps the installed
 * profiles (stored, so they survive a restart) and turns their schedules into the core's
 * `limit` events (source "ocpp"): per charge point TxProfile/TxDefaultProfile, for connector 0
 * the ChargePointMaxProfile. It re-evaluates every second and on every change, removes
 * expired profiles and the TxProfiles of ended transactions.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Station } from "../runtime.ts";
import {
  type CompositeInput,
  type CompositeSchedule,
  compositeSchedule,
  limitsAt,
  stationCompositeSchedule,
} from "../smart/composite.ts";
import {
  bindToSession,
  type Change,
  clear,
  type ClearCriteria,
  endTransactions,
  expire,
  install,
} from "../smart/profile_set.ts";
import type { ChargingProfile, InstalledProfile, RateUnit } from "../smart/profiles.ts";
import {
  allowedUnits,
  type ProfileLimits,
  profileProblem,
  type ProfileTarget,
} from "../smart/validation.ts";
import type { ChargingProfileStore } from "../store/charging_profiles.ts";
import type { OcppConnection } from "./rpc.ts";

const log = getLogger(["ladewerk", "ocpp", "smart"]);

/** A phase counts as used from this current on. */
const PHASE_IN_USE_A = 1;
/** The tick comes this long after each whole second. */
const TICK_AFTER_MS = 5;
/** A RemoteStartTransaction's TxProfile waits this much longer than ConnectionTimeOut. */
const PENDING_GRACE_MS = 2_000;

/** A limit in amperes as the core's mA, in 0.1 A steps down. */
export function limitMa(amps: number): number {
  return Math.floor(amps * 10 + 1e-4) * 100;
}

/** The station's smart charging: installed profiles and the limits they set. */
export class SmartCharging implements AsyncDisposable {
  #station: Station;
  #store: ChargingProfileStore;
  #profiles: InstalledProfile[] = [];
  /** Open session per connector: id and start, as stored. */
  #sessions = new Map<number, { sessionId: number; startedAtMs: number }>();
  /** Phases last seen drawing, per connector, for the session that started at `startedAtMs`. */
  #phasesSeen = new Map<number, { startedAtMs: number; phases: number }>();
  #chain: Promise<unknown> = Promise.resolve();
  #ready: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #unsubscribe: (() => void) | undefined;
  #closed = false;

  constructor(station: Station) {
    this.#station = station;
    this.#store = station.store.chargingProfiles;
  }

  /** Loads the stored profiles and starts following sessions and time. */
  start(): void {
    this.#ready = this.#serial(() => this.#load());
    // Calls wait for it and fail if it failed; the failure itself is logged once.
    this.#ready.catch(() => {});
    const sync = () => this.#serial(() => this.#sync()).catch(() => {});
    this.#unsubscribe = this.#station.subscribe((effect) => {
      if (effect.type === "sessionStarted" || effect.type === "sessionStopped") void sync();
    });
    // Just after each whole second: schedules change on whole seconds, and a change then
    // reaches the vehicle at once instead of up to a second late.
    const tick = () => {
      if (this.#closed) return;
      this.#timer = setTimeout(() => {
        void sync();
        tick();
      }, 1000 - (this.#now() % 1000) + TICK_AFTER_MS);
    };
    tick();
  }

  /** SetChargingProfile. */
  async set(connectorId: number, profile: ChargingProfile): Promise<"Accepted" | "Rejected"> {
    await this.#ready;
    return await this.#serial(async () => {
      const session = await this.#sessionOn(connectorId);
      const row = session ? await this.#station.store.sessions.get(session.sessionId) : undefined;
      const transactionId = row?.transaction_id ?? undefined;
      const transaction = session
        ? (transactionId !== undefined ? { transactionId } : {})
        : undefined;
      return await this.#install(connectorId, profile, transaction, session?.sessionId);
    });
  }

  /** The TxProfile of a RemoteStartTransaction, for the session it is about to start. */
  async remoteStart(
    connectorId: number,
    profile: ChargingProfile,
  ): Promise<"Accepted" | "Rejected"> {
    await this.#ready;
    return await this.#serial(() => this.#install(connectorId, profile, "remoteStart", undefined));
  }

  /** ClearChargingProfile: Accepted when at least one profile was removed, else Unknown. */
  async clear(criteria: ClearCriteria): Promise<"Accepted" | "Unknown"> {
    await this.#ready;
    return await this.#serial(async () => {
      const change = clear(this.#profiles, criteria);
      if (change.removed.length === 0) return "Unknown";
      await this.#commit(change, "cleared");
      await this.#evaluate();
      return "Accepted";
    });
  }

  /** GetCompositeSchedule; undefined for an unknown connector. */
  async composite(
    connectorId: number,
    durationS: number,
    unit: RateUnit = "A",
  ): Promise<CompositeSchedule | undefined> {
    await this.#ready;
    const connectors = this.#station.state.connectors.length;
    if (!Number.isInteger(connectorId) || connectorId < 0 || connectorId > connectors) {
      return undefined;
    }
    return await this.#serial(async () => {
      const nowMs = this.#now();
      if (connectorId !== 0) {
        await this.#sessionOn(connectorId);
        return compositeSchedule({ ...this.#input(connectorId, nowMs), durationS, unit });
      }
      const each = [];
      for (let id = 1; id <= connectors; id++) {
        await this.#sessionOn(id);
        each.push({ ...this.#input(id, nowMs), durationS, unit });
      }
      return stationCompositeSchedule({ ...this.#input(0, nowMs), durationS, unit }, each);
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#unsubscribe?.();
    await this.#chain.catch(() => {});
  }

  #now(): number {
    return this.#station.hardware.clock.nowMs();
  }

  /** Runs `work` after everything queued before it: one change of the profiles at a time. */
  #serial<T>(work: () => T | Promise<T>): Promise<T> {
    const run = this.#chain.then(work);
    this.#chain = run.catch((e) => log.error(`Smart charging failed: ${e?.stack ?? e}`));
    return run;
  }

  #limits(): ProfileLimits {
    const v = this.#station.settings.all();
    return {
      maxStackLevel: v["ocpp.chargeProfileMaxStackLevel"],
      maxPeriods: v["ocpp.chargingScheduleMaxPeriods"],
      allowedUnits: allowedUnits(v["ocpp.chargingScheduleAllowedChargingRateUnit"]),
    };
  }

  async #install(
    connectorId: number,
    profile: ChargingProfile,
    transaction: ProfileTarget["transaction"],
    sessionId: number | undefined,
  ): Promise<"Accepted" | "Rejected"> {
    const nowMs = this.#now();
    const target: ProfileTarget = {
      connectorId,
      connectors: this.#station.state.connectors.length,
      ...(transaction !== undefined ? { transaction } : {}),
      nowMs,
    };
    const id = profile.chargingProfileId;
    const problem = profileProblem(profile, target, this.#limits());
    if (problem) {
      log.info(`Charging profile ${id} on connector ${connectorId} rejected: ${problem}`);
      return "Rejected";
    }
    const next: InstalledProfile = {
      connectorId,
      profile,
      installedAtMs: nowMs,
      ...(profile.chargingProfilePurpose === "TxProfile" && sessionId !== undefined
        ? { sessionId }
        : {}),
    };
    const change = install(
      this.#profiles,
      next,
      this.#station.settings.get("ocpp.maxChargingProfilesInstalled"),
    );
    if (!change) {
      log.info(`Charging profile ${id} rejected: MaxChargingProfilesInstalled reached`);
      return "Rejected";
    }
    await this.#commit(change, "replaced", [change.installed]);
    log.info(
      `Charging profile ${id} installed on connector ${connectorId}: ` +
        `${profile.chargingProfilePurpose} at stack level ${profile.stackLevel}`,
    );
    await this.#evaluate();
    return "Accepted";
  }

  /** Stores a change, then adopts it. */
  async #commit(change: Change, why: string, put: InstalledProfile[] = []): Promise<void> {
    if (change.removed.length === 0 && put.length === 0) return;
    await this.#store.apply({
      remove: change.removed.map((ip) => ip.profile.chargingProfileId),
      put,
    });
    this.#profiles = change.profiles;
    for (const ip of change.removed) {
      log.info(`Charging profile ${ip.profile.chargingProfileId} ${why}`);
    }
  }

  async #load(): Promise<void> {
    this.#profiles = await this.#store.all();
    // No transaction outlives the program: the station closes every session when it starts.
    await this.#commit(clear(this.#profiles, { purpose: "TxProfile" }), "removed: restart");
    await this.#sync();
  }

  /** The open session of a charge point, as stored; cached while it runs. */
  async #sessionOn(connectorId: number) {
    const c = this.#station.state.connectors.find((x) => x.id === connectorId);
    if (!c?.session) {
      this.#sessions.delete(connectorId);
      return undefined;
    }
    const cached = this.#sessions.get(connectorId);
    if (cached?.startedAtMs === c.session.startedAtMs) return cached;
    const row = await this.#station.store.sessions.openOf(connectorId);
    if (!row) return undefined;
    const session = { sessionId: row.id, startedAtMs: row.started_at };
    this.#sessions.set(connectorId, session);
    return session;
  }

  /** Follows sessions and time: binds, expires and ends profiles, then re-evaluates. */
  async #sync(): Promise<void> {
    if (this.#closed) return;
    const nowMs = this.#now();
    const open = new Map<number, number>();
    for (const c of this.#station.state.connectors) {
      const session = await this.#sessionOn(c.id);
      if (!session) continue;
      open.set(c.id, session.sessionId);
      const { profiles, bound } = bindToSession(this.#profiles, c.id, session.sessionId);
      if (bound.length === 0) continue;
      await this.#store.apply({ put: bound });
      this.#profiles = profiles;
      for (const ip of bound) {
        log.info(`TxProfile ${ip.profile.chargingProfileId} bound to session ${session.sessionId}`);
      }
    }
    await this.#commit(expire(this.#profiles, nowMs), "expired");
    const pendingForMs = this.#station.settings.get("ocpp.connectionTimeoutS") * 1000 +
      PENDING_GRACE_MS;
    await this.#commit(
      endTransactions(this.#profiles, open, nowMs, pendingForMs),
      "removed: its transaction ended",
    );
    await this.#evaluate();
  }

  /** What the composite schedule of a connector is computed from, now. */
  #input(connectorId: number, nowMs: number): CompositeInput {
    const state = this.#station.state;
    const stationMaxA = state.config.stationMaxCurrentMa / 1000;
    const c = state.connectors.find((x) => x.id === connectorId);
    const session = this.#sessions.get(connectorId);
    const waiting = this.#profiles.some((ip) =>
      ip.connectorId === connectorId && ip.profile.chargingProfilePurpose === "TxProfile" &&
      ip.sessionId === undefined
    );
    const transaction = c?.session && session?.startedAtMs === c.session.startedAtMs
      ? session
      : waiting && !c?.session
      ? { startedAtMs: nowMs }
      : undefined;
    const phases = this.#phasesInUse(connectorId);
    return {
      profiles: this.#profiles,
      connectorId,
      nowMs,
      durationS: 0,
      unit: "A",
      ...(transaction ? { transaction } : {}),
      maxCurrentA: c
        ? Math.min(stationMaxA, (state.config.hardwareMaxCurrentMa[c.id - 1] ?? 0) / 1000)
        : stationMaxA,
      ...(phases !== undefined ? { phases } : {}),
    };
  }

  /**
   * Phases the vehicle on a charge point draws on: now, else last seen in this session (a
   * vehicle paused by a W limit draws nothing); undefined when unknown.
   */
  #phasesInUse(connectorId: number): number | undefined {
    const c = this.#station.state.connectors.find((x) => x.id === connectorId);
    if (!c?.session) {
      this.#phasesSeen.delete(connectorId);
      return undefined;
    }
    const reading = this.#station.reading(connectorId);
    const used = reading?.phases.filter((p) => p.currentA >= PHASE_IN_USE_A).length ?? 0;
    const seen = this.#phasesSeen.get(connectorId);
    if (used > 0) {
      this.#phasesSeen.set(connectorId, { startedAtMs: c.session.startedAtMs, phases: used });
      return used;
    }
    return seen?.startedAtMs === c.session.startedAtMs ? seen.phases : undefined;
  }

  /** Dispatches the limits in force now where they differ from the core's. */
  async #evaluate(): Promise<void> {
    if (this.#closed) return;
    const nowMs = this.#now();
    const station = this.#station;
    for (const c of station.state.connectors) {
      const { connector } = limitsAt(this.#input(c.id, nowMs), nowMs);
      const ma = connector ? limitMa(connector.amps) : undefined;
      if (c.limits.ocpp !== ma) {
        await station.dispatch({ type: "limit", source: "ocpp", connectorId: c.id, limitMa: ma });
      }
    }
    const { station: max } = limitsAt(this.#input(0, nowMs), nowMs);
    const ma = max ? limitMa(max.amps) : undefined;
    if (station.state.stationLimits.ocpp !== ma) {
      await station.dispatch({ type: "limit", source: "ocpp", connectorId: 0, limitMa: ma });
    }
  }
}

/** What the smart charging handlers work with. */
export interface SmartChargingContext {
  station: Station;
  smartCharging: SmartCharging;
}

// deno-lint-ignore no-explicit-any
type Params = any;

/** Registers SetChargingProfile, ClearChargingProfile and GetCompositeSchedule. */
export function registerSmartChargingHandlers(
  conn: OcppConnection,
  ctx: SmartChargingContext,
): void {
  const { station, smartCharging } = ctx;
  const supported = () =>
    station.settings.get("ocpp.supportedFeatureProfiles").split(",").map((s) => s.trim())
      .includes("SmartCharging");

  conn.handle("SetChargingProfile", async (p: Params) => {
    if (!supported()) return { status: "NotSupported" };
    return { status: await smartCharging.set(p.connectorId, p.csChargingProfiles) };
  });

  conn.handle("ClearChargingProfile", async (p: Params) => ({
    status: await smartCharging.clear({
      ...(p.id !== undefined ? { id: p.id } : {}),
      ...(p.connectorId !== undefined ? { connectorId: p.connectorId } : {}),
      ...(p.chargingProfilePurpose !== undefined ? { purpose: p.chargingProfilePurpose } : {}),
      ...(p.stackLevel !== undefined ? { stackLevel: p.stackLevel } : {}),
    }),
  }));

  conn.handle("GetCompositeSchedule", async (p: Params) => {
    if (p.duration < 0) return { status: "Rejected" };
    const schedule = await smartCharging.composite(p.connectorId, p.duration, p.chargingRateUnit);
    if (!schedule) return { status: "Rejected" };
    return {
      status: "Accepted",
      connectorId: p.connectorId,
      scheduleStart: new Date(schedule.startMs).toISOString(),
      chargingSchedule: {
        duration: schedule.durationS,
        chargingRateUnit: schedule.unit,
        chargingSchedulePeriod: schedule.periods,
      },
    };
  });
}
