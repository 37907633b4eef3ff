/**
 * A Modbus RTU server that stands in for the meters on a bus, written from the same register
 * maps: it answers read requests for its units from their values, with exception 2 for
 * registers it does not have, and can misbehave on purpose (stay silent, damage the CRC, put
 * noise before the answer). It paces what it sends at the line's baud rate (10 bits a byte),
 * since a pseudo-terminal has none of its own.
 * @module
 */
import { crcOk, requestLength, withCrc } from "./frame.ts";
import { openRawEnd } from "./line.ts";
import { encode, type MeterMap } from "./meter_maps.ts";

/** The values an emulated meter shows. */
export interface MeterValues {
  voltageV: [number, number, number];
  currentA: [number, number, number];
  powerW: [number, number, number];
  energyWh: number;
}

/** How the emulator misbehaves for one unit. */
export type Misbehaviour = "none" | "silent" | "crc" | "noise";

/** An emulated meter on the bus. */
export interface EmulatedMeter {
  unit: number;
  map: MeterMap;
  values: MeterValues;
  mode: Misbehaviour;
}

/** The registers a meter's values make. */
export function registersOf(m: EmulatedMeter): Map<number, number> {
  const regs = new Map<number, number>();
  const put = (field: MeterMap["energy"], value: number) =>
    encode(field, value).forEach((w, i) => regs.set(field.address + i, w));
  m.map.voltage.forEach((f, i) => put(f, m.values.voltageV[i]!));
  m.map.current.forEach((f, i) => put(f, m.values.currentA[i]!));
  m.map.power.forEach((f, i) => put(f, m.values.powerW[i]!));
  put(m.map.totalPower, m.values.powerW.reduce((a, b) => a + b, 0));
  put(m.map.energy, m.values.energyWh);
  return regs;
}

/** The answer to one request frame, or undefined when none is due. */
export function answer(meters: EmulatedMeter[], request: Uint8Array): Uint8Array | undefined {
  if (!crcOk(request)) return undefined;
  const meter = meters.find((m) => m.unit === request[0]);
  if (!meter || meter.mode === "silent") return undefined;
  const fc = request[1]!;
  const address = (request[2]! << 8) | request[3]!;
  const count = (request[4]! << 8) | request[5]!;
  const exception = (code: number) => withCrc(new Uint8Array([meter.unit, fc | 0x80, code]));
  if (fc !== meter.map.functionCode) return exception(1);
  if (count < 1 || count > 125) return exception(3);
  const regs = registersOf(meter);
  const body = new Uint8Array(3 + 2 * count);
  body.set([meter.unit, fc, 2 * count]);
  for (let i = 0; i < count; i++) {
    const w = regs.get(address + i);
    if (w === undefined) return exception(2);
    body[3 + 2 * i] = w >> 8;
    body[4 + 2 * i] = w & 0xff;
  }
  const frame = withCrc(body);
  if (meter.mode === "crc") frame[frame.length - 1]! ^= 0xff;
  if (meter.mode === "noise") {
    const noisy = new Uint8Array(frame.length + 3);
    noisy.set([0x00, 0xff, 0x13]);
    noisy.set(frame, 3);
    return noisy;
  }
  return frame;
}

/** Serves `meters` on the device file `path` until disposed. */
export class RtuEmulator implements AsyncDisposable {
  readonly meters: EmulatedMeter[];
  requests = 0;
  #file: Deno.FsFile;
  #out: Deno.FsFile;
  #baudRate: number;
  #done: Promise<void>;

  private constructor(
    file: Deno.FsFile,
    out: Deno.FsFile,
    meters: EmulatedMeter[],
    baudRate: number,
  ) {
    this.#file = file;
    this.#out = out;
    this.meters = meters;
    this.#baudRate = baudRate;
    this.#done = this.#serve();
  }

  /** Opens the line (raw, via stty) and starts answering. */
  static async open(path: string, meters: EmulatedMeter[], baudRate = 9600): Promise<RtuEmulator> {
    const { input, out } = await openRawEnd(path);
    return new RtuEmulator(input, out, meters, baudRate);
  }

  async #serve(): Promise<void> {
    let buf = new Uint8Array(0);
    const chunk = new Uint8Array(256);
    try {
      for (;;) {
        const n = await this.#file.read(chunk);
        if (n === null) return;
        const joined = new Uint8Array(buf.length + n);
        joined.set(buf);
        joined.set(chunk.subarray(0, n), buf.length);
        buf = joined;
        for (;;) {
          const len = requestLength(buf);
          if (len === undefined) {
            if (buf.length >= 2) buf = buf.slice(1); // not a request start: skip a byte
            if (buf.length < 2) break;
            continue;
          }
          if (buf.length < len) break;
          const request = buf.slice(0, len);
          buf = buf.slice(len);
          this.requests++;
          const out = answer(this.meters, request);
          if (!out) continue;
          // The line's speed: 10 bits per byte, plus the 3.5-character silence.
          await new Promise((r) => setTimeout(r, ((out.length + 3.5) * 10_000) / this.#baudRate));
          for (let off = 0; off < out.length;) off += await this.#out.write(out.subarray(off));
        }
      }
    } catch {
      // The line closed.
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const f of [this.#file, this.#out]) {
      try {
        f.close();
      } catch { /* closed */ }
    }
    await this.#done;
  }
}
