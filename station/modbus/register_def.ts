/**
 * What a row of the register table is made of: the row type, what its getters read, the
 * layout constants and the conversions the rows share.
 * @module
 */
import type { ControllerInfo, MeterReading } from "../../drivers/ports.ts";
import type { ConnectorState, StationState } from "../core/mod.ts";
import type { SettingKey, SettingValues } from "../settings/mod.ts";
import type { ConnectorStatus } from "../types.ts";

/** The parts of the settings the map reads (`Settings` has them). */
export interface SettingsSource {
  get<K extends SettingKey>(key: K): SettingValues[K];
  readonly factory: { readonly serial: string };
}

/** The parts of the station the map reads (`Station` has them). */
export interface StationSource {
  readonly state: StationState;
  reading(connectorId: number): MeterReading | undefined;
  readonly settings: SettingsSource;
  readonly hardware: {
    readonly controllers: readonly { readonly connectorId: number; info(): ControllerInfo }[];
  };
}

/** What a station block register reads from. */
export interface StationContext {
  station: StationSource;
}

/** The set-point in force on a charge point, as registers 256 and 257 read it. */
export interface SetpointReading {
  /** Share of the point's maximum current in 0.01 % (10000 = 100 %). */
  shareBp: number;
  /** Set-point current in mA. */
  currentMa: number;
}

/** What a charge point block register reads from. */
export interface PointContext {
  station: StationSource;
  connector: ConnectorState;
  reading: MeterReading | undefined;
  /** Hardware maximum of the point capped by the station limit (register B+9), in mA. */
  maxMa: number;
  setpoint: SetpointReading;
}

/** Where a writable register's value goes. */
export type WriteTarget =
  /** The in-memory set-point; `check` returns why a value is refused (exception 3). */
  | { setpoint: "shareBp" | "currentMa"; check(value: number): string | undefined }
  /** The setting `modbus.cpN.<setting>`: validated and stored by the settings registry. */
  | { setting: "fallbackCurrentMa" | "fallbackTimeoutS" };

interface Common {
  /** Address (station block) or offset from the block's base (charge point block). */
  offset: number;
  /** Registers it takes: u16 1 each, u32 2, u64 4, string one per two characters. */
  words: number;
  /** The register's unit (`mA`, `0.1 V`, `enum`); empty for none. */
  unit: string;
  /** Factor from the getter's value to the register's count (10 for a voltage in 0.1 V). */
  scale?: number;
  access: "R" | "R/W";
  /** What it holds, as the published map says. */
  content: string;
  write?: WriteTarget;
}

/** One register (or one list of u16 registers of the same meaning) of a block. */
export type RegisterDef<C> =
  & Common
  & (
    | { type: "string"; read(ctx: C): string }
    /** A list of `words` values when `words` > 1. */
    | { type: "u16"; read(ctx: C): number | readonly number[] }
    | { type: "u32"; read(ctx: C): number }
    | { type: "u64"; read(ctx: C): number | bigint }
  );

/** Register layout version of the published map. */
export const LAYOUT_VERSION = { major: 1, minor: 2 } as const;
/** Device type of this AC station family (register 5). */
export const DEVICE_TYPE = 0;
/** Active connector type of every charge point: 0 = Type 2 socket. */
export const CONNECTOR_TYPE_2 = 0;
/** Base address of the charge point block, by connector id - 1. */
export const CHARGE_POINT_BASES = [0x1000, 0x2000] as const;
/** Most registers one read may ask for (Modbus limit of FC3 and FC4). */
export const MAX_READ_WORDS = 125;
/** Most registers one FC16 write may carry. */
export const MAX_WRITE_WORDS = 123;

/** Register B+3: the OCPP status as a number. */
export const STATUS_CODES: Readonly<Record<ConnectorStatus, number>> = {
  Unavailable: 0,
  Available: 1,
  Preparing: 2,
  Charging: 3,
  SuspendedEVSE: 4,
  SuspendedEV: 5,
  Finishing: 6,
  Reserved: 10,
  Faulted: 99,
};

/**
 * A serial number as the u32 of registers 8-9 and B+0-1: the number itself when it is 1 to 10
 * digits below 2^32, otherwise a stable 32-bit FNV-1a hash of its text (the simulated
 * controllers' serials are `SIM-CC-0001` and so on).
 */
export function numericSerial(serial: string): number {
  if (/^\d{1,10}$/.test(serial) && Number(serial) <= 0xffff_ffff) return Number(serial);
  let hash = 0x811c_9dc5;
  for (const byte of new TextEncoder().encode(serial)) {
    hash = Math.imul(hash ^ byte, 0x0100_0193) >>> 0;
  }
  return hash;
}

/** Register B+9: the point's hardware maximum capped by the station (level 1) limit, in mA. */
export function pointMaxMa(station: StationSource, connectorId: number): number {
  const hardwareMa = station.state.config.hardwareMaxCurrentMa[connectorId - 1] ?? 0;
  return Math.min(hardwareMa, station.settings.get("power.stationMaxCurrentMa"));
}

/** The setting a `setting` write target of charge point `connectorId` goes to. */
export function settingKeyOf(
  target: { setting: "fallbackCurrentMa" | "fallbackTimeoutS" },
  connectorId: number,
): SettingKey {
  return `modbus.cp${connectorId}.${target.setting}` as SettingKey;
}
