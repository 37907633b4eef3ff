/**
 * The station at run time: feeds hardware, people and time into the pure core, performs the
 * effects it returns (hardware, storage, listeners), one event at a time.
 * @module
 */
import { MetricsRegistry } from "./metrics.ts";
import { getLogger } from "@logtape/logtape";
import type { Hardware, MeterReading } from "../drivers/ports.ts";
import {
  authorizeLocal,
  type CoreConfig,
  type CoreEffect,
  type CoreEvent,
  initialState,
  type Session,
  type StationState,
  step,
} from "./core/mod.ts";
import { displayLines, ledPattern } from "./indicators.ts";
import {
  settingDef,
  type Settings,
  type SettingsChange,
  type SettingValues,
} from "./settings/mod.ts";
import type { AuditEntry, Store } from "./store/mod.ts";
import type { AuthResult, StopReason } from "./types.ts";

const log = getLogger(["ladewerk", "station"]);

/** Decides whether an id tag may charge. The OCPP adapter replaces the local default. */
export type Authorizer = (idTag: string) => Promise<AuthResult>;

/** What listeners hear: every performed effect with the state after it. */
export type StationListener = (effect: CoreEffect, state: StationState) => void;

/** What the runtime needs. */
export interface StationDeps {
  hardware: Hardware;
  store: Store;
  settings: Settings;
}

/** Idle samples are stored this rarely; during sessions every `meter.storeIntervalS`. */
const IDLE_SAMPLE_MS = 15 * 60_000;
/** Failed writes kept for retry; beyond it the oldest event-log entries are dropped (session
 * records never are: the station is faulted and starts none meanwhile). */
const MAX_PENDING_WRITES = 1000;
/** How often the retention policy is applied. */
const PRUNE_INTERVAL_MS = 60_000;
/** The station fault a storage failure raises (M-4: meter gateway or SD card, 7× red). */
export const STORAGE_FAULT = "RegulatoryComplianceFailure";

/** A storage write that failed and waits to be retried, in order. */
interface PendingWrite {
  what: string;
  /** Session records: never dropped. */
  essential: boolean;
  run: () => Promise<void>;
}

/** Effects that end or reduce energy delivery: performed first and always. */
function reducesEnergy(effect: CoreEffect, offeredMa: Map<number, number>): boolean {
  switch (effect.type) {
    case "setContactor":
      return !effect.closed;
    case "setLock":
      return !effect.locked;
    case "setOfferedCurrent":
      return effect.currentMa < (offeredMa.get(effect.connectorId) ?? Infinity);
    default:
      return false;
  }
}

function coreConfig(v: SettingValues, hardware: Hardware): CoreConfig {
  return {
    stationMaxCurrentMa: v["power.stationMaxCurrentMa"],
    hardwareMaxCurrentMa: hardware.controllers.map((c) => c.info().maxCurrentMa),
    connectionTimeoutS: v["ocpp.connectionTimeoutS"],
    identification: v["auth.identification"],
    dummyIdTag: v["auth.dummyIdTag"],
    dummyAllowStop: v["auth.dummyAllowStop"],
  };
}

/** The running station. Create with `Station.start`, end with `await using` or dispose. */
export class Station implements AsyncDisposable {
  readonly hardware: Hardware;
  readonly store: Store;
  readonly settings: Settings;
  readonly startedAtMs: number;
  #state: StationState;
  #readings = new Map<number, MeterReading>();
  #chain: Promise<void> = Promise.resolve();
  #queued = 0;
  #listeners = new Set<StationListener>();
  #cleanups: (() => void)[] = [];
  #lastSampleMs = new Map<number, number>();
  #authorizer: Authorizer;
  #closed = false;
  #pendingWrites: PendingWrite[] = [];
  #storageFault = false;
  #offeredMa = new Map<number, number>();

  private constructor(deps: StationDeps, state: StationState, nowMs: number) {
    this.hardware = deps.hardware;
    this.store = deps.store;
    this.settings = deps.settings;
    this.#state = state;
    this.startedAtMs = nowMs;
    this.#authorizer = (idTag) => this.authorizeLocally(idTag);
  }

  /** Recovers interrupted sessions, wires the hardware and starts the timers. */
  static async start(deps: StationDeps): Promise<Station> {
    const { hardware, store, settings } = deps;
    const nowMs = hardware.clock.nowMs();
    const readings = await Promise.all(hardware.meters.map((m) => m.read()));
    // A session whose controller kept it going (the station program restarted, the board and
    // the vehicle did not) goes on: same record, same transaction, the meter continuous.
    const resumed = new Map<number, Session>();
    const resumedIds: number[] = [];
    for (const row of (await store.sessions.interrupted()).reverse()) {
      const controller = hardware.controllers.find((c) => c.connectorId === row.connector_id);
      const reading = readings[
        hardware.meters.findIndex((m) => m.connectorId === row.connector_id)
      ];
      const kept = controller?.kept?.();
      if (!kept || !reading || reading.energyWh < row.last_meter_wh - 0.5) continue;
      if (resumed.has(row.connector_id)) continue;
      resumed.set(row.connector_id, {
        idTag: row.id_tag,
        authSource: (row.auth_source ?? "whitelist") as Session["authSource"],
        startedAtMs: row.started_at,
        meterStartWh: row.meter_start_wh,
        ...(row.reservation_id !== null ? { reservationId: row.reservation_id } : {}),
        evCharged: true,
      });
      resumedIds.push(row.id);
      log.info(
        `Session ${row.id} on charge point ${row.connector_id} goes on: its controller kept it ` +
          `${kept} while the station program was away`,
      );
    }
    await store.events.append([...resumed.keys()].map((connectorId, i) => ({
      atMs: nowMs,
      kind: "session",
      connectorId,
      code: "Resumed",
      message: `Session ${resumedIds[i]} resumed after a restart of the station program`,
      data: { sessionId: resumedIds[i]! },
    })));
    const interrupted = await store.sessions.closeInterrupted(resumedIds);
    for (const s of interrupted) {
      log.warn(
        `Session ${s.id} on charge point ${s.connector_id} was interrupted: closed with ` +
          `PowerLoss at ${s.meter_stop_wh} Wh`,
      );
    }
    await store.events.append(interrupted.map((s) => ({
      atMs: nowMs,
      kind: "session",
      connectorId: s.connector_id,
      code: "PowerLoss",
      message: `Session ${s.id} closed after power loss`,
      data: { sessionId: s.id, meterStopWh: s.meter_stop_wh },
    })));
    const operative = await Promise.all(
      hardware.controllers.map((c) => store.operative(c.connectorId)),
    );
    const state = initialState(coreConfig(settings.all(), hardware), {
      nowMs,
      energyWh: readings.map((r) => r.energyWh),
      operative,
      // Reservations survive a restart; the first tick ends those that expired meanwhile.
      reservations: await store.reservations.list(),
      sessions: hardware.controllers.map((c) => resumed.get(c.connectorId) ?? null),
      pilots: hardware.controllers.map((c) => resumed.has(c.connectorId) ? c.pilot() : undefined),
    });
    const station = new Station(deps, state, nowMs);
    readings.forEach((r, i) => station.#readings.set(i + 1, r));
    station.#wire();
    await station.dispatch({ type: "tick" });
    return station;
  }

  #wire(): void {
    const { hardware } = this;
    this.#cleanups.push(this.settings.onChange((change) => this.#auditSettings(change)));
    for (const c of hardware.controllers) {
      const connectorId = c.connectorId;
      this.#cleanups.push(
        c.onPilot((pilot) => void this.dispatch({ type: "pilot", connectorId, pilot })),
        c.onFault((code, active) =>
          void this.dispatch({ type: "fault", code, connectorId, active })
        ),
      );
      if (c.pilot() !== "A") void this.dispatch({ type: "pilot", connectorId, pilot: c.pilot() });
    }
    for (const m of hardware.meters) {
      const connectorId = m.connectorId;
      const off = m.onFault?.((code, active) =>
        void this.dispatch({ type: "fault", code, connectorId, active })
      );
      if (off) this.#cleanups.push(off);
    }
    this.#cleanups.push(
      hardware.onStationFault((code, active) =>
        void this.dispatch({ type: "fault", code, connectorId: 0, active })
      ),
      hardware.reader.onToken((idTag) => void this.dispatch({ type: "token", idTag })),
      hardware.reader.onFault?.((code, active) =>
        void this.dispatch({ type: "fault", code, connectorId: 0, active })
      ) ?? (() => {}),
      this.settings.onChange(() =>
        void this.dispatch({
          type: "config",
          config: coreConfig(this.settings.all(), this.hardware),
        })
      ),
    );
    const tick = setInterval(() => void this.#tick(), 1000);
    const pruning = setInterval(() => void this.#prune(), PRUNE_INTERVAL_MS);
    this.#cleanups.push(() => clearInterval(tick), () => clearInterval(pruning));
  }

  /** The core state now (a value: do not mutate). */
  get state(): StationState {
    return this.#state;
  }

  /** The last meter reading of a charge point. */
  reading(connectorId: number): MeterReading | undefined {
    return this.#readings.get(connectorId);
  }

  #adapters = new Map<string, () => unknown>();

  /** What `GET /metrics` exposes: adapters add their collectors. */
  readonly metrics: MetricsRegistry = new MetricsRegistry();

  /** Adds an adapter's state (OCPP, Modbus, ...) to the status snapshot under `name`. */
  addStatus(name: string, status: () => unknown): void {
    this.#adapters.set(name, status);
  }

  /** The adapters' states, by name. */
  adapterStatus(): Record<string, unknown> {
    return Object.fromEntries([...this.#adapters].map(([name, fn]) => [name, fn()]));
  }

  /** Replaces how id tags are authorized (the OCPP adapter does, when a backend is set). */
  setAuthorizer(authorizer: Authorizer): void {
    this.#authorizer = authorizer;
  }

  /** Authorizes an id tag as a card at the reader would be: the backend when one is set, else
   * the master key, identification mode and whitelist. */
  authorize(idTag: string): Promise<AuthResult> {
    return this.#authorizer(idTag);
  }

  /** Authorization from the master key, identification mode and whitelist alone. */
  async authorizeLocally(idTag: string): Promise<AuthResult> {
    const v = this.settings.all();
    const entry = await this.store.whitelist.get(idTag);
    return authorizeLocal({
      idTag,
      mode: v["auth.identification"],
      masterKey: v["auth.masterKey"],
      dummyIdTag: v["auth.dummyIdTag"],
      ...(entry ? { entry } : {}),
      nowMs: this.hardware.clock.nowMs(),
    });
  }

  #inflight = new Set<Promise<unknown>>();

  #track(work: Promise<unknown>): void {
    this.#inflight.add(work);
    void work.finally(() => this.#inflight.delete(work));
  }

  /** Resolves once every queued event and running authorization has been processed. */
  async settled(): Promise<void> {
    while (this.#queued > 0 || this.#inflight.size > 0) {
      await Promise.all([this.#chain, ...this.#inflight]);
    }
  }

  /** Hears every performed effect, after it was performed; returns unsubscribe. */
  subscribe(listener: StationListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Gives every point back the availability stored for it (ChangeAvailability), after a
   * reset or an update held them.
   */
  async restoreAvailability(): Promise<void> {
    for (const c of this.state.connectors) {
      const operative = await this.store.operative(c.id);
      await this.dispatch({ type: "availability", connectorId: c.id, operative });
    }
  }

  /** Queues an event; resolves when it and its effects have been processed. */
  dispatch(event: CoreEvent): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#queued++;
    const run = this.#chain.then(() => this.#process(event)).catch((e) => {
      log.error(`Cannot process ${event.type}: ${e instanceof Error ? e.stack : e}`);
    }).finally(() => this.#queued--);
    this.#chain = run;
    return run;
  }

  async #process(event: CoreEvent): Promise<void> {
    if (event.type !== "meter" && event.type !== "config") await this.#refreshMeters();
    // Hardware callbacks the effects cause are queued behind.
    await this.#performAll(this.#apply(event));
  }

  /**
   * Safety before bookkeeping: effects that end or reduce energy delivery run first (in the
   * core's order among them), then the rest; one failing effect never skips the others.
   */
  async #performAll(effects: CoreEffect[]): Promise<void> {
    const first = effects.filter((e) => reducesEnergy(e, this.#offeredMa));
    const rest = effects.filter((e) => !first.includes(e));
    for (const effect of [...first, ...rest]) {
      try {
        await this.#perform(effect);
      } catch (e) {
        log.error(`Cannot perform ${effect.type}: ${e instanceof Error ? e.stack : e}`);
      }
    }
  }

  /** True while a storage failure holds the station faulted. */
  get storageFault(): boolean {
    return this.#storageFault;
  }

  /** Failed writes waiting for storage to work again: what they are, oldest first. */
  pendingWrites(): string[] {
    return this.#pendingWrites.map((w) => w.what);
  }

  /**
   * Runs a storage write; when it (or one before it) fails, keeps it for retry in order and
   * raises the storage fault. Resolves true when written now.
   */
  async #write(what: string, run: () => Promise<void>, essential = false): Promise<boolean> {
    if (this.#pendingWrites.length === 0) {
      try {
        await run();
        return true;
      } catch (e) {
        this.#storageFailed(what, e);
      }
    }
    if (this.#pendingWrites.length >= MAX_PENDING_WRITES) {
      const drop = this.#pendingWrites.findIndex((w) => !w.essential);
      if (drop >= 0) this.#pendingWrites.splice(drop, 1);
      else if (!essential) return false;
    }
    this.#pendingWrites.push({ what, essential, run });
    return false;
  }

  /** Writes entries into the audit log (retried like every write; never throws). */
  audit(entries: readonly Omit<AuditEntry, "atMs">[]): Promise<boolean> {
    const atMs = this.hardware.clock.nowMs();
    return this.#write(
      "audit log",
      () => this.store.audit.append(entries.map((e) => ({ ...e, atMs }))),
    );
  }

  /** Every settings change as audit entries, secrets masked; passwords are audited where
   * they are changed (with the user). */
  #auditSettings(change: SettingsChange): void {
    const shown = (key: string, v: unknown) => {
      const def = settingDef(key);
      if (def?.secret) return v === "" || v === undefined ? "(empty)" : "(set)";
      return JSON.stringify(v) ?? null;
    };
    const entries = Object.entries(change.changed)
      .filter(([key]) => !key.startsWith("webui.passwordHash"))
      .map(([key, value]) => ({
        actor: change.actor,
        action: "setting",
        target: key,
        oldValue: shown(key, (change.previous as Record<string, unknown>)[key]),
        newValue: shown(key, value),
      }));
    if (entries.length > 0) void this.audit(entries);
  }

  #storageFailed(what: string, e: unknown): void {
    log.error(`Storage failed (${what}): ${e instanceof Error ? e.message : e}`);
    if (this.#storageFault) return;
    this.#storageFault = true;
    // Ends every session (the contactors open) and refuses new ones until storage works.
    void this.dispatch({ type: "fault", code: STORAGE_FAULT, connectorId: 0, active: true });
  }

  /** Retries the failed writes in order; clears the storage fault once all went through. */
  async #retryWrites(): Promise<void> {
    while (this.#pendingWrites.length > 0) {
      const next = this.#pendingWrites[0]!;
      try {
        await next.run();
      } catch {
        return;
      }
      this.#pendingWrites.shift();
      log.info(`Storage works again: ${next.what} written`);
    }
    if (!this.#storageFault) return;
    // A write of a fresh row proves there is room again (an in-place update would not).
    try {
      await this.store.probeWrite();
    } catch {
      return;
    }
    this.#storageFault = false;
    log.info("Storage works again: the storage fault is cleared");
    await this.dispatch({ type: "fault", code: STORAGE_FAULT, connectorId: 0, active: false });
  }

  #apply(event: CoreEvent): CoreEffect[] {
    const { state, effects } = step(this.#state, event, this.hardware.clock.nowMs());
    this.#state = state;
    return effects;
  }

  async #refreshMeters(): Promise<void> {
    for (const meter of this.hardware.meters) {
      const r = await meter.read();
      this.#readings.set(meter.connectorId, r);
      const effects = this.#apply({
        type: "meter",
        connectorId: meter.connectorId,
        energyWh: r.energyWh,
        powerW: r.powerW,
      });
      for (const effect of effects) await this.#perform(effect);
    }
  }

  async #perform(effect: CoreEffect): Promise<void> {
    const nowMs = this.hardware.clock.nowMs();
    const controller = "connectorId" in effect
      ? this.hardware.controllers.find((c) => c.connectorId === effect.connectorId)
      : undefined;
    switch (effect.type) {
      case "authorize":
        // Outside the event chain: a backend may take seconds to answer.
        this.#track(
          this.#authorizer(effect.idTag).then(
            (result) =>
              this.dispatch({
                type: "authorized",
                idTag: effect.idTag,
                result,
                ...(effect.connectorId !== undefined ? { connectorId: effect.connectorId } : {}),
              }),
            (e) => log.error(`Cannot authorize ${effect.idTag}: ${e}`),
          ),
        );
        break;
      case "authorizationRefused":
        log.info(`Card ${effect.idTag} refused: ${effect.result.status}`);
        await this.#write("event log", () =>
          this.store.events.append([{
            atMs: nowMs,
            kind: "auth",
            code: effect.result.status,
            message: `Card ${effect.idTag} refused: ${effect.result.status}`,
          }]));
        break;
      case "sessionStarted": {
        const s = effect.session;
        // With a backend set, the session owes it Start- and StopTransaction.
        const journal = this.settings.get("ocpp.url") !== "";
        let id: number | undefined;
        await this.#write(
          `start of the session on charge point ${effect.connectorId}`,
          async () => {
            id = await this.store.sessions.open({
              connectorId: effect.connectorId,
              idTag: s.idTag,
              authSource: s.authSource,
              startedAtMs: s.startedAtMs,
              meterStartWh: s.meterStartWh,
              ...(s.reservationId !== undefined ? { reservationId: s.reservationId } : {}),
              journal,
            });
          },
          true,
        );
        this.#lastSampleMs.set(effect.connectorId, nowMs);
        log.info(`Session ${id} started on charge point ${effect.connectorId} for ${s.idTag}`);
        await this.#write("event log", () =>
          this.store.events.append([{
            atMs: nowMs,
            kind: "session",
            connectorId: effect.connectorId,
            code: "Started",
            message: `Session ${id} started for ${s.idTag}`,
            data: { sessionId: id ?? null, meterStartWh: s.meterStartWh },
          }]));
        break;
      }
      case "sessionStopped": {
        // The point leaves Finishing whatever storage does; a failed close is retried in
        // order, and the station stays faulted (no new session) until it is written.
        void this.dispatch({ type: "sessionClosed", connectorId: effect.connectorId });
        let row: { id: number } | undefined;
        await this.#write(`stop of the session on charge point ${effect.connectorId}`, async () => {
          row = await this.store.sessions.close({
            connectorId: effect.connectorId,
            stoppedAtMs: effect.stoppedAtMs,
            meterStopWh: effect.meterStopWh,
            reason: effect.reason,
            ...(effect.stopIdTag ? { idTag: effect.stopIdTag } : {}),
          });
        }, true);
        log.info(
          `Session ${row?.id} on charge point ${effect.connectorId} stopped: ${effect.reason}, ` +
            `${effect.meterStopWh - effect.session.meterStartWh} Wh`,
        );
        await this.#write("event log", () =>
          this.store.events.append([{
            atMs: nowMs,
            kind: "session",
            connectorId: effect.connectorId,
            code: effect.reason,
            message: `Session ${row?.id} stopped: ${effect.reason}`,
            data: { sessionId: row?.id ?? null, meterStopWh: effect.meterStopWh },
          }]));
        break;
      }
      case "setOfferedCurrent":
        controller?.setOfferedCurrent(effect.currentMa);
        this.#offeredMa.set(effect.connectorId, effect.currentMa);
        break;
      case "setContactor":
        // No energy without a session record: while storage fails, the contactor stays open
        // (the storage fault that follows ends the session in the core too).
        if (effect.closed && this.#storageFault) {
          log.warn(`Contactor of charge point ${effect.connectorId} kept open: storage fails`);
          break;
        }
        controller?.setContactor(effect.closed);
        break;
      case "setLock":
        controller?.setLock(effect.locked);
        break;
      case "reservationEnded":
        log.info(`Reservation ${effect.reservationId} ended: ${effect.reason}`);
        await this.#write(
          `end of reservation ${effect.reservationId}`,
          () => this.store.reservations.remove(effect.reservationId),
        );
        break;
      case "status":
        this.#indicate();
        await this.#write("event log", () =>
          this.store.events.append([{
            atMs: effect.atMs,
            kind: "status",
            connectorId: effect.connectorId,
            code: effect.status,
            message: `Charge point ${effect.connectorId}: ${effect.status}` +
              (effect.errorCode !== "NoError" ? ` (${effect.errorCode})` : ""),
          }]));
        break;
    }
    for (const listener of this.#listeners) {
      try {
        listener(effect, this.#state);
      } catch (e) {
        log.error(`A listener failed on ${effect.type}: ${e instanceof Error ? e.stack : e}`);
      }
    }
  }

  /** LEDs and display follow the status; a broken LED never stops the station. */
  #indicate(): void {
    try {
      for (const c of this.#state.connectors) {
        this.hardware.leds.set(c.id, ledPattern(this.#state, c));
      }
      this.hardware.display.show(displayLines(this.#state));
    } catch (e) {
      log.warn(`Cannot update LEDs or display: ${e}`);
    }
  }

  /** Applies the retention policy (store/retention.ts) in small batches. */
  async #prune(): Promise<void> {
    if (this.#closed || this.#storageFault) return;
    try {
      const removed = await this.store.prune(this.hardware.clock.nowMs());
      if (removed > 0) log.debug(`Retention: ${removed} old rows removed`);
    } catch (e) {
      log.warn(`Retention pruning failed: ${e instanceof Error ? e.message : e}`);
    }
  }

  async #tick(): Promise<void> {
    await this.dispatch({ type: "tick" });
    if (this.#pendingWrites.length > 0 || this.#storageFault) await this.#retryWrites();
    await this.#storeSamples();
  }

  async #storeSamples(): Promise<void> {
    const nowMs = this.hardware.clock.nowMs();
    const intervalMs = this.settings.get("meter.storeIntervalS") * 1000;
    const due = this.#state.connectors.filter((c) => {
      const last = this.#lastSampleMs.get(c.id) ?? 0;
      const busy = c.session !== null || c.powerW > 0;
      return nowMs - last >= (busy ? intervalMs : IDLE_SAMPLE_MS);
    });
    if (due.length === 0 || this.#closed) return;
    const samples = due.flatMap((c) => {
      const reading = this.#readings.get(c.id);
      return reading ? [{ connectorId: c.id, reading, offeredMa: c.offeredMa }] : [];
    });
    try {
      await this.store.sessions.recordSamples(samples);
    } catch (e) {
      return this.#storageFailed("meter samples", e);
    }
    for (const c of due) this.#lastSampleMs.set(c.id, nowMs);
  }

  /**
   * Orderly stop of the station software: running sessions end with `reason` (Reboot by
   * default) so that a restart does not take them for a power loss, then everything is released.
   * With `keepRunning` (a daemon restart: the hardware stays), a session whose controller can
   * keep it is handed over instead and goes on after the restart.
   */
  async shutdown(
    reason: StopReason = "Reboot",
    o: { keepRunning?: boolean } = {},
  ): Promise<void> {
    for (const c of this.#state.connectors) {
      if (!c.session) continue;
      const controller = this.hardware.controllers.find((h) => h.connectorId === c.id);
      if (o.keepRunning && controller?.handOver && controller.kept) {
        controller.handOver();
        log.info(`Session on charge point ${c.id} left to its controller across the restart`);
        continue;
      }
      await this.dispatch({ type: "remoteStop", connectorId: c.id, reason });
    }
    await this[Symbol.asyncDispose]();
  }

  /** Stops timers and listeners and waits for queued events; running sessions stay open in
   * storage, and the next start closes them as interrupted. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#closed) return;
    for (const cleanup of this.#cleanups) cleanup();
    this.#cleanups = [];
    await this.#chain;
    this.#closed = true;
    this.#listeners.clear();
  }
}
