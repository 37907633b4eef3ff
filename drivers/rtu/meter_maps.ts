/**
 * Register maps of MID energy meters common in chargers, as data: where each value sits, in
 * which type and scale, from the vendors' published Modbus maps. Addresses are 0-based
 * protocol addresses. Types: `f32` (IEEE 754, high word first), `u32`/`s32` (high word first),
 * `s32sw` (low word first), `u64` (high word first).
 * @module
 */

/** How a value is encoded. */
export type RegisterType = "f32" | "u32" | "s32" | "s32sw" | "u64";

/** One value: address, type, and the factor to its unit (V, A, W, Wh). */
export interface Field {
  address: number;
  type: RegisterType;
  scale: number;
}

/** A meter model. */
export interface MeterMap {
  model: string;
  vendor: string;
  /** Function code: 4 (input registers) or 3 (holding registers). */
  functionCode: 3 | 4;
  voltage: [Field, Field, Field];
  current: [Field, Field, Field];
  power: [Field, Field, Field];
  totalPower: Field;
  /** Imported active energy, in Wh after scaling. */
  energy: Field;
  /** Most registers one request may ask for. */
  maxRegisters: number;
}

/** Registers a type takes. */
export function registersOf(type: RegisterType): number {
  return type === "u64" ? 4 : 2;
}

const f = (address: number, type: RegisterType, scale: number): Field => ({ address, type, scale });
const three = (start: number, step: number, type: RegisterType, scale: number) =>
  [0, 1, 2].map((i) => f(start + i * step, type, scale)) as [Field, Field, Field];

/**
 * Eastron SDM630 (Modbus protocol, input registers, floats): L-N volts 30001.., currents
 * 30007.., powers 30013.., total power 30053, import kWh 30073.
 */
const sdm630: MeterMap = {
  model: "SDM630",
  vendor: "Eastron",
  functionCode: 4,
  voltage: three(0x0000, 2, "f32", 1),
  current: three(0x0006, 2, "f32", 1),
  power: three(0x000c, 2, "f32", 1),
  totalPower: f(0x0034, "f32", 1),
  energy: f(0x0048, "f32", 1000),
  maxRegisters: 80,
};

/** Eastron SDM72D-M (V2): the same input register layout for these values as the SDM630. */
const sdm72dm: MeterMap = { ...sdm630, model: "SDM72D-M" };

/**
 * ABB B23/B24 (holding registers): voltages 0x5B00.. (u32, 0.1 V), currents 0x5B0C.. (u32,
 * 0.01 A), total power 0x5B14 then L1..L3 (s32, 0.01 W), active import 0x5000 (u64, 0.01 kWh).
 */
const abbB23: MeterMap = {
  model: "B23",
  vendor: "ABB",
  functionCode: 3,
  voltage: three(0x5b00, 2, "u32", 0.1),
  current: three(0x5b0c, 2, "u32", 0.01),
  power: three(0x5b16, 2, "s32", 0.01),
  totalPower: f(0x5b14, "s32", 0.01),
  energy: f(0x5000, "u64", 10),
  maxRegisters: 60,
};

/**
 * Carlo Gavazzi EM340 (holding registers, 32-bit values low word first): voltages 0x0000..
 * (0.1 V), currents 0x000C.. (0.001 A), powers 0x0012.. (0.1 W), total power 0x0028 (0.1 W),
 * kWh (+) total 0x0034 (0.1 kWh).
 */
const em340: MeterMap = {
  model: "EM340",
  vendor: "Carlo Gavazzi",
  functionCode: 3,
  voltage: three(0x0000, 2, "s32sw", 0.1),
  current: three(0x000c, 2, "s32sw", 0.001),
  power: three(0x0012, 2, "s32sw", 0.1),
  totalPower: f(0x0028, "s32sw", 0.1),
  energy: f(0x0034, "s32sw", 100),
  maxRegisters: 60,
};

/** The models, by the name a device description uses. */
export const METER_MAPS = {
  sdm630,
  "sdm72d-m": sdm72dm,
  "abb-b23": abbB23,
  "abb-b24": { ...abbB23, model: "B24" },
  em340,
} as const satisfies Record<string, MeterMap>;

/** A model name of {@linkcode METER_MAPS}. */
export type MeterModel = keyof typeof METER_MAPS;

/** Every field of a map. */
export function fieldsOf(map: MeterMap): Field[] {
  return [...map.voltage, ...map.current, ...map.power, map.totalPower, map.energy];
}

/** Requests covering every field: adjacent ones merged while they fit `maxRegisters`. */
export function blocksOf(map: MeterMap): { start: number; count: number }[] {
  const spans = fieldsOf(map).map((x) => [x.address, x.address + registersOf(x.type)] as const)
    .sort((a, b) => a[0] - b[0]);
  const blocks: { start: number; count: number }[] = [];
  for (const [start, end] of spans) {
    const last = blocks.at(-1);
    // Only neighbours without a gap: a meter may answer exception 2 for an undocumented one.
    if (last && end - last.start <= map.maxRegisters && start <= last.start + last.count) {
      last.count = Math.max(last.count, end - last.start);
    } else blocks.push({ start, count: end - start });
  }
  return blocks;
}

/** Reads a field's raw value from registers (`words[i]` holds register `base + i`). */
export function decode(field: Field, words: number[], base: number): number {
  const i = field.address - base;
  const w = (k: number) => {
    const v = words[i + k];
    if (v === undefined) throw new RangeError(`Register ${field.address + k} not read`);
    return v;
  };
  const view = new DataView(new ArrayBuffer(8));
  switch (field.type) {
    case "f32":
      view.setUint16(0, w(0));
      view.setUint16(2, w(1));
      return view.getFloat32(0) * field.scale;
    case "u32":
      return (w(0) * 65536 + w(1)) * field.scale;
    case "s32":
      return ((w(0) << 16) | w(1)) * field.scale;
    case "s32sw":
      return ((w(1) << 16) | w(0)) * field.scale;
    case "u64":
      view.setUint16(0, w(0));
      view.setUint16(2, w(1));
      view.setUint16(4, w(2));
      view.setUint16(6, w(3));
      return Number(view.getBigUint64(0)) * field.scale;
  }
}

/** The registers that encode `value` (in the field's unit) — the emulator's side. */
export function encode(field: Field, value: number): number[] {
  const raw = value / field.scale;
  const view = new DataView(new ArrayBuffer(8));
  switch (field.type) {
    case "f32":
      view.setFloat32(0, raw);
      return [view.getUint16(0), view.getUint16(2)];
    case "u32":
    case "s32": {
      view.setInt32(0, Math.round(raw));
      return [view.getUint16(0), view.getUint16(2)];
    }
    case "s32sw": {
      view.setInt32(0, Math.round(raw));
      return [view.getUint16(2), view.getUint16(0)];
    }
    case "u64":
      view.setBigUint64(0, BigInt(Math.max(0, Math.round(raw))));
      return [0, 2, 4, 6].map((o) => view.getUint16(o));
  }
}
