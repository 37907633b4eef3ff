/**
 * A charge controller speaking OpenEVSE RAPI (`protocol.ts`) over a serial line: why RAPI,
 * not EVerest's Yeti/Phyverso protocol — a plain ASCII protocol with a public specification in
 * the firmware's source, on boards (AVR, avrdude-flashable) that are common and cheap, with a
 * heartbeat supervision the station can lean on. One command at a time, each with a
 * sequence id, answered within 500 ms or asked once more. At start the station arms the
 * EVSE's heartbeat supervision (`$SY interval limit`, limit 0 A): if the station program
 * goes silent the EVSE stops charging by itself after the interval. The pilot state and the
 * faults come from `$AT` notifications and a `$GS` poll every second.
 * @module
 */
import type { ChargeController, ControllerInfo, PilotState, Unsubscribe } from "../ports.ts";
import { type LineSettings, SerialLine } from "../rtu/line.ts";
import { EVSE_STATE, faultOf, formatCommand, parseLine, type RapiLine } from "./protocol.ts";

/** Options of {@linkcode RapiController}. */
export interface RapiOptions extends LineSettings {
  path: string;
  connectorId: number;
  /** The EVSE stops charging when the station is silent this long. @default 10 */
  heartbeatS?: number;
  /** Answer timeout. @default 500 */
  timeoutMs?: number;
  /** State poll period. @default 1000 */
  pollMs?: number;
}

interface Pending {
  seq: number;
  resolve: (line: RapiLine) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Counters of the link. */
export interface RapiStats {
  commands: number;
  timeouts: number;
  refused: number;
  badLines: number;
  boots: number;
}

/** An OpenEVSE board as the station's charge controller. */
export class RapiController implements ChargeController, AsyncDisposable {
  readonly connectorId: number;
  readonly stats: RapiStats = { commands: 0, timeouts: 0, refused: 0, badLines: 0, boots: 0 };
  #o: RapiOptions;
  #line: SerialLine | undefined;
  #text = "";
  #seq = 0;
  #pending: Pending | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #evse = 0;
  #pilot: PilotState = "A";
  #fault: string | undefined;
  #firmware = "unknown";
  #pilotListeners = new Set<(p: PilotState) => void>();
  #faultListeners = new Set<(code: string, active: boolean) => void>();
  #bootListeners = new Set<() => void>();
  #timers: ReturnType<typeof setInterval>[] = [];
  #stopped = false;
  #kept: "charging" | "connected" | undefined;

  private constructor(o: RapiOptions) {
    this.#o = o;
    this.connectorId = o.connectorId;
  }

  /** Opens the line, arms the heartbeat supervision and reads the state. */
  static async open(o: RapiOptions): Promise<RapiController> {
    const c = new RapiController(o);
    await c.#start();
    return c;
  }

  /** The serial device. */
  get path(): string {
    return this.#o.path;
  }

  /** Gives the line up (for a flash): no commands, no pulses until {@linkcode resume}. */
  async suspend(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    await this.#queue;
    this.#line?.close();
    this.#line = undefined;
  }

  /** Takes the line back and arms the supervision again (the board may have new firmware). */
  async resume(): Promise<void> {
    await this.#start();
  }

  async #start(): Promise<void> {
    const o = this.#o;
    this.#line = await SerialLine.open(o.path, o, (bytes) => this.#take(bytes));
    const version = await this.command("GV");
    this.#firmware = version.params[0] ?? "unknown";
    // Before arming: was the supervision still armed (no reboot of the board since the last
    // lifetime armed it) and not tripped (it never stopped charging on its own)?
    const before = await this.command("GY");
    const armed = before.kind === "OK" && Number(before.params[0]) > 0;
    const tripped = before.params[2] === "2";
    const hb = o.heartbeatS ?? 10;
    await this.command("SY", [hb, 0]);
    if (tripped) await this.command("SY", [165]);
    await this.#poll();
    this.#kept = !armed || tripped ? undefined : this.#running();
    this.#timers.push(
      setInterval(() => void this.#pulse(), (hb * 1000) / 3),
      setInterval(() => void this.#poll(), o.pollMs ?? 1000),
    );
  }

  /** The EVSE state (`EVSE_STATE_xxx`). */
  get evseState(): number {
    return this.#evse;
  }

  #take(bytes: Uint8Array): void {
    this.#text += new TextDecoder().decode(bytes);
    if (this.#text.length > 4096) this.#text = this.#text.slice(-256);
    for (let cr = this.#text.indexOf("\r"); cr >= 0; cr = this.#text.indexOf("\r")) {
      const raw = this.#text.slice(0, cr).replace(/^\n+/, "");
      this.#text = this.#text.slice(cr + 1);
      if (raw.trim() === "") continue;
      const line = parseLine(raw);
      if (!line) {
        this.stats.badLines++;
        continue;
      }
      this.#handle(line);
    }
  }

  #handle(line: RapiLine): void {
    if (line.kind === "AT") {
      this.#state(parseInt(line.params[0] ?? "0", 16), parseInt(line.params[1] ?? "0", 16));
      return;
    }
    if (line.kind === "AB") {
      this.stats.boots++;
      for (const l of this.#bootListeners) l();
      // Its supervision is gone with the reboot: arm it again.
      void this.command("SY", [this.#o.heartbeatS ?? 10, 0]).catch(() => {});
      return;
    }
    const p = this.#pending;
    if ((line.kind === "OK" || line.kind === "NK") && p && line.seq === p.seq) {
      clearTimeout(p.timer);
      this.#pending = undefined;
      p.resolve(line);
    }
  }

  #state(evse: number, pilotState: number): void {
    this.#evse = evse;
    const pilot: PilotState = pilotState === EVSE_STATE.B
      ? "B"
      : pilotState === EVSE_STATE.C || pilotState === EVSE_STATE.D
      ? "C"
      : "A";
    if (pilot !== this.#pilot) {
      this.#pilot = pilot;
      for (const l of this.#pilotListeners) l(pilot);
    }
    const fault = faultOf(evse);
    if (fault !== this.#fault) {
      if (this.#fault) { for (const l of this.#faultListeners) l(this.#fault, false); }
      this.#fault = fault;
      if (fault) { for (const l of this.#faultListeners) l(fault, true); }
    }
  }

  /** Sends one command and waits for its answer (asked once more after a timeout). */
  command(cmd: string, params: (string | number)[] = []): Promise<RapiLine> {
    const run = this.#queue.then(async () => {
      for (let attempt = 0;; attempt++) {
        try {
          return await this.#send(cmd, params);
        } catch (e) {
          if (attempt >= 1 || this.#stopped) throw e;
        }
      }
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  #send(cmd: string, params: (string | number)[]): Promise<RapiLine> {
    const line = this.#line;
    if (!line?.isOpen) return Promise.reject(new Error("RAPI line closed"));
    this.#seq = this.#seq % 255 + 1;
    const seq = this.#seq;
    this.stats.commands++;
    return new Promise<RapiLine>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.stats.timeouts++;
        this.#pending = undefined;
        reject(new Error(`RAPI ${cmd}: no answer`));
      }, this.#o.timeoutMs ?? 500);
      this.#pending = { seq, resolve, reject, timer };
      line.write(new TextEncoder().encode(formatCommand(cmd, params, seq))).catch((e) => {
        clearTimeout(timer);
        this.#pending = undefined;
        reject(e);
      });
    }).then((answer) => {
      if (answer.kind === "NK") this.stats.refused++;
      return answer;
    });
  }

  async #pulse(): Promise<void> {
    const r = await this.command("SY").catch(() => undefined);
    // NK: a pulse was missed (the EVSE limited the current); acknowledge to restore it.
    if (r?.kind === "NK") await this.command("SY", [165]).catch(() => {});
  }

  async #poll(): Promise<void> {
    const r = await this.command("GS").catch(() => undefined);
    if (r?.kind !== "OK") return;
    this.#state(parseInt(r.params[0] ?? "0", 16), parseInt(r.params[2] ?? r.params[0] ?? "0", 16));
  }

  pilot(): PilotState {
    return this.#pilot;
  }

  kept(): "charging" | "connected" | undefined {
    return this.#kept;
  }

  /** The driver stays open across a daemon restart: its pulses keep the supervision fed. */
  handOver(): void {
    this.#kept = this.#running();
  }

  #running(): "charging" | "connected" | undefined {
    const s = this.#evse;
    return s === EVSE_STATE.C || s === EVSE_STATE.D
      ? "charging"
      : s === EVSE_STATE.B
      ? "connected"
      : undefined;
  }

  onPilot(listener: (pilot: PilotState) => void): Unsubscribe {
    this.#pilotListeners.add(listener);
    return () => this.#pilotListeners.delete(listener);
  }

  onFault(listener: (code: string, active: boolean) => void): Unsubscribe {
    this.#faultListeners.add(listener);
    return () => this.#faultListeners.delete(listener);
  }

  /** Calls `listener` when the EVSE reports its own boot (`$AB`): a power loss of the board. */
  onReboot(listener: () => void): Unsubscribe {
    this.#bootListeners.add(listener);
    return () => this.#bootListeners.delete(listener);
  }

  setOfferedCurrent(currentMa: number): void {
    if (currentMa <= 0) {
      void this.command("FS").catch(() => {});
      return;
    }
    void this.command("SC", [Math.floor(currentMa / 1000), "V"]).catch(() => {});
    if (this.#evse === EVSE_STATE.SLEEPING || this.#evse === EVSE_STATE.DISABLED) {
      void this.command("FE").catch(() => {});
    }
  }

  /** The EVSE switches its relay itself in state C while enabled: open means sleep. */
  setContactor(closed: boolean): void {
    void this.command(closed ? "FE" : "FS").catch(() => {});
  }

  setLock(_locked: boolean): void {
    // A fixed cable, or a lock the EVSE drives itself.
  }

  lockState(): boolean | undefined {
    return undefined;
  }

  info(): ControllerInfo {
    return {
      model: "OpenEVSE (RAPI)",
      firmwareVersion: this.#firmware,
      serial: this.#o.path,
      maxCurrentMa: 32_000,
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    await this.#queue;
    this.#line?.close();
  }
}
