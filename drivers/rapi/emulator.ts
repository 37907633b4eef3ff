/**
 * An OpenEVSE board behind RAPI, written from the same specification (`rapi_proc.h`): the
 * J1772 states from the vehicle (plugged, asking for charge), enable/sleep, current capacity,
 * the relay (closed in state C while enabled with a capacity), faults, `$AT` on every state
 * change, `$AB` at boot, and the heartbeat supervision: without a pulse within the interval
 * the capacity drops to the limit (0 A: charging stops) until the miss is acknowledged.
 * @module
 */
import { openRawEnd } from "../rtu/line.ts";
import { EVSE_STATE, formatCommand, parseLine, xorChecksum } from "./protocol.ts";

/** The emulated board. */
export class RapiEmulator implements AsyncDisposable {
  plugged = false;
  wantsCharge = false;
  enabled = true;
  capacityA = 6;
  fault: number | undefined;
  heartbeatS = 0;
  heartbeatLimitA = 0;
  missed = false;
  /** Commands received, by name. */
  readonly received: string[] = [];
  #in: Deno.FsFile;
  #out: Deno.FsFile;
  #lastPulseMs = performance.now();
  #lastState = "";
  #timer: ReturnType<typeof setInterval>;
  #done: Promise<void>;

  private constructor(input: Deno.FsFile, out: Deno.FsFile) {
    this.#in = input;
    this.#out = out;
    this.#done = this.#serve();
    this.#timer = setInterval(() => this.#supervise(), 100);
  }

  /** Opens the line and boots (`$AB 00 <fw>`). */
  static async open(path: string): Promise<RapiEmulator> {
    const { input, out } = await openRawEnd(path);
    const e = new RapiEmulator(input, out);
    await e.boot();
    return e;
  }

  /** A power cycle of the board: supervision off, defaults, `$AB`. */
  async boot(): Promise<void> {
    this.heartbeatS = 0;
    this.missed = false;
    this.enabled = true;
    this.capacityA = 6;
    await this.#async(`$AB 00 8.2.2`);
    this.#lastState = "";
    await this.#notify();
  }

  /** The EVSE state it reports (`EVSE_STATE`). */
  get evseState(): number {
    return this.#evseState();
  }

  /** The relay is closed. */
  get relayClosed(): boolean {
    return this.#evseState() === EVSE_STATE.C;
  }

  /** The current the pilot offers now. */
  get offeredA(): number {
    return this.missed ? Math.min(this.capacityA, this.heartbeatLimitA) : this.capacityA;
  }

  #pilotState(): number {
    if (!this.plugged) return EVSE_STATE.A;
    return this.wantsCharge ? EVSE_STATE.C : EVSE_STATE.B;
  }

  #evseState(): number {
    if (this.fault !== undefined) return this.fault;
    if (!this.enabled) return EVSE_STATE.SLEEPING;
    const pilot = this.#pilotState();
    if (pilot === EVSE_STATE.C && this.offeredA <= 0) return EVSE_STATE.B;
    return pilot;
  }

  async #async(body: string): Promise<void> {
    await this.#write(`${body}^${xorChecksum(body)}\r`);
  }

  async #write(text: string): Promise<void> {
    const data = new TextEncoder().encode(text);
    for (let off = 0; off < data.length;) off += await this.#out.write(data.subarray(off));
  }

  /** Sends `$AT` when the state changed. */
  async #notify(): Promise<void> {
    const hex = (n: number) => n.toString(16).padStart(2, "0");
    const state = `${hex(this.#evseState())} ${hex(this.#pilotState())} ${this.offeredA} 0000`;
    if (state === this.#lastState) return;
    this.#lastState = state;
    await this.#async(`$AT ${state}`).catch(() => {});
  }

  /** Changes from the vehicle or a fault, then tells the host. */
  async change(f: (e: this) => void): Promise<void> {
    f(this);
    await this.#notify();
  }

  #supervise(): void {
    if (
      this.heartbeatS > 0 && !this.missed &&
      performance.now() - this.#lastPulseMs > this.heartbeatS * 1000
    ) {
      this.missed = true;
      void this.#notify();
    }
  }

  async #serve(): Promise<void> {
    let text = "";
    const chunk = new Uint8Array(256);
    try {
      for (;;) {
        const n = await this.#in.read(chunk);
        if (n === null) return;
        text += new TextDecoder().decode(chunk.subarray(0, n));
        for (let cr = text.indexOf("\r"); cr >= 0; cr = text.indexOf("\r")) {
          const raw = text.slice(0, cr);
          text = text.slice(cr + 1);
          const cmd = parseLine(raw);
          if (!cmd) continue;
          this.received.push(cmd.kind);
          const answer = this.#run(cmd.kind, cmd.params);
          const seq = cmd.seq ?? 0;
          const reply = formatCommand(answer.ok ? "OK" : "NK", answer.params, seq);
          await this.#write(reply);
          await this.#notify();
        }
      }
    } catch {
      // The line closed.
    }
  }

  #run(kind: string, params: string[]): { ok: boolean; params: (string | number)[] } {
    const hex = (n: number) => n.toString(16).padStart(2, "0");
    switch (kind) {
      case "GV":
        return { ok: true, params: ["8.2.2", "5.1.0"] };
      case "GS":
        return { ok: true, params: [hex(this.#evseState()), 0, hex(this.#pilotState()), "0000"] };
      case "FE":
        this.enabled = true;
        return { ok: true, params: [] };
      case "FS":
      case "FD":
        this.enabled = false;
        return { ok: true, params: [] };
      case "SC": {
        const a = Math.max(6, Math.min(32, Number(params[0])));
        this.capacityA = a;
        return { ok: a === Number(params[0]), params: [a] };
      }
      case "GY":
        return { ok: true, params: [this.heartbeatS, this.heartbeatLimitA, this.missed ? 2 : 0] };
      case "SY": {
        if (params.length >= 2) {
          this.heartbeatS = Number(params[0]);
          this.heartbeatLimitA = Number(params[1]);
          this.#lastPulseMs = performance.now();
          return { ok: true, params: [this.heartbeatS, this.heartbeatLimitA, 0] };
        }
        if (params[0] === "165") {
          this.missed = false;
          this.#lastPulseMs = performance.now();
          return { ok: true, params: [] };
        }
        this.#lastPulseMs = performance.now();
        return {
          ok: !this.missed,
          params: [this.heartbeatS, this.heartbeatLimitA, this.missed ? 2 : 0],
        };
      }
      default:
        return { ok: false, params: [] };
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    clearInterval(this.#timer);
    for (const f of [this.#in, this.#out]) {
      try {
        f.close();
      } catch { /* closed */ }
    }
    await this.#done;
  }
}
