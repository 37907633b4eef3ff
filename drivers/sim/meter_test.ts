import assert from "node:assert/strict";
import { ManualClock } from "../clock.ts";
import { SimChargeController } from "./charge_controller.ts";
import { SimMeter } from "./meter.ts";

const HOUR_MS = 3_600_000;

function setup(initialEnergyWh?: number) {
  const clock = new ManualClock(1_700_000_000_000);
  const controller = new SimChargeController({ connectorId: 2, clock });
  const meter = new SimMeter({ connectorId: 2, flow: controller, initialEnergyWh });
  return { clock, controller, meter };
}

Deno.test("meter integrates 11 kW (3 × 16 A) for one hour to 11.04 kWh", async () => {
  const { clock, controller, meter } = setup();
  controller.plug();
  controller.setOfferedCurrent(16000);
  controller.setContactor(true);
  clock.advance(HOUR_MS);
  const reading = await meter.read();
  assert.equal(reading.energyWh, 11040);
  assert.equal(reading.powerW, 11040);
});

Deno.test("meter integrates exactly over many small steps", async () => {
  const { clock, controller, meter } = setup();
  controller.plug({ phases: 1 });
  controller.setOfferedCurrent(10000);
  controller.setContactor(true);
  for (let i = 0; i < 3600; i++) {
    clock.advance(1000);
    await meter.read();
  }
  const { energyWh } = await meter.read();
  assert.ok(Math.abs(energyWh - 2300) < 1e-9, `${energyWh}`);
});

Deno.test("meter reading shows 230 V, the current, power and power factor 1 per phase", () => {
  const { clock, controller, meter } = setup();
  controller.plug({ phases: 1, maxCurrentA: 20 });
  controller.setOfferedCurrent(32000);
  controller.setContactor(true);
  clock.advance(5000);
  assert.deepEqual(meter.readNow(), {
    energyWh: 4600 * 5000 / HOUR_MS,
    powerW: 4600,
    phases: [
      { voltageV: 230, currentA: 20, powerW: 4600, powerFactor: 1 },
      { voltageV: 230, currentA: 0, powerW: 0, powerFactor: 1 },
      { voltageV: 230, currentA: 0, powerW: 0, powerFactor: 1 },
    ],
    atMs: 1_700_000_005_000,
  });
});

Deno.test("energy register continues from initialEnergyWh", () => {
  const { clock, controller, meter } = setup(123_456.5);
  assert.equal(meter.readNow().energyWh, 123_456.5);
  controller.plug();
  controller.setOfferedCurrent(16000);
  controller.setContactor(true);
  clock.advance(HOUR_MS);
  assert.equal(meter.readNow().energyWh, 123_456.5 + 11040);
});

Deno.test("the register stands still while nothing is drawn", () => {
  const { clock, controller, meter } = setup(1000);
  clock.advance(HOUR_MS);
  controller.plug();
  clock.advance(HOUR_MS);
  controller.setOfferedCurrent(16000);
  clock.advance(HOUR_MS); // pilot C but contactor open
  const reading = meter.readNow();
  assert.equal(reading.energyWh, 1000);
  assert.equal(reading.powerW, 0);
});

Deno.test("the meter refuses a negative or non-finite initialEnergyWh", () => {
  for (const initialEnergyWh of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => setup(initialEnergyWh), RangeError, `${initialEnergyWh}`);
  }
});

Deno.test("meter info() names the SIM-METER", () => {
  const { meter } = setup();
  assert.equal(meter.info().model, "SIM-METER");
  assert.equal(meter.connectorId, 2);
});
