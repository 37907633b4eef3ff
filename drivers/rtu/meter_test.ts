import assert from "node:assert/strict";
import { PtyPair } from "../../tests/helpers/pty.ts";
import { RtuBus } from "./bus.ts";
import { blocksOf, decode, encode, METER_MAPS } from "./meter_maps.ts";
import { type EmulatedMeter, RtuEmulator } from "./emulator.ts";
import { crc16 } from "./frame.ts";
import { RtuMeter } from "./meter.ts";

const values = (energyWh: number): EmulatedMeter["values"] => ({
  voltageV: [230.1, 229.5, 231.2],
  currentA: [15.91, 16.02, 15.87],
  powerW: [3660, 3676, 3670],
  energyWh,
});

const near = (a: number, b: number, eps: number, what: string) =>
  assert.ok(Math.abs(a - b) <= eps, `${what}: ${a} is not ${b}`);

Deno.test("rtu frames: CRC-16/MODBUS of the specification's example; every map encodes and decodes", () => {
  // "01 03 00 00 00 0A" → CRC C5CD (sent CD C5), the classic example frame.
  assert.equal(crc16(new Uint8Array([1, 3, 0, 0, 0, 10])), 0xcdc5);
  for (const [name, map] of Object.entries(METER_MAPS)) {
    for (const value of [0, 230.4, 123456.7]) {
      const words = encode(map.energy, value);
      near(decode(map.energy, words, map.energy.address), value, map.energy.scale, name);
    }
    for (const b of blocksOf(map)) assert.ok(b.count <= map.maxRegisters, name);
  }
});

Deno.test("rtu meters: an SDM630 and an ABB B23 share one bus; noise, CRC damage, silence, unplugging and a register going back", async () => {
  await using pty = await PtyPair.open();
  const sdm: EmulatedMeter = {
    unit: 1,
    map: METER_MAPS.sdm630,
    values: values(1_234_567),
    mode: "none",
  };
  const abb: EmulatedMeter = {
    unit: 2,
    map: METER_MAPS["abb-b23"],
    values: values(98_760),
    mode: "none",
  };
  let emulator = await RtuEmulator.open(pty.b, [sdm, abb], 115200);
  await using bus = new RtuBus({
    path: pty.a,
    baudRate: 115200,
    parity: "none",
    stopBits: 1,
    timeoutMs: 150,
  });
  const faults: string[] = [];
  const meter = (unit: number, map: EmulatedMeter["map"], connectorId: number) => {
    const m = new RtuMeter({ bus, unit, map, connectorId, nowMs: Date.now, pollMs: 50 });
    m.onFault((code, active) => faults.push(`${connectorId}:${code}:${active}`));
    return m;
  };
  await using m1 = meter(1, METER_MAPS.sdm630, 1);
  await using m2 = meter(2, METER_MAPS["abb-b23"], 2);
  await Promise.all([m1.poll(), m2.poll()]);
  const r1 = await m1.read();
  near(r1.energyWh, 1_234_567, 0.2, "SDM630 energy (float kWh)");
  near(r1.phases[1].voltageV, 229.5, 0.01, "SDM630 voltage L2");
  near(r1.phases[0].currentA, 15.91, 0.001, "SDM630 current L1");
  near(r1.powerW, 11006, 0.5, "SDM630 total power");
  const r2 = await m2.read();
  assert.equal(r2.energyWh, 98_760, `ABB energy in 0.01 kWh steps: ${r2.energyWh}`);
  near(r2.phases[2].voltageV, 231.2, 0.05, "ABB voltage L3");
  near(r2.phases[1].currentA, 16.02, 0.005, "ABB current L2");
  assert.equal(r2.powerW, 11006);

  // Noise before the answer is skipped; a damaged CRC is counted and asked again.
  sdm.mode = "noise";
  await m1.poll();
  assert.equal(m1.problem, undefined);
  assert.ok(bus.line.skipped >= 3);
  sdm.mode = "crc";
  await m1.poll();
  assert.ok(bus.stats.crcErrors >= 2, `crc errors ${bus.stats.crcErrors}`);
  assert.ok(bus.stats.retries >= 1);
  assert.equal(m1.problem, undefined, "one failed poll is not a fault yet");
  sdm.mode = "none";

  // Silent three polls in a row: PowerMeterFailure on point 1 only, cleared by the next answer.
  sdm.mode = "silent";
  for (let i = 0; i < 3; i++) await m1.poll();
  assert.equal(m1.problem, "silent");
  assert.ok(bus.stats.timeouts >= 6);
  await m2.poll();
  assert.equal(m2.problem, undefined, "the other meter on the bus still answers");
  sdm.mode = "none";
  await m1.poll();
  assert.equal(m1.problem, undefined);
  assert.deepEqual(faults, ["1:PowerMeterFailure:true", "1:PowerMeterFailure:false"]);

  // The adapter pulled out and put back: fault, then clear, on the same path.
  await emulator[Symbol.asyncDispose]();
  await pty.unplug();
  for (let i = 0; i < 3; i++) await m2.poll();
  assert.equal(m2.problem, "silent");
  await pty.plug();
  emulator = await RtuEmulator.open(pty.b, [sdm, abb], 115200);
  await m2.poll();
  assert.equal(m2.problem, undefined, "answers again after the replug");

  // A register that goes back (meter swapped, reset): refused, faulted, energy kept.
  abb.values = values(50_000);
  await m2.poll();
  assert.equal(m2.problem, "backwards");
  assert.equal((await m2.read()).energyWh, 98_760, "the last good energy stays");
  abb.values = values(98_800);
  await m2.poll();
  assert.equal(m2.problem, undefined);
  await emulator[Symbol.asyncDispose]();
});
