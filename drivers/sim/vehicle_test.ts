import assert from "node:assert/strict";
import { SimVehicle, type VehicleOptions } from "./vehicle.ts";

Deno.test("a vehicle charges on three phases up to 32 A, wants 40 kWh and to charge by default", () => {
  const vehicle = new SimVehicle();
  assert.deepEqual(vehicle.snapshot(0), {
    plugged: true,
    phases: 3,
    maxCurrentA: 32,
    wantsCharge: true,
    full: false,
    energyChargedWh: 0,
    drawingA: 0,
  });
  assert.equal(vehicle.energyToFullWh, 40000);
});

Deno.test("a vehicle refuses impossible options", () => {
  const cases: VehicleOptions[] = [
    { phases: 2 as 1 },
    { maxCurrentA: 0 },
    { maxCurrentA: -6 },
    { maxCurrentA: Number.NaN },
    { energyToFullWh: 0 },
    { energyToFullWh: Number.NaN },
  ];
  for (const options of cases) {
    assert.throws(() => new SimVehicle(options), RangeError, JSON.stringify(options));
  }
});

Deno.test("a vehicle absorbs energy until full and then takes no more", () => {
  const vehicle = new SimVehicle({ energyToFullWh: 1000 });
  assert.equal(vehicle.absorb(600), 600);
  assert.equal(vehicle.full, false);
  assert.equal(vehicle.absorb(600), 400);
  assert.equal(vehicle.full, true);
  assert.equal(vehicle.chargedWh, 1000);
  assert.equal(vehicle.absorb(600), 0);
});

Deno.test("a vehicle with infinite energyToFullWh never gets full", () => {
  const vehicle = new SimVehicle({ energyToFullWh: Number.POSITIVE_INFINITY });
  assert.equal(vehicle.absorb(1e9), 1e9);
  assert.equal(vehicle.full, false);
});
