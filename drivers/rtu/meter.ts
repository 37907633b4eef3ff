/**
 * An energy meter on an RTU bus (`bus.ts`) with its register map (`meter_maps.ts`). It polls
 * in the background; `read()` answers the latest reading at once (the station reads its
 * meters on every event). Three polls in a row without an answer raise PowerMeterFailure on
 * the meter's charge point (M-4: 6× red), the next answer clears it. The energy register
 * must never go back: a reading below the last one (a swapped meter, a register reset, a
 * wrong word order) is refused, raises PowerMeterFailure and keeps the last good energy, so a
 * session can never come out negative.
 * @module
 */
import type { Meter, MeterReading, PhaseReading } from "../ports.ts";
import type { RtuBus } from "./bus.ts";
import { blocksOf, decode, type MeterMap } from "./meter_maps.ts";

/** The fault code a failing meter raises. */
export const METER_FAULT = "PowerMeterFailure";

/** Options of {@linkcode RtuMeter}. */
export interface RtuMeterOptions {
  bus: RtuBus;
  unit: number;
  map: MeterMap;
  connectorId: number;
  /** The energy the station last stored for this point (continuity across restarts). */
  lastEnergyWh?: number;
  /** Poll period. @default 1000 ms */
  pollMs?: number;
  /** Polls without an answer before the fault. @default 3 */
  failuresToFault?: number;
  nowMs: () => number;
}

/** Why the meter is faulted, if it is. */
export type MeterProblem = "silent" | "backwards" | undefined;

/** A Modbus RTU energy meter. */
export class RtuMeter implements Meter, AsyncDisposable {
  readonly connectorId: number;
  #o: RtuMeterOptions;
  #last: MeterReading | undefined;
  #failures = 0;
  #problem: MeterProblem;
  #listeners = new Set<(code: string, active: boolean) => void>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #polling: Promise<void> = Promise.resolve();

  constructor(o: RtuMeterOptions) {
    this.#o = o;
    this.connectorId = o.connectorId;
  }

  info(): { model: string; serial: string } {
    return { model: `${this.#o.map.vendor} ${this.#o.map.model}`, serial: `unit ${this.#o.unit}` };
  }

  /** The current problem (undefined: the meter answers and counts forward). */
  get problem(): MeterProblem {
    return this.#problem;
  }

  onFault(listener: (code: string, active: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts polling; resolves after the first poll (answered or not). */
  start(): Promise<void> {
    const loop = async () => {
      if (this.#stopped) return;
      this.#polling = this.poll();
      await this.#polling;
      if (!this.#stopped) this.#timer = setTimeout(loop, this.#o.pollMs ?? 1000);
    };
    return loop();
  }

  #set(problem: MeterProblem): void {
    const was = this.#problem !== undefined;
    this.#problem = problem;
    const is = problem !== undefined;
    if (was !== is) { for (const l of this.#listeners) l(METER_FAULT, is); }
  }

  /** One poll of every register block. */
  async poll(): Promise<void> {
    const { map, bus, unit } = this.#o;
    let reading: MeterReading;
    try {
      const words = new Map<number, number>();
      for (const b of blocksOf(map)) {
        const data = await bus.read(unit, map.functionCode, b.start, b.count);
        data.forEach((w, i) => words.set(b.start + i, w));
      }
      const at = (fieldAddress: number, n: number) =>
        Array.from({ length: n }, (_, i) => words.get(fieldAddress + i) ?? 0);
      const value = (x: MeterMap["energy"]) => decode(x, at(x.address, 4), x.address);
      const phases = [0, 1, 2].map((i): PhaseReading => {
        const voltageV = value(map.voltage[i]!);
        const currentA = value(map.current[i]!);
        const powerW = value(map.power[i]!);
        const apparent = voltageV * currentA;
        return {
          voltageV,
          currentA,
          powerW,
          powerFactor: apparent > 1 ? Math.min(1, Math.abs(powerW) / apparent) : 1,
        };
      }) as [PhaseReading, PhaseReading, PhaseReading];
      reading = {
        energyWh: value(map.energy),
        powerW: value(map.totalPower),
        phases,
        atMs: this.#o.nowMs(),
      };
    } catch {
      this.#failures++;
      if (this.#failures >= (this.#o.failuresToFault ?? 3)) this.#set("silent");
      return;
    }
    this.#failures = 0;
    const floor = this.#last?.energyWh ?? this.#o.lastEnergyWh ?? 0;
    if (!Number.isFinite(reading.energyWh) || reading.energyWh < floor - 0.5) {
      this.#set("backwards");
      return;
    }
    this.#last = reading;
    this.#set(undefined);
  }

  /** The latest good reading; before any, an idle one at the last known energy. */
  read(): Promise<MeterReading> {
    const last = this.#last;
    if (last && this.#problem !== "silent") return Promise.resolve(last);
    const zero: PhaseReading = { voltageV: 0, currentA: 0, powerW: 0, powerFactor: 1 };
    return Promise.resolve({
      energyWh: last?.energyWh ?? this.#o.lastEnergyWh ?? 0,
      powerW: 0,
      phases: [zero, { ...zero }, { ...zero }],
      atMs: this.#o.nowMs(),
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#polling;
  }
}
