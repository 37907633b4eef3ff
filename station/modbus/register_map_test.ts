import assert from "node:assert/strict";
import type { MeterReading } from "../../drivers/ports.ts";
import { initialState, type StationState } from "../core/mod.ts";
import type { SettingKey, SettingValues } from "../settings/mod.ts";
import type { ConnectorStatus } from "../types.ts";
import { wordsToString, wordsToU32, wordsToU64 } from "./encoding.ts";
import { ModbusException } from "./errors.ts";
import { RegisterMap } from "./register_map.ts";
import {
  numericSerial,
  type SetpointReading,
  type StationSource,
  STATUS_CODES,
} from "./register_def.ts";
import { CHARGE_POINT_BLOCK, STATION_BLOCK } from "./registers.ts";

const B1 = 0x1000;
const B2 = 0x2000;

function reading(currentsA: [number, number, number], energyWh: number): MeterReading {
  const phase = (currentA: number) => ({
    voltageV: 229.96,
    currentA,
    powerW: 229.96 * currentA * 0.98,
    powerFactor: 0.98,
  });
  const phases = currentsA.map(phase) as MeterReading["phases"];
  return { energyWh, powerW: phases.reduce((s, p) => s + p.powerW, 0), phases, atMs: 0 };
}

/** A station as the map sees it: a core state, readings, settings and controllers. */
function fakeStation(connectors = 2, values: Partial<SettingValues> = {}) {
  const settings: Partial<SettingValues> = {
    "power.stationMaxCurrentMa": 20_000,
    "modbus.cp1.fallbackCurrentMa": 8_000,
    "modbus.cp1.fallbackTimeoutS": 60,
    "modbus.cp2.fallbackCurrentMa": 0,
    "modbus.cp2.fallbackTimeoutS": 0,
    ...values,
  };
  const state: StationState = initialState({
    stationMaxCurrentMa: 20_000,
    hardwareMaxCurrentMa: Array(connectors).fill(32_000),
    connectionTimeoutS: 60,
    identification: "validCard",
    dummyIdTag: "FREE",
    dummyAllowStop: false,
  }, { nowMs: 1_764_000_000_123 });
  const readings = new Map<number, MeterReading>([[
    1,
    reading([16, 16, 15.9996], 5_000_000_123.9),
  ]]);
  Object.assign(state.connectors[0]!, {
    status: "Charging",
    offeredMa: 16_000,
    energyWh: 5_000_000_123.9,
    powerW: readings.get(1)!.powerW,
  });
  const station: StationSource = {
    state,
    reading: (id) => readings.get(id),
    settings: {
      get: <K extends SettingKey>(key: K) => settings[key] as SettingValues[K],
      factory: { serial: "24110001" },
    },
    hardware: {
      controllers: state.connectors.map((c) => ({
        connectorId: c.id,
        info: () => ({
          model: "X",
          firmwareVersion: "1",
          serial: `10${c.id}`,
          maxCurrentMa: 32_000,
        }),
      })),
    },
  };
  return { station, state, settings };
}

const setpoint = (): SetpointReading => ({ shareBp: 10_000, currentMa: 20_000 });

function exception(code: number) {
  return (e: unknown) => e instanceof ModbusException && e.modbusErrorCode === code;
}

Deno.test("the station block reads vendor, device type, layout 1.2, serial, reserved, limit, count", () => {
  const map = new RegisterMap(fakeStation().station, setpoint);
  const words = map.read(0, 13);
  assert.equal(wordsToString(words.slice(0, 5)), "ladewerk");
  assert.deepEqual(words.slice(5, 8), [0, 1, 2]);
  assert.equal(wordsToU32(words.slice(8, 10)), 24110001);
  assert.deepEqual(words.slice(10), [0, 20_000, 2]);
});

Deno.test("a charge point block reads status, time, currents, voltages, factors, power, energy scaled", () => {
  const map = new RegisterMap(fakeStation().station, setpoint);
  const w = map.read(B1, 28);
  assert.equal(wordsToU32(w.slice(0, 2)), 101, "numeric controller serial");
  assert.equal(w[2], 0, "Type 2");
  assert.equal(w[3], 3, "Charging");
  assert.equal(wordsToU64(w.slice(4, 8)), 1_764_000_000n, "seconds, not ms");
  assert.deepEqual(
    w.slice(8, 11),
    [6_000, 20_000, 16_000],
    "min, max capped by the station, offered",
  );
  assert.deepEqual(w.slice(11, 14), [2300, 2300, 2300], "0.1 V, rounded");
  assert.deepEqual(w.slice(14, 17), [980, 980, 980], "power factor in 0.001");
  assert.deepEqual(w.slice(17, 20), [16_000, 16_000, 16_000], "mA, rounded");
  assert.deepEqual(w.slice(20, 23), [3606, 3606, 3606], "W per phase");
  assert.equal(w[23], 10_817, "total W");
  assert.equal(wordsToU64(w.slice(24, 28)), 5_000_000_123n, "whole Wh, beyond 32 bits");
  const idle = map.read(B2, 28);
  assert.equal(idle[3], 0, "Unavailable until the first settle");
  assert.deepEqual(idle.slice(11, 24), Array(13).fill(0), "no reading: zeros");
});

Deno.test("set-point registers read the set-point in force, fallback registers the settings", () => {
  const map = new RegisterMap(
    fakeStation().station,
    (id) => ({ shareBp: 5000 + id, currentMa: 7000 }),
  );
  assert.deepEqual(map.read(B1 + 256, 4), [5001, 7000, 8000, 60]);
  assert.deepEqual(map.read(B2 + 256, 4), [5002, 7000, 0, 0]);
});

Deno.test("register B+3 follows the OCPP status with the published numbers", () => {
  const { station, state } = fakeStation();
  const map = new RegisterMap(station, setpoint);
  const expected: [ConnectorStatus, number][] = [
    ["Unavailable", 0],
    ["Available", 1],
    ["Preparing", 2],
    ["Charging", 3],
    ["SuspendedEVSE", 4],
    ["SuspendedEV", 5],
    ["Finishing", 6],
    ["Reserved", 10],
    ["Faulted", 99],
  ];
  for (const [status, code] of expected) {
    state.connectors[0]!.status = status;
    assert.deepEqual(map.read(B1 + 3, 1), [code], status);
  }
  assert.equal(Object.keys(STATUS_CODES).length, expected.length);
});

Deno.test("single-register reads of multi-word values return that word; gaps inside blocks read 0", () => {
  const map = new RegisterMap(fakeStation().station, setpoint);
  assert.deepEqual(map.read(9, 1), [58289], "low word of the serial");
  assert.deepEqual(map.read(8, 5), [367, 58289, 0, 20_000, 2]);
  assert.deepEqual(map.read(B1 + 27, 1), map.read(B1 + 24, 4).slice(3));
  assert.deepEqual(map.read(10, 1), [0], "the reserved register");
});

Deno.test("reads outside the map or leaving a block are refused with exception 2", () => {
  const map = new RegisterMap(fakeStation(1).station, setpoint);
  const refused: [number, number][] = [
    [13, 1],
    [12, 2],
    [100, 1],
    [B1 - 1, 1],
    [B1 - 1, 2],
    [B1 + 28, 1],
    [B1 + 20, 10],
    [B1 + 255, 1],
    [B1 + 255, 2],
    [B1 + 259, 2],
    [B1 + 260, 1],
    [B2, 1],
    [0xffff, 1],
  ];
  for (const [address, count] of refused) {
    assert.throws(() => map.read(address, count), exception(2), `${address}+${count}`);
  }
});

Deno.test("read counts outside 1..125 are refused with exception 3", () => {
  const map = new RegisterMap(fakeStation().station, setpoint);
  for (const count of [0, 126, 2000]) assert.throws(() => map.read(0, count), exception(3));
});

Deno.test("planWrite() collects set-point and setting changes of 256..259 per charge point", () => {
  const map = new RegisterMap(fakeStation().station, setpoint);
  const plan = map.planWrite(B1 + 256, [5000, 16_000, 8_000, 60]);
  assert.deepEqual([...plan.setpoints], [[1, { shareBp: 5000, currentMa: 16_000 }]]);
  assert.deepEqual(plan.settings, {
    "modbus.cp1.fallbackCurrentMa": 8_000,
    "modbus.cp1.fallbackTimeoutS": 60,
  });
  const second = map.planWrite(B2 + 257, [0]);
  assert.deepEqual([...second.setpoints], [[2, { currentMa: 0 }]]);
  assert.deepEqual(second.settings, {});
});

Deno.test("planWrite() refuses read-only and unmapped registers with 2, bad values and counts with 3", () => {
  const map = new RegisterMap(fakeStation().station, setpoint);
  const cases: [number, number[], number][] = [
    [0, [1], 2],
    [B1 + 10, [10_000], 2],
    [B1 + 255, [0, 10_000], 2],
    [B1 + 259, [10, 0], 2],
    [B1 + 300, [0], 2],
    [B1 + 256, [10_001], 3],
    [B1 + 257, [1], 3],
    [B1 + 257, [5999], 3],
    [B1 + 258, [5000], 3],
    [B1 + 258, [64_000], 3],
    [B1 + 256, [10_000, 16_000, 1], 3],
    [B1 + 256, [], 3],
    [B1 + 256, Array(124).fill(0), 3],
  ];
  for (const [address, values, code] of cases) {
    assert.throws(() => map.planWrite(address, values), exception(code), `${address} ${values}`);
  }
  for (const ok of [0, 6000, 65_535]) map.planWrite(B1 + 257, [ok]);
  for (const ok of [0, 1, 65_535]) map.planWrite(B1 + 259, [ok]);
});

Deno.test("every table row: words fit the type, rows do not overlap, getters encode to their words", () => {
  const { station } = fakeStation();
  const map = new RegisterMap(station, setpoint);
  for (const block of map.blocks) {
    const taken = new Set<number>();
    for (const def of block.defs) {
      const expected = { u32: 2, u64: 4 }[def.type as string];
      if (expected) assert.equal(def.words, expected, def.content);
      for (let w = 0; w < def.words; w++) {
        assert.ok(!taken.has(def.offset + w), `${def.content} overlaps`);
        taken.add(def.offset + w);
      }
      assert.equal(map.read(block.base + def.offset, def.words).length, def.words);
    }
  }
  assert.equal(STATION_BLOCK.length, 8);
  assert.equal(CHARGE_POINT_BLOCK.length, 17);
});

Deno.test("numericSerial() keeps numeric serials and hashes others stably into 32 bits", () => {
  assert.equal(numericSerial("24110001"), 24110001);
  assert.equal(numericSerial("4294967295"), 0xffff_ffff);
  const hashed = numericSerial("SIM-CC-0001");
  assert.equal(hashed, numericSerial("SIM-CC-0001"));
  assert.notEqual(hashed, numericSerial("SIM-CC-0002"));
  assert.ok(hashed >= 0 && hashed <= 0xffff_ffff);
  assert.notEqual(numericSerial("4294967296"), 4294967296, "too big: hashed");
});
