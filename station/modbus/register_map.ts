/**
 * The address space of one station: the blocks of the register table placed at their
 * addresses, read as 16-bit words and checked for writes. Pure: reads the station's current
 * state, never awaits, performs no write itself.
 * @module
 */
import { ILLEGAL_DATA_ADDRESS, ILLEGAL_DATA_VALUE, ModbusException } from "./errors.ts";
import { stringWords, u16Word, u32Words, u64Words } from "./encoding.ts";
import {
  CHARGE_POINT_BASES,
  MAX_READ_WORDS,
  MAX_WRITE_WORDS,
  type PointContext,
  pointMaxMa,
  type RegisterDef,
  type SetpointReading,
  settingKeyOf,
  type StationContext,
  type StationSource,
} from "./register_def.ts";
import { CHARGE_POINT_BLOCK, STATION_BLOCK } from "./registers.ts";
import { settingDef } from "../settings/mod.ts";

/** A block of the map placed at its base address. */
export interface PlacedBlock {
  /** 0 for the station block, else the charge point. */
  connectorId: number;
  base: number;
  /** First and last address the block spans (gaps inside read 0). */
  first: number;
  last: number;
  defs: readonly RegisterDef<StationContext>[] | readonly RegisterDef<PointContext>[];
}

/** What a valid write asks for: set-point changes by charge point, and setting changes. */
export interface WritePlan {
  setpoints: Map<number, { shareBp?: number; currentMa?: number }>;
  settings: Record<string, number>;
}

// deno-lint-ignore no-explicit-any
type AnyDef = RegisterDef<any>;

interface Cell {
  block: PlacedBlock;
  def: AnyDef;
  word: number;
}

/** The blocks of a station with `connectors` charge points, in address order. */
export function placeBlocks(connectors: number): PlacedBlock[] {
  const place = (
    connectorId: number,
    base: number,
    defs: PlacedBlock["defs"],
  ): PlacedBlock => ({
    connectorId,
    base,
    first: base + Math.min(...defs.map((d) => d.offset)),
    last: base + Math.max(...defs.map((d) => d.offset + d.words - 1)),
    defs,
  });
  const points = CHARGE_POINT_BASES.slice(0, connectors).map((base, i) =>
    place(i + 1, base, CHARGE_POINT_BLOCK)
  );
  return [place(0, 0, STATION_BLOCK), ...points];
}

/** The registers of one definition for the value its getter returned. */
export function encodeRegister(def: AnyDef, value: unknown): number[] {
  const scale = def.scale ?? 1;
  const scaled = (v: unknown) => {
    if (typeof v !== "number") throw new TypeError(`Cannot encode ${def.content}: ${typeof v}`);
    return v * scale;
  };
  switch (def.type) {
    case "string":
      if (typeof value !== "string") throw new TypeError(`Cannot encode ${def.content}`);
      return stringWords(value, def.words);
    case "u16": {
      const list = Array.isArray(value) ? value : [value];
      if (list.length !== def.words) {
        throw new TypeError(`Cannot encode ${def.content}: ${list.length} values`);
      }
      return list.map((v) => u16Word(scaled(v)));
    }
    case "u32":
      return u32Words(scaled(value));
    case "u64":
      return u64Words(typeof value === "bigint" ? value * BigInt(scale) : scaled(value));
  }
}

/** The register map of one station: reads words, checks writes. */
export class RegisterMap {
  readonly blocks: readonly PlacedBlock[];
  #cells = new Map<number, Cell>();
  #station: StationSource;
  #setpoint: (connectorId: number) => SetpointReading;

  /** `setpoint` tells the set-point in force on a charge point (registers 256 and 257). */
  constructor(station: StationSource, setpoint: (connectorId: number) => SetpointReading) {
    this.#station = station;
    this.#setpoint = setpoint;
    this.blocks = placeBlocks(station.state.connectors.length);
    for (const block of this.blocks) {
      for (const def of block.defs) {
        for (let word = 0; word < def.words; word++) {
          this.#cells.set(block.base + def.offset + word, { block, def, word });
        }
      }
    }
  }

  /** Whether `address` holds a register (a word of one). */
  has(address: number): boolean {
    return this.#cells.has(address);
  }

  /**
   * The words at `address`..`address + count - 1`. Both ends must hold registers of the same
   * block; gaps between read 0. Multi-word values are read once per request, so their words
   * agree. Throws ModbusException 3 for a count outside 1..125, 2 for an address outside.
   */
  read(address: number, count: number): number[] {
    if (!Number.isInteger(count) || count < 1 || count > MAX_READ_WORDS) {
      throw new ModbusException(
        ILLEGAL_DATA_VALUE,
        `Cannot read ${count} registers: expected 1..${MAX_READ_WORDS}`,
      );
    }
    const first = this.#cells.get(address);
    const last = this.#cells.get(address + count - 1);
    if (!first || !last || first.block !== last.block) {
      throw new ModbusException(
        ILLEGAL_DATA_ADDRESS,
        `Cannot read registers ${address}..${address + count - 1}: not in the map`,
      );
    }
    const ctx = this.#context(first.block);
    const values = new Map<AnyDef, number[]>();
    const words: number[] = [];
    for (let a = address; a < address + count; a++) {
      const cell = this.#cells.get(a);
      if (!cell) {
        words.push(0);
        continue;
      }
      let encoded = values.get(cell.def);
      if (!encoded) {
        encoded = encodeRegister(cell.def, cell.def.read(ctx));
        values.set(cell.def, encoded);
      }
      words.push(encoded[cell.word]!);
    }
    return words;
  }

  /**
   * Checks a write of `values` from `address` on and says what it changes. Throws
   * ModbusException 3 for a count outside 1..123 or a refused value, 2 when an address is
   * not a writable register.
   */
  planWrite(address: number, values: readonly number[]): WritePlan {
    if (values.length < 1 || values.length > MAX_WRITE_WORDS) {
      throw new ModbusException(
        ILLEGAL_DATA_VALUE,
        `Cannot write ${values.length} registers: expected 1..${MAX_WRITE_WORDS}`,
      );
    }
    const plan: WritePlan = { setpoints: new Map(), settings: {} };
    const refuse = (a: number, reason: string) =>
      new ModbusException(ILLEGAL_DATA_VALUE, `Cannot write register ${a}: ${reason}`);
    values.forEach((value, i) => {
      const a = address + i;
      const cell = this.#cells.get(a);
      const target = cell?.def.write;
      if (!cell || !target) {
        throw new ModbusException(
          ILLEGAL_DATA_ADDRESS,
          `Cannot write register ${a}: ${cell ? "read-only" : "not in the map"}`,
        );
      }
      const connectorId = cell.block.connectorId;
      if ("setpoint" in target) {
        const reason = target.check(value);
        if (reason) throw refuse(a, reason);
        const change = plan.setpoints.get(connectorId) ?? {};
        change[target.setpoint] = value;
        plan.setpoints.set(connectorId, change);
      } else {
        const key = settingKeyOf(target, connectorId);
        const parsed = settingDef(key)?.schema.safeParse(value);
        if (!parsed?.success) throw refuse(a, parsed?.error.issues[0]?.message ?? "Invalid value");
        plan.settings[key] = value;
      }
    });
    return plan;
  }

  #context(block: PlacedBlock): StationContext | PointContext {
    const station = this.#station;
    const connector = station.state.connectors[block.connectorId - 1];
    if (block.connectorId === 0 || !connector) return { station };
    return {
      station,
      connector,
      reading: station.reading(connector.id),
      maxMa: pointMaxMa(station, connector.id),
      setpoint: this.#setpoint(connector.id),
    };
  }
}
