import assert from "node:assert/strict";
import { ManualClock } from "../clock.ts";
import type { PilotState } from "../ports.ts";
import { SimChargeController } from "./charge_controller.ts";

const HOUR_MS = 3_600_000;

function setup(startMs = 0) {
  const clock = new ManualClock(startMs);
  const controller = new SimChargeController({ connectorId: 1, clock });
  const pilots: PilotState[] = [];
  controller.onPilot((pilot) => pilots.push(pilot));
  return { clock, controller, pilots };
}

function charging(offerMa = 16000) {
  const context = setup();
  context.controller.plug();
  context.controller.setOfferedCurrent(offerMa);
  context.controller.setContactor(true);
  return context;
}

Deno.test("pilot is A without vehicle and B once one is plugged, A again when unplugged", () => {
  const { controller, pilots } = setup();
  assert.equal(controller.pilot(), "A");
  controller.plug();
  assert.equal(controller.pilot(), "B");
  controller.unplug();
  assert.equal(controller.pilot(), "A");
  assert.deepEqual(pilots, ["B", "A"]);
});

Deno.test("pilot goes B→C when offer reaches 6 A and back to B when the vehicle pauses", () => {
  const { controller, pilots } = setup();
  controller.plug();
  controller.setOfferedCurrent(5999);
  assert.equal(controller.pilot(), "B");
  controller.setOfferedCurrent(6000);
  assert.equal(controller.pilot(), "C");
  controller.setEvCharging(false);
  assert.equal(controller.pilot(), "B");
  controller.setEvCharging(true);
  assert.equal(controller.pilot(), "C");
  controller.setOfferedCurrent(0);
  assert.deepEqual(pilots, ["B", "C", "B", "C", "B"]);
});

Deno.test("changes that keep the pilot report nothing", () => {
  const { controller, pilots } = charging();
  pilots.length = 0;
  controller.setOfferedCurrent(10000);
  controller.setContactor(false);
  controller.setLock(true);
  assert.deepEqual(pilots, []);
});

Deno.test("vehicle draws min(offered, max) on three phases only with contactor closed", () => {
  const cases: [string, { maxCurrentA?: number; offerMa: number; closed: boolean }, number][] = [
    ["offer below max", { offerMa: 16000, closed: true }, 16],
    ["max below offer", { maxCurrentA: 10, offerMa: 16000, closed: true }, 10],
    ["contactor open", { offerMa: 16000, closed: false }, 0],
    ["offer below 6 A", { offerMa: 5000, closed: true }, 0],
  ];
  for (const [name, { maxCurrentA, offerMa, closed }, drawingA] of cases) {
    const { controller } = setup();
    controller.plug({ maxCurrentA });
    controller.setOfferedCurrent(offerMa);
    controller.setContactor(closed);
    assert.deepEqual(controller.measure().currentsA, [drawingA, drawingA, drawingA], name);
    assert.equal(controller.vehicle().drawingA, drawingA, name);
  }
});

Deno.test("a one-phase vehicle draws on L1 only", () => {
  const { controller } = setup();
  controller.plug({ phases: 1 });
  controller.setOfferedCurrent(32000);
  controller.setContactor(true);
  assert.deepEqual(controller.measure().currentsA, [32, 0, 0]);
});

Deno.test("energy is integrated piecewise across offer and contactor changes", () => {
  const { clock, controller } = charging(16000);
  clock.advance(HOUR_MS / 2); // 11040 W
  controller.setOfferedCurrent(32000);
  clock.advance(HOUR_MS / 2); // 22080 W
  controller.setContactor(false);
  clock.advance(HOUR_MS); // nothing
  assert.equal(controller.measure().deliveredWh, 5520 + 11040);
  assert.equal(controller.vehicle().energyChargedWh, 16560);
});

Deno.test("full vehicle stops drawing and returns to B", () => {
  const { clock, controller, pilots } = charging(16000);
  controller.unplug();
  controller.plug({ energyToFullWh: 5520 });
  pilots.length = 0;
  clock.advance(HOUR_MS); // would be 11040 Wh; the vehicle takes only 5520
  controller.sync();
  assert.deepEqual(pilots, ["B"]);
  const vehicle = controller.vehicle();
  assert.equal(vehicle.full, true);
  assert.equal(vehicle.drawingA, 0);
  assert.equal(vehicle.energyChargedWh, 5520);
  clock.advance(HOUR_MS);
  assert.equal(controller.measure().deliveredWh, 5520);
  assert.deepEqual(controller.measure().currentsA, [0, 0, 0]);
});

Deno.test("a full vehicle that resumes stays in B and draws nothing", () => {
  const { clock, controller } = setup();
  controller.plug({ energyToFullWh: 100 });
  controller.setOfferedCurrent(16000);
  controller.setContactor(true);
  clock.advance(HOUR_MS);
  controller.setEvCharging(false);
  controller.setEvCharging(true);
  assert.equal(controller.pilot(), "B");
  assert.equal(controller.measure().deliveredWh, 100);
});

Deno.test("pilot() notices a vehicle that got full since the last call", () => {
  const { clock, controller, pilots } = setup();
  controller.plug({ energyToFullWh: 1 });
  controller.setOfferedCurrent(16000);
  controller.setContactor(true);
  clock.advance(1000);
  assert.equal(controller.pilot(), "B");
  assert.deepEqual(pilots, ["B", "C", "B"]);
});

Deno.test("unplugging while charging stops the flow but keeps the delivered energy", () => {
  const { clock, controller } = charging(16000);
  clock.advance(HOUR_MS);
  controller.unplug();
  clock.advance(HOUR_MS);
  assert.equal(controller.measure().deliveredWh, 11040);
  assert.deepEqual(controller.vehicle(), {
    plugged: false,
    phases: 3,
    maxCurrentA: 0,
    wantsCharge: false,
    full: false,
    energyChargedWh: 0,
    drawingA: 0,
  });
});

Deno.test("a clock set backwards delivers no energy and never runs the register back", () => {
  const { clock, controller } = charging(16000);
  clock.advance(HOUR_MS);
  assert.equal(controller.measure().deliveredWh, 11040);
  clock.set(0);
  assert.equal(controller.measure().deliveredWh, 11040);
  clock.advance(HOUR_MS);
  assert.equal(controller.measure().deliveredWh, 22080);
});

Deno.test("measure() stamps the reading with the clock's now", () => {
  const { clock, controller } = setup(1_700_000_000_000);
  clock.advance(42);
  assert.equal(controller.measure().atMs, 1_700_000_000_042);
});

Deno.test("setOfferedCurrent() refuses currents outside 0..32000 mA", () => {
  for (const currentMa of [-1, 32001, Number.NaN, Number.POSITIVE_INFINITY]) {
    const { controller } = setup();
    assert.throws(() => controller.setOfferedCurrent(currentMa), RangeError, `${currentMa}`);
    assert.equal(controller.offeredCurrentMa, 0);
  }
});

Deno.test("contactor and lock are stored; the lock does not change the pilot", () => {
  const { controller, pilots } = setup();
  controller.plug();
  controller.setLock(true);
  controller.setContactor(true);
  assert.equal(controller.locked, true);
  assert.equal(controller.contactorClosed, true);
  controller.setLock(false);
  assert.equal(controller.locked, false);
  assert.deepEqual(pilots, ["B"]);
});

Deno.test("plug, unplug and setEvCharging refuse what the vehicle cannot do", () => {
  const { controller } = setup();
  assert.throws(() => controller.unplug(), RangeError, "no vehicle is plugged");
  assert.throws(() => controller.setEvCharging(false), RangeError, "no vehicle is plugged");
  controller.plug();
  assert.throws(() => controller.plug(), RangeError, "one is plugged already");
  controller.unplug();
  assert.throws(() => controller.plug({ maxCurrentA: -1 }), RangeError);
  assert.equal(controller.pilot(), "A");
});

Deno.test("a pilot listener may call back into the controller; everyone hears every change in order", () => {
  const { controller, pilots } = setup();
  const second: PilotState[] = [];
  // Like a core that offers current when the vehicle connects and closes on C.
  controller.onPilot((pilot) => {
    if (pilot === "B" && controller.offeredCurrentMa === 0) controller.setOfferedCurrent(16000);
    if (pilot === "C") controller.setContactor(true);
  });
  controller.onPilot((pilot) => second.push(pilot));
  controller.plug();
  assert.deepEqual(pilots, ["B", "C"]);
  assert.deepEqual(second, ["B", "C"]);
  assert.equal(controller.pilot(), "C");
  assert.equal(controller.contactorClosed, true);
  assert.equal(controller.vehicle().drawingA, 16);
});

Deno.test("a change undone by a listener during the report is not reported twice", () => {
  const { controller, pilots } = setup();
  controller.plug();
  const unsubscribe = controller.onPilot((pilot) => {
    if (pilot === "C") controller.setEvCharging(false);
  });
  controller.setOfferedCurrent(16000);
  unsubscribe();
  assert.deepEqual(pilots, ["B", "C", "B"]);
  assert.equal(controller.pilot(), "B");
});

Deno.test("a listener that flips the pilot endlessly is stopped with an error", () => {
  const { controller } = setup();
  controller.plug();
  controller.onPilot(() => controller.setEvCharging(!controller.vehicle().wantsCharge));
  assert.throws(() => controller.setOfferedCurrent(16000), /listeners flip it endlessly/);
});

Deno.test("a throwing pilot listener still lets the change happen", () => {
  const { controller, pilots } = setup();
  controller.onPilot(() => {
    throw new Error("listener bug");
  });
  assert.throws(() => controller.plug(), /listener bug/);
  assert.equal(controller.pilot(), "B");
  assert.deepEqual(pilots, ["B"]);
});

Deno.test("connector faults are reported once when raised and once when cleared", () => {
  const { controller } = setup();
  const events: [string, boolean][] = [];
  controller.onFault((code, active) => events.push([code, active]));
  assert.equal(controller.raiseFault("GroundFailure"), true);
  assert.equal(controller.raiseFault("GroundFailure"), false);
  assert.deepEqual(controller.activeFaults(), ["GroundFailure"]);
  assert.equal(controller.clearFault("GroundFailure"), true);
  assert.equal(controller.clearFault("GroundFailure"), false);
  assert.deepEqual(events, [["GroundFailure", true], ["GroundFailure", false]]);
});

Deno.test("the controller refuses station faults and unknown codes", () => {
  const { controller } = setup();
  assert.throws(() => controller.raiseFault("UnderVoltage"), RangeError, "station fault");
  assert.throws(() => controller.raiseFault("Nope"), RangeError, "Unknown fault code: Nope");
});

Deno.test("removeAllListeners() silences pilot and fault listeners", () => {
  const { controller, pilots } = setup();
  let faults = 0;
  controller.onFault(() => faults++);
  controller.removeAllListeners();
  controller.plug();
  controller.raiseFault("GroundFailure");
  assert.deepEqual(pilots, []);
  assert.equal(faults, 0);
});

Deno.test("info() names the SIM-CC with 32 A", () => {
  const { controller } = setup();
  const info = controller.info();
  assert.equal(info.model, "SIM-CC");
  assert.equal(info.maxCurrentMa, 32000);
  assert.match(info.serial, /^SIM-CC-/);
  assert.ok(info.firmwareVersion.length > 0);
});
