/**
 * The OCPP-J connection owner: connects, boots, keeps the heartbeat, reconnects with
 * exponential back-off and jitter, and runs the message line (message_line.ts) on each accepted
 * connection; one message's delivery is delivery.ts.
 * Payload translation lives in conversions.ts, incoming calls in handlers.ts.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { CoreEffect } from "../core/mod.ts";
import type { Station } from "../runtime.ts";
import type { StationInfo } from "../snapshot.ts";
import { bootNotification, chargeBoxIdentity, statusNotification } from "./conversions.ts";
import type { Journal, OwedMessage } from "../store/mod.ts";
import { dialUrl, reconnectDelayMs } from "./dial.ts";
import { deliver } from "./delivery.ts";
import { MessageLine, type StuckMessage } from "./message_line.ts";
import type { StatusEffect } from "./status_queue.ts";
import { callError, connectOcpp, type OcppConnection } from "./rpc.ts";
import { type Family, Histogram, KeyedCounter, single } from "../metrics.ts";

const log = getLogger(["ladewerk", "ocpp"]);

export type { StuckMessage } from "./message_line.ts";

/** Registration state after BootNotification. */
export type Registration = "none" | "Pending" | "Accepted" | "Rejected";

/** What `GET /api/status` shows of the OCPP connection. */
export interface OcppStatus {
  configured: boolean;
  url: string;
  /** The URL dialled: `url` with the charge box id appended once (OCPP-J §3.1.1). */
  dialledUrl: string;
  chargeBoxId: string;
  connected: boolean;
  registration: Registration;
  connectedSince: string | null;
  lastMessageAt: string | null;
  reconnectAttempt: number;
  nextReconnectAt: string | null;
  queue: number;
  /** The transaction message the backend keeps refusing, while it does. */
  stuck: StuckMessage | null;
}

/** What the client needs. */
export interface OcppClientDeps {
  station: Station;
  info: StationInfo;
  /** Registers the handlers of incoming calls on a fresh connection. */
  registerHandlers: (conn: OcppConnection) => void;
  /** Call timeout. @default 30000 */
  callTimeoutMs?: number;
  /** Sets the station's clock; used when `TimeSource` is Heartbeat (M-1.6.1). */
  setTime?: (ms: number) => void;
  /** Hears the idTagInfo of Start- and StopTransaction answers (the authorization cache). */
  onIdTagInfo?: (idTag: string, idTagInfo: { status: string }) => Promise<void>;
  /** The mobile modem: its SIM's ICCID and IMSI go into BootNotification. */
  modem?: { info(): Promise<{ iccid: string; imsi: string }> };
}

/** The charge point's side of one OCPP backend. */
export class OcppClient implements AsyncDisposable {
  readonly journal: Journal;
  #deps: OcppClientDeps;
  #conn: OcppConnection | undefined;
  #registration: Registration = "none";
  #connectedSinceMs: number | null = null;
  #lastMessageMs: number | null = null;
  #attempt = 0;
  #nextReconnectMs: number | null = null;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #closed = false;
  #generation = 0;
  #unsubscribe: (() => void)[] = [];
  /** The transaction messages and statuses owed, in order. */
  #line: MessageLine;
  #heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  #stats = {
    connects: 0,
    failedConnects: 0,
    disconnects: 0,
    /** Outgoing calls by action and outcome (`Heartbeat ok`, `MeterValues error`). */
    calls: new KeyedCounter(128),
    /** Incoming calls by action and outcome. */
    handled: new KeyedCounter(128),
    /** Round trip of outgoing calls answered, in seconds. */
    roundTrip: new Histogram([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]),
  };

  constructor(deps: OcppClientDeps) {
    this.#deps = deps;
    this.journal = deps.station.store.journal;
    this.#line = new MessageLine({
      journal: this.journal,
      events: deps.station.store.events,
      deliver: (m) => this.#deliver(m),
      sendStatus: (status) => this.#sendStatus(status),
      retryIntervalS: () => this.#settings.get("ocpp.transactionMessageRetryIntervalS"),
      now: () => this.#now(),
    });
  }

  get #settings() {
    return this.#deps.station.settings;
  }

  /** The charge box id reported now. */
  get chargeBoxId(): string {
    return chargeBoxIdentity(
      this.#settings.get("ocpp.chargeBoxIdTemplate"),
      this.#deps.info.serial,
    );
  }

  /** Connected and accepted by the backend. */
  get online(): boolean {
    return this.#conn !== undefined && this.#registration === "Accepted";
  }

  /** Starts connecting (if a URL is set) and follows settings and station changes. */
  start(): void {
    this.#unsubscribe.push(
      this.#settings.onChange(({ changed }) => {
        const keys = Object.keys(changed);
        if (
          keys.some((k) =>
            [
              "ocpp.url",
              "ocpp.chargeBoxIdTemplate",
              "ocpp.authorizationKey",
              "ocpp.caCertificatePem",
            ]
              .includes(k)
          )
        ) {
          log.info("OCPP connection settings changed: reconnecting");
          void this.reconnect();
        } else if (keys.includes("ocpp.heartbeatIntervalS") && this.online) {
          this.#heartbeat(this.#generation);
        }
      }),
      this.#deps.station.subscribe((effect) => this.#onEffect(effect)),
    );
    void this.#line.refreshQueue();
    this.#connect();
  }

  /** Drops the connection and connects again at once (Reset, settings change). */
  async reconnect(): Promise<void> {
    this.#generation++;
    this.#clearTimers();
    const conn = this.#conn;
    this.#conn = undefined;
    this.#registration = "none";
    await conn?.close({ graceful: true }).catch(() => {});
    this.#attempt = 0;
    this.#connect();
  }

  /** Calls the backend now; rejects when offline. Not for transaction messages. */
  async call<T = Record<string, unknown>>(action: string, payload: unknown): Promise<T> {
    const conn = this.#conn;
    if (!conn) throw new Error(`Cannot send ${action}: offline`);
    if (this.#registration !== "Accepted" && action !== "BootNotification") {
      throw new Error(`Cannot send ${action}: not accepted by the backend`);
    }
    const result = await conn.call<T>(action, payload);
    this.#lastMessageMs = this.#now();
    return result;
  }

  /** A connection whose calls are counted and timed, both ways. */
  #counted(conn: OcppConnection): OcppConnection {
    const stats = this.#stats;
    return {
      ...conn,
      async call<T>(action: string, payload: unknown): Promise<T> {
        const t0 = performance.now();
        try {
          const result = await conn.call<T>(action, payload);
          stats.roundTrip.observe((performance.now() - t0) / 1000);
          stats.calls.inc(`${action} ok`);
          return result;
        } catch (e) {
          stats.calls.inc(`${action} error`);
          throw e;
        }
      },
      handle(action, handler) {
        conn.handle(action, async (params) => {
          try {
            const result = await handler(params);
            stats.handled.inc(`${action} ok`);
            return result;
          } catch (e) {
            stats.handled.inc(`${action} error`);
            throw e;
          }
        });
      },
    };
  }

  /** Connection, call and queue metrics (Prometheus families). */
  metrics(): Family[] {
    const st = this.#stats;
    const byOutcome = (c: KeyedCounter) =>
      c.entries().map(([key, value]) => {
        const [action = "", outcome = ""] = key.split(" ");
        return { labels: { action, outcome }, value };
      });
    return [
      single(
        "ladewerk_ocpp_connected",
        "1 while the backend is connected",
        "gauge",
        this.#conn ? 1 : 0,
      ),
      single(
        "ladewerk_ocpp_accepted",
        "1 while the backend has accepted the BootNotification",
        "gauge",
        this.#registration === "Accepted" ? 1 : 0,
      ),
      single(
        "ladewerk_ocpp_connects_total",
        "Connections opened to the backend",
        "counter",
        st.connects,
      ),
      single(
        "ladewerk_ocpp_connect_failures_total",
        "Connection attempts that failed",
        "counter",
        st.failedConnects,
      ),
      single(
        "ladewerk_ocpp_disconnects_total",
        "Open connections that were lost or closed",
        "counter",
        st.disconnects,
      ),
      single(
        "ladewerk_ocpp_queue_depth",
        "Transaction messages owed to the backend",
        "gauge",
        this.#line.queue,
      ),
      {
        name: "ladewerk_ocpp_calls_total",
        help: "Calls sent to the backend, by action and outcome",
        type: "counter",
        samples: byOutcome(st.calls),
      },
      {
        name: "ladewerk_ocpp_incoming_calls_total",
        help: "Calls the backend sent, by action and outcome",
        type: "counter",
        samples: byOutcome(st.handled),
      },
      {
        name: "ladewerk_ocpp_call_duration_seconds",
        help: "Round trip of calls the backend answered",
        type: "histogram",
        samples: st.roundTrip.samples(),
      },
    ];
  }

  /** The connection state for the status page. */
  status(): OcppStatus {
    const url = this.#settings.get("ocpp.url");
    const iso = (ms: number | null) => ms === null ? null : new Date(ms).toISOString();
    return {
      configured: url !== "",
      url,
      dialledUrl: url ? dialUrl(url, this.chargeBoxId) : "",
      chargeBoxId: this.chargeBoxId,
      connected: this.#conn !== undefined,
      registration: this.#registration,
      connectedSince: iso(this.#connectedSinceMs),
      lastMessageAt: iso(this.#lastMessageMs),
      reconnectAttempt: this.#attempt,
      nextReconnectAt: iso(this.#nextReconnectMs),
      queue: this.#line.queue,
      stuck: this.#line.stuck,
    };
  }

  /** Wakes the delivery of owed transaction messages. */
  wake(): void {
    this.#line.wake();
  }

  #now(): number {
    return this.#deps.station.hardware.clock.nowMs();
  }

  #later(ms: number, fn: () => void): ReturnType<typeof setTimeout> {
    const id = setTimeout(() => {
      this.#timers.delete(id);
      fn();
    }, ms);
    this.#timers.add(id);
    return id;
  }

  #clearTimers(): void {
    for (const id of this.#timers) clearTimeout(id);
    this.#timers.clear();
    this.#line.stop();
  }

  #connect(): void {
    if (this.#closed) return;
    const url = this.#settings.get("ocpp.url");
    if (!url) return;
    const generation = ++this.#generation;
    this.#nextReconnectMs = null;
    const dialled = dialUrl(url, this.chargeBoxId);
    connectOcpp({
      url: dialled,
      identity: this.chargeBoxId,
      password: this.#settings.get("ocpp.authorizationKey"),
      caPem: this.#settings.get("ocpp.caCertificatePem"),
      pingIntervalS: this.#settings.get("ocpp.webSocketPingIntervalS"),
      callTimeoutMs: this.#deps.callTimeoutMs ?? 30_000,
      onProblem: (text) => log.warn(text),
    }).then((raw) => {
      if (generation !== this.#generation || this.#closed) return void raw.close();
      const conn = this.#counted(raw);
      this.#stats.connects++;
      this.#conn = conn;
      this.#connectedSinceMs = this.#now();
      // The back-off counter is reset by an Accepted BootNotification, not by an open socket.
      log.info(`OCPP connected to ${dialled} as ${this.chargeBoxId}`);
      conn.onClose(({ code, reason }) => {
        if (this.#conn !== conn) return;
        log.warn(`OCPP connection closed (${code}${reason ? ` ${reason}` : ""})`);
        this.#lost(generation);
      });
      this.#deps.registerHandlers(this.#gated(conn));
      void this.#boot(conn, generation);
    }, (e) => {
      if (generation !== this.#generation || this.#closed) return;
      this.#stats.failedConnects++;
      log.warn(`OCPP cannot connect to ${dialled}: ${e instanceof Error ? e.message : e}`);
      this.#lost(generation);
    });
  }

  /**
   * Incoming calls pass the registration state first (OCPP 1.6 §4.2): while Pending (or before
   * the boot is answered) RemoteStart/RemoteStopTransaction are Rejected; while Rejected every
   * call gets a CALLERROR SecurityError, and the station initiates nothing but the boot retry.
   */
  #gated(conn: OcppConnection): OcppConnection {
    return {
      ...conn,
      handle: (action, handler) =>
        conn.handle(action, (params) => {
          if (this.#registration === "Rejected") {
            throw callError("SecurityError", `${action} refused: the backend rejected the boot`);
          }
          if (
            this.#registration !== "Accepted" &&
            (action === "RemoteStartTransaction" || action === "RemoteStopTransaction")
          ) {
            log.info(`${action} refused: BootNotification not accepted yet`);
            return { status: "Rejected" };
          }
          return handler(params);
        }),
    };
  }

  #lost(generation: number): void {
    if (generation !== this.#generation) return;
    if (this.#conn) this.#stats.disconnects++;
    this.#generation++;
    this.#conn = undefined;
    this.#registration = "none";
    this.#connectedSinceMs = null;
    this.#clearTimers();
    if (this.#closed) return;
    const delay = reconnectDelayMs(this.#attempt++);
    this.#nextReconnectMs = this.#now() + delay;
    this.#later(delay, () => this.#connect());
  }

  async #boot(conn: OcppConnection, generation: number): Promise<void> {
    const { station, info } = this.#deps;
    const meter = station.hardware.meters[0]?.info() ?? { model: "none", serial: "none" };
    const modem = await this.#deps.modem?.info().catch(() => undefined);
    try {
      const res = await conn.call<{ status: Registration; interval: number; currentTime: string }>(
        "BootNotification",
        bootNotification(info, meter, modem),
      );
      if (generation !== this.#generation) return;
      this.#lastMessageMs = this.#now();
      const wasAccepted = this.#registration === "Accepted";
      this.#registration = res.status;
      log.info(`OCPP BootNotification: ${res.status} (interval ${res.interval} s)`);
      this.#adoptTime(res.currentTime);
      if (res.status === "Accepted") {
        this.#attempt = 0;
        if (res.interval > 0) {
          await station.settings.set({ "ocpp.heartbeatIntervalS": res.interval }, {
            writer: "station",
            actor: "ocpp",
          }).catch((e) => log.warn(`Heartbeat interval ${res.interval} refused: ${e.message}`));
        }
        if (!wasAccepted) this.#accepted(generation);
      } else {
        this.#later((res.interval > 0 ? res.interval : 60) * 1000, () => {
          if (generation === this.#generation) void this.#boot(conn, generation);
        });
      }
    } catch (e) {
      if (generation !== this.#generation) return;
      log.warn(`OCPP BootNotification failed: ${e instanceof Error ? e.message : e}`);
      this.#later(30_000, () => {
        if (generation === this.#generation) void this.#boot(conn, generation);
      });
    }
  }

  /** Sends BootNotification again on the open connection (TriggerMessage). */
  async reboot(): Promise<void> {
    const conn = this.#conn;
    if (!conn) throw new Error("Cannot send BootNotification: offline");
    await this.#boot(conn, this.#generation);
  }

  #accepted(generation: number): void {
    this.#line.clearStatuses();
    void this.sendAllStatuses();
    this.#heartbeat(generation);
    void this.#line.run(() => generation === this.#generation && !this.#closed);
  }

  /** Sends StatusNotification for the station and every charge point (after boot, Trigger). */
  sendAllStatuses(onlyConnector?: number): Promise<void> {
    const state = this.#deps.station.state;
    const effects: StatusEffect[] = [
      {
        type: "status",
        connectorId: 0,
        status: state.station.status,
        errorCode: state.station.errorCode,
        ...(state.station.vendorErrorCode
          ? { vendorErrorCode: state.station.vendorErrorCode }
          : {}),
        atMs: this.#now(),
      },
      ...state.connectors.map((c) => ({
        type: "status" as const,
        connectorId: c.id,
        status: c.status,
        errorCode: c.errorCode,
        ...(c.vendorErrorCode ? { vendorErrorCode: c.vendorErrorCode } : {}),
        atMs: this.#now(),
      })),
    ];
    for (const e of effects) {
      if (onlyConnector === undefined || onlyConnector === e.connectorId) this.#line.pushStatus(e);
    }
    return Promise.resolve();
  }

  async #sendStatus(effect: StatusEffect): Promise<void> {
    if (!this.online) return;
    await this.call("StatusNotification", statusNotification(effect)).catch((e) =>
      log.warn(`StatusNotification failed: ${e instanceof Error ? e.message : e}`)
    );
  }

  #onEffect(effect: CoreEffect): void {
    if (effect.type === "status") {
      if (!this.online) return;
      // In line with the transaction messages, so Charging follows its StartTransaction.
      this.#line.pushStatus(effect);
    }
    if (effect.type === "sessionStarted" || effect.type === "sessionStopped") this.wake();
  }

  /** (Re)schedules the next Heartbeat; one timer at a time, so a new interval applies at once. */
  #heartbeat(generation: number): void {
    if (generation !== this.#generation) return;
    if (this.#heartbeatTimer !== undefined) {
      clearTimeout(this.#heartbeatTimer);
      this.#timers.delete(this.#heartbeatTimer);
      this.#heartbeatTimer = undefined;
    }
    const intervalS = this.#settings.get("ocpp.heartbeatIntervalS");
    if (intervalS <= 0) return;
    this.#heartbeatTimer = this.#later(intervalS * 1000, () => {
      if (generation !== this.#generation) return;
      void this.heartbeat().finally(() => this.#heartbeat(generation));
    });
  }

  /** Sends a Heartbeat. */
  async heartbeat(): Promise<void> {
    try {
      const res = await this.call<{ currentTime: string }>("Heartbeat", {});
      this.#adoptTime(res.currentTime);
    } catch (e) {
      log.warn(`Heartbeat failed: ${e instanceof Error ? e.message : e}`);
    }
  }

  /** Takes the backend's time when the station's time source is the OCPP heartbeat. */
  #adoptTime(currentTime: string): void {
    const ms = Date.parse(currentTime);
    if (!this.#deps.setTime || !Number.isFinite(ms)) return;
    if (this.#settings.get("time.source") !== "Heartbeat") return;
    this.#deps.setTime(ms);
  }

  async #deliver(m: OwedMessage): Promise<void> {
    const conn = this.#conn;
    if (!conn) throw new Error("offline");
    await deliver(conn, m, {
      station: this.#deps.station,
      ...(this.#deps.onIdTagInfo ? { onIdTagInfo: this.#deps.onIdTagInfo } : {}),
    });
    this.#lastMessageMs = this.#now();
  }

  /** Waits until nothing is owed or `timeoutMs` passed (before an orderly shutdown). */
  async drain(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.online && Date.now() < until && await this.journal.count() > 0) {
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#closed = true;
    this.#generation++;
    for (const u of this.#unsubscribe) u();
    this.#clearTimers();
    const conn = this.#conn;
    this.#conn = undefined;
    await conn?.close().catch(() => {});
  }
}
