/**
 * System test of Modbus set-points against a real station: the offered current follows the
 * writes, the fallback takes over when they stop, read-only access changes nothing, and the
 * fallback settings survive a restart.
 */
import assert from "node:assert/strict";
import { type Json, modbusError, modbusStation } from "./helpers/modbus_station.ts";

const B1 = 0x1000;

Deno.test("a set-point of 10000 mA offers 10 A: status, B+10 and the vehicle at once", async () => {
  await using t = await modbusStation();
  await t.charge(1);
  const client = await t.client();
  const writtenAt = performance.now();
  await client.writeRegister(B1 + 257, 10_000);
  assert.equal(t.hardware.controllers[0]!.offeredCurrentMa, 10_000, "the pilot offers 10 A");
  const s = await t.status();
  assert.equal(s.connectors[0].offeredMa, 10_000);
  assert.equal(s.connectors[0].offeredA, 10);
  assert.deepEqual(s.connectors[0].limitsMa, { modbus: 10_000 });
  assert.deepEqual((await client.readHoldingRegisters(B1 + 10, 1)).data, [10_000]);
  // The meter is read at least once a second: the vehicle's draw shows within that.
  const drawn = await t.waitFor((st) => st.connectors[0].currentsA[0] === 10, 1_500);
  assert.equal(drawn.connectors[0].status, "Charging");
  assert.ok(performance.now() - writtenAt < 1_500);
  assert.deepEqual((await client.readHoldingRegisters(B1 + 17, 3)).data, [10_000, 10_000, 10_000]);
});

Deno.test("set-point 0 pauses the point (SuspendedEVSE); the next set-point resumes it", async () => {
  await using t = await modbusStation();
  await t.charge(1);
  const client = await t.client();
  await client.writeRegister(B1 + 257, 0);
  let s = await t.status();
  assert.equal(s.connectors[0].status, "SuspendedEVSE");
  assert.equal(s.connectors[0].offeredMa, 0);
  assert.deepEqual((await client.readHoldingRegisters(B1 + 3, 1)).data, [4]);
  await client.writeRegister(B1 + 257, 6_000);
  s = await t.status();
  assert.equal(s.connectors[0].status, "Charging");
  assert.equal(s.connectors[0].offeredMa, 6_000);
});

Deno.test("the set-point is the smaller of 256 (share of B+9) and 257, written with FC16", async () => {
  await using t = await modbusStation({ seed: { "power.stationMaxCurrentMa": 20_000 } });
  await t.charge(1);
  const client = await t.client();
  await client.writeRegisters(B1 + 256, [5_000]);
  assert.equal((await t.status()).connectors[0].offeredMa, 10_000, "50 % of 20 A");
  await client.writeRegisters(B1 + 256, [7_500, 12_000]);
  assert.equal((await t.status()).connectors[0].offeredMa, 12_000);
  await client.writeRegisters(B1 + 256, [5_000, 12_000]);
  assert.equal((await t.status()).connectors[0].offeredMa, 10_000);
  assert.deepEqual((await client.readHoldingRegisters(B1 + 256, 2)).data, [5_000, 12_000]);
});

Deno.test("when writes stop, the fallback current applies after the timeout until the next write", async () => {
  await using t = await modbusStation();
  await t.charge(1);
  const client = await t.client();
  const writtenAt = performance.now();
  await client.writeRegisters(B1 + 256, [10_000, 16_000, 8_000, 1]);
  assert.equal((await t.status()).connectors[0].offeredMa, 16_000);
  const fallen = await t.waitFor((s) => s.connectors[0].offeredMa === 8_000, 3_000);
  const afterMs = performance.now() - writtenAt;
  assert.ok(afterMs >= 950, `not before the timeout: ${afterMs} ms`);
  assert.equal(fallen.connectors[0].status, "Charging");
  assert.equal(fallen.modbus.setpoints[0].mode, "fallback");
  assert.deepEqual((await client.readHoldingRegisters(B1 + 256, 4)).data, [
    10_000,
    8_000,
    8_000,
    1,
  ]);
  await client.writeRegister(B1 + 257, 20_000);
  assert.equal((await t.status()).connectors[0].offeredMa, 20_000, "a write ends the fallback");
});

Deno.test("a fallback current of 0 pauses the point when writes stop", async () => {
  await using t = await modbusStation();
  await t.charge(1);
  const client = await t.client();
  await client.writeRegisters(B1 + 256, [10_000, 16_000, 0, 1]);
  const paused = await t.waitFor((s) => s.connectors[0].status === "SuspendedEVSE", 3_000);
  assert.equal(paused.connectors[0].offeredMa, 0);
});

Deno.test("a client that only reads never changes charging, even with a fallback configured", async () => {
  await using t = await modbusStation({
    seed: { "modbus.cp1.fallbackCurrentMa": 0, "modbus.cp1.fallbackTimeoutS": 1 },
  });
  await t.charge(1);
  const client = await t.client();
  const until = performance.now() + 1_600;
  while (performance.now() < until) {
    await client.readHoldingRegisters(B1 + 8, 16);
    await new Promise((r) => setTimeout(r, 100));
  }
  const s = await t.status();
  assert.equal(s.connectors[0].status, "Charging");
  assert.equal(s.connectors[0].offeredMa, 32_000);
  assert.deepEqual(s.connectors[0].limitsMa, {});
});

Deno.test("read-only access refuses every write with exception 2 and changes nothing", async () => {
  await using t = await modbusStation({ seed: { "modbus.access": "read" } });
  await t.charge(1);
  const client = await t.client();
  const before = await t.status();
  for (const [address, value] of [[256, 5_000], [257, 0], [258, 6_000], [259, 5]]) {
    await assert.rejects(client.writeRegister(B1 + address!, value!), modbusError(2));
    await assert.rejects(client.writeRegisters(B1 + address!, [value!]), modbusError(2));
  }
  await assert.rejects(client.writeRegisters(B1 + 256, [0, 0, 0, 0]), modbusError(2));
  const after = await t.status();
  assert.equal(after.connectors[0].offeredMa, 32_000);
  assert.deepEqual(after.connectors[0].limitsMa, {});
  assert.equal(t.station.settings.get("modbus.cp1.fallbackTimeoutS"), 0);
  assert.deepEqual(after.connectors[0].status, before.connectors[0].status);
  assert.deepEqual((await client.readHoldingRegisters(B1 + 256, 4)).data, [10_000, 32_000, 0, 0]);
});

Deno.test("switching to read-only access drops the set-points at once", async () => {
  await using t = await modbusStation();
  await t.charge(1);
  const client = await t.client();
  await client.writeRegister(B1 + 257, 10_000);
  await t.station.settings.set({ "modbus.access": "read" });
  const s = await t.waitFor((st) => st.connectors[0].offeredMa === 32_000, 1_000);
  assert.deepEqual(s.connectors[0].limitsMa, {});
  await assert.rejects(client.writeRegister(B1 + 257, 10_000), modbusError(2));
  await t.station.settings.set({ "modbus.access": "readWrite" });
  await client.writeRegister(B1 + 257, 10_000);
  assert.equal((await t.status()).connectors[0].offeredMa, 10_000);
});

Deno.test("fallback settings written over Modbus survive a restart; set-points do not", async () => {
  await using t = await modbusStation();
  const client = await t.client();
  await client.writeRegisters(B1 + 256, [5_000, 16_000, 8_000, 60]);
  await client.writeRegisters(0x2000 + 258, [0, 5]);
  assert.equal((await t.status()).connectors[0].limitsMa.modbus, 16_000);
  await t.restart();
  const again = await t.client();
  assert.deepEqual((await again.readHoldingRegisters(B1 + 256, 4)).data, [
    10_000,
    32_000,
    8_000,
    60,
  ]);
  assert.deepEqual((await again.readHoldingRegisters(0x2000 + 258, 2)).data, [0, 5]);
  const s: Json = await t.status();
  assert.deepEqual(s.connectors.map((c: Json) => c.limitsMa), [{}, {}]);
});
