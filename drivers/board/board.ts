/**
 * The simulated hardware of a device, as its own process would run it: per charge point an
 * OpenEVSE board behind RAPI and an Eastron SDM630 on one RS-485 bus, and a PN532 reader, each
 * an emulator written from its wire protocol on one end of a pseudo-terminal pair. The
 * station's real drivers sit on the other ends, so a simulated device exercises them; the
 * board keeps running when the station program dies, as a real MCU does.
 *
 * The vehicle draws what the board's pilot offers while its relay is closed (up to its own
 * maximum, on one or three phases at 230 V); the meter integrates it.
 * @module
 */
import { RapiEmulator } from "../rapi/emulator.ts";
import { EVSE_STATE, faultOf } from "../rapi/protocol.ts";
import { type EmulatedMeter, RtuEmulator } from "../rtu/emulator.ts";
import { METER_MAPS } from "../rtu/meter_maps.ts";
import { Pn532Emulator } from "../pn532/emulator.ts";
import { PtyPair } from "./pty_pair.ts";

/** Faults a board can be told to show, by the station's fault code (M-4). */
export const BOARD_FAULTS: Record<string, number> = {
  GroundFailure: EVSE_STATE.GFCI_FAULT,
  PowerSwitchFailure: EVSE_STATE.STUCK_RELAY,
  EVCommunicationError: EVSE_STATE.DIODE_CHECK_FAILED,
};
/** The meter answers nothing: the station raises PowerMeterFailure. */
export const METER_FAULT = "PowerMeterFailure";

const VOLTAGE_V = 230;
const STEP_MS = 200;
const RTU_BAUD = 115200;

/** One charge point of the board. */
interface Point {
  id: number;
  line: PtyPair;
  evse: RapiEmulator;
  meter: EmulatedMeter;
  phases: 1 | 3;
  maxCurrentA: number;
}

/** What `GET /state` says of a charge point. */
export interface PointState {
  id: number;
  plugged: boolean;
  wantsCharge: boolean;
  /** The EVSE state the board reports (`EVSE_STATE`). */
  evseState: number;
  relayClosed: boolean;
  offeredA: number;
  currentA: number;
  energyWh: number;
  heartbeatS: number;
  /** The supervision tripped: the board stopped charging on its own. */
  missed: boolean;
  faults: string[];
}

/** Options of {@linkcode SimBoard.open}. */
export interface BoardOptions {
  /** Where the pseudo-terminal links and `device.json` go. */
  dir: string;
  connectors: 1 | 2;
  /** The boards' supervision interval the station arms. @default 10 */
  heartbeatS?: number;
  /** Energy registers at the start, per point. @default 0 */
  initialEnergyWh?: number[];
}

/** The emulated parts and the lines to them. */
export class SimBoard implements AsyncDisposable {
  readonly points: Point[];
  readonly reader: Pn532Emulator;
  readonly devicePath: string;
  #meterLine: PtyPair;
  #readerLine: PtyPair;
  #rtu: RtuEmulator;
  #timer: ReturnType<typeof setInterval>;
  #lastMs = performance.now();
  #cardTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    points: Point[],
    meterLine: PtyPair,
    rtu: RtuEmulator,
    readerLine: PtyPair,
    reader: Pn532Emulator,
    devicePath: string,
  ) {
    this.points = points;
    this.#meterLine = meterLine;
    this.#rtu = rtu;
    this.#readerLine = readerLine;
    this.reader = reader;
    this.devicePath = devicePath;
    this.#timer = setInterval(() => this.#flow(), STEP_MS);
  }

  /** Makes the lines, starts the emulators and writes the station's device description. */
  static async open(o: BoardOptions): Promise<SimBoard> {
    await Deno.mkdir(o.dir, { recursive: true });
    const pair = (name: string) => PtyPair.at(`${o.dir}/${name}`, `${o.dir}/${name}.board`);
    const meterLine = await pair("rs485");
    const readerLine = await pair("pn532");
    const points: Point[] = [];
    for (let id = 1; id <= o.connectors; id++) {
      const line = await pair(`evse${id}`);
      points.push({
        id,
        line,
        evse: await RapiEmulator.open(line.b),
        meter: {
          unit: id,
          map: METER_MAPS.sdm630,
          values: {
            voltageV: [VOLTAGE_V, VOLTAGE_V, VOLTAGE_V],
            currentA: [0, 0, 0],
            powerW: [0, 0, 0],
            energyWh: o.initialEnergyWh?.[id - 1] ?? 0,
          },
          mode: "none",
        },
        phases: 3,
        maxCurrentA: 32,
      });
    }
    const rtu = await RtuEmulator.open(meterLine.b, points.map((p) => p.meter), RTU_BAUD);
    const reader = await Pn532Emulator.open(readerLine.b);
    const devicePath = `${o.dir}/device.json`;
    const description = {
      connectors: o.connectors,
      buses: { "rs485-1": { path: meterLine.a, baudRate: RTU_BAUD, timeoutMs: 150 } },
      meters: points.map((p) => ({
        connector: p.id,
        driver: "modbus-rtu",
        model: "sdm630",
        bus: "rs485-1",
        unit: p.meter.unit,
        pollMs: 250,
      })),
      controllers: points.map((p) => ({
        connector: p.id,
        driver: "rapi",
        path: p.line.a,
        heartbeatS: o.heartbeatS ?? 10,
      })),
      reader: { driver: "pn532", path: readerLine.a },
    };
    await Deno.writeTextFile(devicePath, JSON.stringify(description, null, 2) + "\n");
    return new SimBoard(points, meterLine, rtu, readerLine, reader, devicePath);
  }

  /** The point `id`; a RangeError when there is none. */
  point(id: number): Point {
    const p = this.points.find((x) => x.id === id);
    if (!p) throw new RangeError(`No charge point ${id}: the board has ${this.points.length}`);
    return p;
  }

  /** A vehicle plugs in, asking for charge. */
  async plug(id: number, o: { phases?: 1 | 3; maxCurrentA?: number } = {}): Promise<void> {
    const p = this.point(id);
    if (p.evse.plugged) throw new RangeError(`Charge point ${id}: a vehicle is already plugged`);
    p.phases = o.phases ?? 3;
    p.maxCurrentA = o.maxCurrentA ?? 32;
    await p.evse.change((e) => {
      e.plugged = true;
      e.wantsCharge = true;
    });
  }

  async unplug(id: number): Promise<void> {
    const p = this.point(id);
    if (!p.evse.plugged) throw new RangeError(`Charge point ${id}: no vehicle is plugged`);
    await p.evse.change((e) => {
      e.plugged = false;
      e.wantsCharge = false;
    });
  }

  /** The vehicle pauses (state B) or asks for charge again (state C). */
  async setEvCharging(id: number, charging: boolean): Promise<void> {
    const p = this.point(id);
    if (!p.evse.plugged) throw new RangeError(`Charge point ${id}: no vehicle is plugged`);
    await p.evse.change((e) => (e.wantsCharge = charging));
  }

  /** A power cycle of one board (`$AB`): its supervision is off until the station arms it. */
  async reboot(id: number): Promise<void> {
    await this.point(id).evse.boot();
  }

  /** Holds a card with this UID (hex) on the reader for `ms`. */
  presentCard(uid: string, ms = 1500): void {
    if (!/^([0-9A-Fa-f]{2}){4,10}$/.test(uid)) {
      throw new TypeError("A card's UID is 4 to 10 bytes in hex, such as 04A2B3C4");
    }
    clearTimeout(this.#cardTimer);
    this.reader.card = uid.toUpperCase();
    this.#cardTimer = setTimeout(() => this.reader.card = undefined, ms);
  }

  /** Shows a fault: on the board (its EVSE state) or, PowerMeterFailure, a silent meter. */
  async raiseFault(code: string, id: number): Promise<void> {
    const p = this.point(id);
    if (code === METER_FAULT) {
      p.meter.mode = "silent";
      return;
    }
    const state = BOARD_FAULTS[code];
    if (state === undefined) {
      throw new TypeError(
        `A board shows ${[...Object.keys(BOARD_FAULTS), METER_FAULT].join(", ")}, not ${code}`,
      );
    }
    await p.evse.change((e) => (e.fault = state));
  }

  /** Clears a fault on one point or, without `id`, on every point; false if none was shown. */
  async clearFault(code: string, id?: number): Promise<boolean> {
    let cleared = false;
    for (const p of id === undefined ? this.points : [this.point(id)]) {
      if (code === METER_FAULT && p.meter.mode === "silent") {
        p.meter.mode = "none";
        cleared = true;
      } else if (p.evse.fault !== undefined && faultOf(p.evse.fault) === code) {
        await p.evse.change((e) => (e.fault = undefined));
        cleared = true;
      }
    }
    return cleared;
  }

  activeFaults(): { code: string; connectorId: number }[] {
    return this.points.flatMap((p) => [
      ...(p.evse.fault !== undefined ? [{ code: faultOf(p.evse.fault)!, connectorId: p.id }] : []),
      ...(p.meter.mode === "silent" ? [{ code: METER_FAULT, connectorId: p.id }] : []),
    ]);
  }

  state(): PointState[] {
    return this.points.map((p) => ({
      id: p.id,
      plugged: p.evse.plugged,
      wantsCharge: p.evse.wantsCharge,
      evseState: p.evse.evseState,
      relayClosed: p.evse.relayClosed,
      offeredA: p.evse.offeredA,
      currentA: p.meter.values.currentA[0]!,
      energyWh: Math.round(p.meter.values.energyWh * 10) / 10,
      heartbeatS: p.evse.heartbeatS,
      missed: p.evse.missed,
      faults: this.activeFaults().filter((f) => f.connectorId === p.id).map((f) => f.code),
    }));
  }

  /** The vehicles draw through closed relays; the meters count it. */
  #flow(): void {
    const now = performance.now();
    const hours = (now - this.#lastMs) / 3_600_000;
    this.#lastMs = now;
    for (const p of this.points) {
      const a = p.evse.relayClosed ? Math.min(p.evse.offeredA, p.maxCurrentA) : 0;
      const rest = p.phases === 3 ? a : 0;
      const currentA: [number, number, number] = [a, rest, rest];
      const powerW: [number, number, number] = [a * VOLTAGE_V, rest * VOLTAGE_V, rest * VOLTAGE_V];
      p.meter.values = {
        voltageV: [VOLTAGE_V, VOLTAGE_V, VOLTAGE_V],
        currentA,
        powerW,
        energyWh: p.meter.values.energyWh + powerW.reduce((x, y) => x + y, 0) * hours,
      };
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    clearInterval(this.#timer);
    clearTimeout(this.#cardTimer);
    await this.reader[Symbol.asyncDispose]();
    await this.#rtu[Symbol.asyncDispose]();
    for (const p of this.points) await p.evse[Symbol.asyncDispose]();
    for (const line of [this.#meterLine, this.#readerLine, ...this.points.map((p) => p.line)]) {
      await line[Symbol.asyncDispose]();
    }
  }
}
