/**
 * The station at run time: feeds hardware, people and time into the pure core, performs the
 * effects it returns (hardware, storage, listeners), one event at a time.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Hardware, MeterReading } from "../drivers/ports.ts";
import {
  authorizeLocal,
  type CoreConfig,
  type CoreEffect,
  type CoreEvent,
  initialState,
  type StationState,
  step,
} from "./core/mod.ts";
import { displayLines, ledPattern } from "./indicators.ts";
import type { Settings, SettingValues } from "./settings/mod.ts";
import type { Store } from "./store/mod.ts";
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
    const interrupted = await store.sessions.closeInterrupted();
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
    const readings = await Promise.all(hardware.meters.map((m) => m.read()));
    const operative = await Promise.all(
      hardware.controllers.map(async (c) =>
        await store.getMeta(`availability.${c.connectorId}`) !== "Inoperative"
      ),
    );
    const state = initialState(coreConfig(settings.all(), hardware), {
      nowMs,
      energyWh: readings.map((r) => r.energyWh),
      operative,
      // Reservations survive a restart; the first tick ends those that expired meanwhile.
      reservations: await store.reservations.list(),
    });
    const station = new Station(deps, state, nowMs);
    readings.forEach((r, i) => station.#readings.set(i + 1, r));
    station.#wire();
    await station.dispatch({ type: "tick" });
    return station;
  }

  #wire(): void {
    const { hardware } = this;
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
    this.#cleanups.push(
      hardware.onStationFault((code, active) =>
        void this.dispatch({ type: "fault", code, connectorId: 0, active })
      ),
      hardware.reader.onToken((idTag) => void this.dispatch({ type: "token", idTag })),
      this.settings.onChange(() =>
        void this.dispatch({
          type: "config",
          config: coreConfig(this.settings.all(), this.hardware),
        })
      ),
    );
    const tick = setInterval(() => void this.#tick(), 1000);
    this.#cleanups.push(() => clearInterval(tick));
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
    // Effects are performed in order; hardware callbacks they cause are queued behind.
    for (const effect of this.#apply(event)) await this.#perform(effect);
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
        await this.store.events.append([{
          atMs: nowMs,
          kind: "auth",
          code: effect.result.status,
          message: `Card ${effect.idTag} refused: ${effect.result.status}`,
        }]);
        break;
      case "sessionStarted": {
        const s = effect.session;
        const id = await this.store.sessions.open({
          connectorId: effect.connectorId,
          idTag: s.idTag,
          authSource: s.authSource,
          startedAtMs: s.startedAtMs,
          meterStartWh: s.meterStartWh,
          ...(s.reservationId !== undefined ? { reservationId: s.reservationId } : {}),
          // With a backend set, the session owes it Start- and StopTransaction.
          journal: this.settings.get("ocpp.url") !== "",
        });
        this.#lastSampleMs.set(effect.connectorId, nowMs);
        log.info(`Session ${id} started on charge point ${effect.connectorId} for ${s.idTag}`);
        await this.store.events.append([{
          atMs: nowMs,
          kind: "session",
          connectorId: effect.connectorId,
          code: "Started",
          message: `Session ${id} started for ${s.idTag}`,
          data: { sessionId: id, meterStartWh: s.meterStartWh },
        }]);
        break;
      }
      case "sessionStopped": {
        const row = await this.store.sessions.close({
          connectorId: effect.connectorId,
          stoppedAtMs: effect.stoppedAtMs,
          meterStopWh: effect.meterStopWh,
          reason: effect.reason,
          ...(effect.stopIdTag ? { idTag: effect.stopIdTag } : {}),
        });
        log.info(
          `Session ${row?.id} on charge point ${effect.connectorId} stopped: ${effect.reason}, ` +
            `${effect.meterStopWh - effect.session.meterStartWh} Wh`,
        );
        await this.store.events.append([{
          atMs: nowMs,
          kind: "session",
          connectorId: effect.connectorId,
          code: effect.reason,
          message: `Session ${row?.id} stopped: ${effect.reason}`,
          data: { sessionId: row?.id, meterStopWh: effect.meterStopWh },
        }]);
        void this.dispatch({ type: "sessionClosed", connectorId: effect.connectorId });
        break;
      }
      case "setOfferedCurrent":
        controller?.setOfferedCurrent(effect.currentMa);
        break;
      case "setContactor":
        controller?.setContactor(effect.closed);
        break;
      case "setLock":
        controller?.setLock(effect.locked);
        break;
      case "reservationEnded":
        log.info(`Reservation ${effect.reservationId} ended: ${effect.reason}`);
        await this.store.reservations.remove(effect.reservationId);
        break;
      case "status":
        this.#indicate();
        await this.store.events.append([{
          atMs: effect.atMs,
          kind: "status",
          connectorId: effect.connectorId,
          code: effect.status,
          message: `Charge point ${effect.connectorId}: ${effect.status}` +
            (effect.errorCode !== "NoError" ? ` (${effect.errorCode})` : ""),
        }]);
        break;
    }
    for (const listener of this.#listeners) listener(effect, this.#state);
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

  async #tick(): Promise<void> {
    await this.dispatch({ type: "tick" });
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
    await this.store.sessions.recordSamples(samples);
    for (const c of due) this.#lastSampleMs.set(c.id, nowMs);
  }

  /**
   * Orderly stop of the station software: running sessions end with `reason` (Reboot by
   * default) so that a restart does not take them for a power loss, then everything is released.
   */
  async shutdown(reason: StopReason = "Reboot"): Promise<void> {
    for (const c of this.#state.connectors) {
      if (c.session) await this.dispatch({ type: "remoteStop", connectorId: c.id, reason });
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
