/**
 * The register map of the Modbus TCP server ("load management level 3", layout 1.2) as data:
 * one row per register with address, size, type, unit and scale, access, and how it reads
 * from (and writes to) the station. `docs/modbus-registers.md` is generated from these rows.
 * @module
 */
import type { MeterReading } from "../../drivers/ports.ts";
import { MIN_CURRENT_MA } from "../core/mod.ts";
import { VENDOR } from "../version.ts";
import {
  CONNECTOR_TYPE_2,
  DEVICE_TYPE,
  LAYOUT_VERSION,
  numericSerial,
  type PointContext,
  type RegisterDef,
  settingKeyOf,
  type StationContext,
  STATUS_CODES,
} from "./register_def.ts";

const phases = (ctx: PointContext, pick: (p: MeterReading["phases"][number]) => number) =>
  ctx.reading ? ctx.reading.phases.map(pick) : [0, 0, 0];

const fallback = (ctx: PointContext, setting: "fallbackCurrentMa" | "fallbackTimeoutS") =>
  ctx.station.settings.get(settingKeyOf({ setting }, ctx.connector.id)) as number;

/** The station block, at absolute addresses. */
export const STATION_BLOCK: readonly RegisterDef<StationContext>[] = [
  {
    offset: 0,
    words: 5,
    type: "string",
    unit: "",
    access: "R",
    content: "vendor name",
    read: () => VENDOR,
  },
  {
    offset: 5,
    words: 1,
    type: "u16",
    unit: "enum",
    access: "R",
    content: "device type: 0 = this AC station family",
    read: () => DEVICE_TYPE,
  },
  {
    offset: 6,
    words: 1,
    type: "u16",
    unit: "",
    access: "R",
    content: "register layout major version = 1",
    read: () => LAYOUT_VERSION.major,
  },
  {
    offset: 7,
    words: 1,
    type: "u16",
    unit: "",
    access: "R",
    content: "register layout minor version = 2",
    read: () => LAYOUT_VERSION.minor,
  },
  {
    offset: 8,
    words: 2,
    type: "u32",
    unit: "",
    access: "R",
    content: "station serial number",
    read: (ctx) => numericSerial(ctx.station.settings.factory.serial),
  },
  {
    offset: 10,
    words: 1,
    type: "u16",
    unit: "",
    access: "R",
    content: "reserved, reads 0",
    read: () => 0,
  },
  {
    offset: 11,
    words: 1,
    type: "u16",
    unit: "mA",
    access: "R",
    content: "station maximum (connection) current (level 1 limit)",
    read: (ctx) => ctx.station.settings.get("power.stationMaxCurrentMa"),
  },
  {
    offset: 12,
    words: 1,
    type: "u16",
    unit: "count",
    access: "R",
    content: "number of charge points (1 or 2)",
    read: (ctx) => ctx.station.state.connectors.length,
  },
];

/** The charge point block, at offsets from its base (4096 for point 1, 8192 for point 2). */
export const CHARGE_POINT_BLOCK: readonly RegisterDef<PointContext>[] = [
  {
    offset: 0,
    words: 2,
    type: "u32",
    unit: "",
    access: "R",
    content: "charge point (EVSE) serial number",
    read: (ctx) => {
      const controller = ctx.station.hardware.controllers[ctx.connector.id - 1];
      return controller ? numericSerial(controller.info().serial) : 0;
    },
  },
  {
    offset: 2,
    words: 1,
    type: "u16",
    unit: "enum",
    access: "R",
    content: "active connector: 0 Type 2, 1 Type F (Schuko), 2 CCS",
    read: () => CONNECTOR_TYPE_2,
  },
  {
    offset: 3,
    words: 1,
    type: "u16",
    unit: "enum",
    access: "R",
    content: "status: 0 Unavailable, 1 Available, 2 Preparing, 3 Charging, 4 SuspendedEVSE, " +
      "5 SuspendedEV, 6 Finishing, 10 Reserved, 99 Faulted (the OCPP status)",
    read: (ctx) => STATUS_CODES[ctx.connector.status],
  },
  {
    offset: 4,
    words: 4,
    type: "u64",
    unit: "s",
    access: "R",
    content: "Unix time of the last status change",
    read: (ctx) => Math.floor(ctx.connector.statusSinceMs / 1000),
  },
  {
    offset: 8,
    words: 1,
    type: "u16",
    unit: "mA",
    access: "R",
    content: "minimum charging current (6000)",
    read: () => MIN_CURRENT_MA,
  },
  {
    offset: 9,
    words: 1,
    type: "u16",
    unit: "mA",
    access: "R",
    content: "maximum charging current of this point (hardware/level-1 cap)",
    read: (ctx) => ctx.maxMa,
  },
  {
    offset: 10,
    words: 1,
    type: "u16",
    unit: "mA",
    access: "R",
    content: "current offered to the vehicle now (after every limit)",
    read: (ctx) => ctx.connector.offeredMa,
  },
  {
    offset: 11,
    words: 3,
    type: "u16",
    unit: "0.1 V",
    scale: 10,
    access: "R",
    content: "voltage L1, L2, L3",
    read: (ctx) => phases(ctx, (p) => p.voltageV),
  },
  {
    offset: 14,
    words: 3,
    type: "u16",
    unit: "0.001",
    scale: 1000,
    access: "R",
    content: "power factor L1, L2, L3 (1000 = 1.0)",
    read: (ctx) => phases(ctx, (p) => p.powerFactor),
  },
  {
    offset: 17,
    words: 3,
    type: "u16",
    unit: "mA",
    scale: 1000,
    access: "R",
    content: "current L1, L2, L3",
    read: (ctx) => phases(ctx, (p) => p.currentA),
  },
  {
    offset: 20,
    words: 3,
    type: "u16",
    unit: "W",
    access: "R",
    content: "active power L1, L2, L3",
    read: (ctx) => phases(ctx, (p) => p.powerW),
  },
  {
    offset: 23,
    words: 1,
    type: "u16",
    unit: "W",
    access: "R",
    content: "total active power",
    read: (ctx) => ctx.connector.powerW,
  },
  {
    offset: 24,
    words: 4,
    type: "u64",
    unit: "Wh",
    access: "R",
    content: "energy meter reading (cumulative, Energy.Active.Import.Register)",
    // Whole watt-hours delivered: never ahead of the meter.
    read: (ctx) => Math.floor(ctx.connector.energyWh),
  },
  {
    offset: 256,
    words: 1,
    type: "u16",
    unit: "0.01 %",
    access: "R/W",
    content: "set-point as share of the maximum current (10000 = 100 %)",
    read: (ctx) => ctx.setpoint.shareBp,
    write: {
      setpoint: "shareBp",
      check: (v) => v > 10_000 ? "At most 10000 (100 %)" : undefined,
    },
  },
  {
    offset: 257,
    words: 1,
    type: "u16",
    unit: "mA",
    access: "R/W",
    content: "set-point current; 0 = pause charging; values 1..5999 are refused (exception 3)",
    read: (ctx) => ctx.setpoint.currentMa,
    write: {
      setpoint: "currentMa",
      check: (v) =>
        v > 0 && v < MIN_CURRENT_MA ? "Must be 0 (pause) or at least 6000 mA" : undefined,
    },
  },
  {
    offset: 258,
    words: 1,
    type: "u16",
    unit: "mA",
    access: "R/W",
    content: "fallback current, applied when no set-point write arrived within the timeout",
    read: (ctx) => fallback(ctx, "fallbackCurrentMa"),
    write: { setting: "fallbackCurrentMa" },
  },
  {
    offset: 259,
    words: 1,
    type: "u16",
    unit: "s",
    access: "R/W",
    content: "fallback timeout; 0 = fallback disabled",
    read: (ctx) => fallback(ctx, "fallbackTimeoutS"),
    write: { setting: "fallbackTimeoutS" },
  },
];
