import assert from "node:assert/strict";
import { ManualClock } from "../clock.ts";
import type { PilotState } from "../ports.ts";
import { SimulatedHardware } from "./mod.ts";

const HOUR_MS = 3_600_000;

function setup(initialEnergyWh?: number[]) {
  const clock = new ManualClock(1_700_000_000_000);
  const hardware = new SimulatedHardware({ connectors: 2, clock, initialEnergyWh });
  return { clock, hardware };
}

function startCharging(hardware: SimulatedHardware, connectorId: number, currentMa: number) {
  const controller = hardware.controllers[connectorId - 1]!;
  controller.setOfferedCurrent(currentMa);
  controller.setContactor(true);
}

Deno.test("SimulatedHardware builds one controller and meter per connector", () => {
  const { clock, hardware } = setup();
  assert.deepEqual(hardware.controllers.map((c) => c.connectorId), [1, 2]);
  assert.deepEqual(hardware.meters.map((m) => m.connectorId), [1, 2]);
  assert.equal(hardware.clock, clock);
  const single = new SimulatedHardware({ connectors: 1, clock });
  assert.equal(single.controllers.length, 1);
});

Deno.test("SimulatedHardware refuses a bad connector count or too many registers", () => {
  const clock = new ManualClock();
  for (const connectors of [0, 3]) {
    assert.throws(() => new SimulatedHardware({ connectors: connectors as 1, clock }), RangeError);
  }
  assert.throws(
    () => new SimulatedHardware({ connectors: 1, clock, initialEnergyWh: [1, 2] }),
    RangeError,
    "2 registers for 1 connectors",
  );
  assert.throws(() => new SimulatedHardware({ connectors: 1, clock, initialEnergyWh: [-5] }));
});

Deno.test("energy register continues from initialEnergyWh on each connector", async () => {
  const { clock, hardware } = setup([1000, 2000]);
  hardware.plug(1);
  hardware.plug(2, { phases: 1 });
  startCharging(hardware, 1, 16000);
  startCharging(hardware, 2, 16000);
  clock.advance(HOUR_MS);
  const [one, two] = await Promise.all(hardware.meters.map((meter) => meter.read()));
  assert.equal(one?.energyWh, 1000 + 11040);
  assert.equal(two?.energyWh, 2000 + 3680);
});

Deno.test("a missing initial register starts at 0", () => {
  const { hardware } = setup([500]);
  assert.equal(hardware.meters[0]!.readNow().energyWh, 500);
  assert.equal(hardware.meters[1]!.readNow().energyWh, 0);
});

Deno.test("plug, unplug and setEvCharging drive the vehicle and its snapshot", () => {
  const { clock, hardware } = setup();
  const pilots: PilotState[] = [];
  hardware.controllers[0]!.onPilot((pilot) => pilots.push(pilot));
  hardware.plug(1, { phases: 3, maxCurrentA: 10, energyToFullWh: 20000 });
  startCharging(hardware, 1, 16000);
  clock.advance(HOUR_MS);
  assert.deepEqual(hardware.vehicle(1), {
    plugged: true,
    phases: 3,
    maxCurrentA: 10,
    wantsCharge: true,
    full: false,
    energyChargedWh: 6900,
    drawingA: 10,
  });
  hardware.setEvCharging(1, false);
  assert.equal(hardware.vehicle(1).drawingA, 0);
  hardware.unplug(1);
  assert.equal(hardware.vehicle(1).plugged, false);
  assert.deepEqual(pilots, ["B", "C", "B", "A"]);
});

Deno.test("the control surface refuses bad connector ids and impossible vehicle moves", () => {
  const { hardware } = setup();
  const cases: [string, () => void, string][] = [
    ["plug 0", () => hardware.plug(0), "expected a connector id 1..2"],
    ["plug 3", () => hardware.plug(3), "expected a connector id 1..2"],
    ["unplug 1.5", () => hardware.unplug(1.5), "expected a connector id 1..2"],
    ["vehicle 3", () => hardware.vehicle(3), "expected a connector id 1..2"],
    ["unplug empty", () => hardware.unplug(1), "no vehicle is plugged"],
    ["pause without vehicle", () => hardware.setEvCharging(2, false), "no vehicle is plugged"],
    ["plug twice", () => {
      hardware.plug(2);
      hardware.plug(2);
    }, "one is plugged already"],
  ];
  for (const [name, act, message] of cases) {
    assert.throws(
      act,
      (error) => error instanceof RangeError && error.message.includes(message),
      name,
    );
  }
});

Deno.test("full vehicle is reported by sync() after the clock moved", () => {
  const { clock, hardware } = setup();
  const pilots: PilotState[] = [];
  hardware.controllers[1]!.onPilot((pilot) => pilots.push(pilot));
  hardware.plug(2, { energyToFullWh: 1000 });
  startCharging(hardware, 2, 32000);
  clock.advance(HOUR_MS);
  hardware.sync();
  assert.deepEqual(pilots, ["B", "C", "B"]);
  assert.equal(hardware.vehicle(2).full, true);
  assert.equal(hardware.meters[1]!.readNow().energyWh, 1000);
});

Deno.test("presentCard() reaches the reader's listeners", () => {
  const { hardware } = setup();
  const tags: string[] = [];
  hardware.reader.onToken((idTag) => tags.push(idTag));
  hardware.presentCard("CAFE01");
  assert.deepEqual(tags, ["CAFE01"]);
});

Deno.test("raiseFault refuses unknown codes, bad connector ids and scope mismatches", () => {
  const { hardware } = setup();
  const cases: [string, string, number, string][] = [
    ["unknown code", "Nope", 1, "Unknown fault code: Nope"],
    ["connector 3", "GroundFailure", 3, "expected a connector id 0..2"],
    ["connector -1", "UnderVoltage", -1, "expected a connector id 0..2"],
    ["station fault on connector 1", "UnderVoltage", 1, "it is a station fault, raise it on 0"],
    ["connector fault on 0", "GroundFailure", 0, "it is a connector fault, raise it on 1..2"],
  ];
  for (const [name, code, connectorId, message] of cases) {
    assert.throws(
      () => hardware.raiseFault(code, connectorId),
      (error) => error instanceof RangeError && error.message.includes(message),
      name,
    );
  }
  assert.deepEqual(hardware.activeFaults(), []);
});

Deno.test("raiseFault sends station faults to onStationFault and connector faults to that controller", () => {
  const { hardware } = setup();
  const events: string[] = [];
  hardware.onStationFault((code, active) => events.push(`0 ${code} ${active}`));
  for (const controller of hardware.controllers) {
    controller.onFault((code, active) =>
      events.push(`${controller.connectorId} ${code} ${active}`)
    );
  }
  hardware.raiseFault("GroundFailure", 2);
  hardware.raiseFault("UnderVoltage", 0);
  hardware.raiseFault("UnderVoltage", 0);
  hardware.raiseFault("GroundFailure", 1);
  assert.deepEqual(events, [
    "2 GroundFailure true",
    "0 UnderVoltage true",
    "1 GroundFailure true",
  ]);
  assert.deepEqual(hardware.activeFaults(), [
    { code: "UnderVoltage", connectorId: 0 },
    { code: "GroundFailure", connectorId: 1 },
    { code: "GroundFailure", connectorId: 2 },
  ]);
});

Deno.test("clearFault clears a code everywhere, or only on the given connector", () => {
  const { hardware } = setup();
  hardware.raiseFault("GroundFailure", 1);
  hardware.raiseFault("GroundFailure", 2);
  hardware.raiseFault("PowerMeterFailure", 1);
  hardware.raiseFault("WeakSignal", 0);
  assert.equal(hardware.clearFault("GroundFailure", 2), true);
  assert.equal(hardware.clearFault("GroundFailure", 2), false);
  assert.equal(hardware.clearFault("WeakSignal", 1), false);
  assert.equal(hardware.clearFault("WeakSignal"), true);
  assert.equal(hardware.clearFault("EVCommunicationError"), false);
  assert.deepEqual(hardware.activeFaults(), [
    { code: "GroundFailure", connectorId: 1 },
    { code: "PowerMeterFailure", connectorId: 1 },
  ]);
  assert.equal(hardware.clearFault("GroundFailure"), true);
  assert.equal(hardware.clearFault("PowerMeterFailure", 1), true);
  assert.deepEqual(hardware.activeFaults(), []);
});

Deno.test("clearFault refuses unknown codes and bad connector ids", () => {
  const { hardware } = setup();
  assert.throws(() => hardware.clearFault("Nope"), RangeError, "Unknown fault code: Nope");
  assert.throws(() => hardware.clearFault("GroundFailure", 3), RangeError, "1..2");
});

Deno.test("display and LEDs show what the station last set", () => {
  const { hardware } = setup();
  hardware.display.show(["Charging", "11.0 kW"]);
  hardware.leds.set(2, { color: "blue", mode: "pulse" });
  assert.deepEqual(hardware.display.lines, ["Charging", "11.0 kW"]);
  assert.deepEqual(hardware.leds.pattern(2), { color: "blue", mode: "pulse" });
});

Deno.test("disposing the hardware removes every listener", async () => {
  const clock = new ManualClock();
  const heard: string[] = [];
  {
    await using hardware = new SimulatedHardware({ connectors: 2, clock });
    hardware.onStationFault((code) => heard.push(code));
    hardware.reader.onToken((idTag) => heard.push(idTag));
    for (const controller of hardware.controllers) {
      controller.onPilot((pilot) => heard.push(pilot));
      controller.onFault((code) => heard.push(code));
    }
    hardware.plug(1);
    assert.deepEqual(heard, ["B"]);
    await hardware[Symbol.asyncDispose]();
    hardware.plug(2);
    hardware.presentCard("CAFE01");
    hardware.raiseFault("UnderVoltage", 0);
    hardware.raiseFault("GroundFailure", 2);
  }
  assert.deepEqual(heard, ["B"]);
});
