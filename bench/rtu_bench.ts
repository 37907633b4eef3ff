/**
 * Meters over one RTU bus: two meters (an Eastron SDM630 and an ABB B23) polled back to back
 * through the bus owner, over a socat pseudo-terminal pair with the RTU emulator, which paces
 * its answers at the line's baud rate (a pseudo-terminal has none). Figures: complete polls
 * of both meters per second at 9600 and 115200 baud, and one request's round trip.
 * @module
 */
import { RapiController } from "../drivers/rapi/controller.ts";
import { RapiEmulator } from "../drivers/rapi/emulator.ts";
import { RtuBus } from "../drivers/rtu/bus.ts";
import { type EmulatedMeter, RtuEmulator } from "../drivers/rtu/emulator.ts";
import { METER_MAPS } from "../drivers/rtu/meter_maps.ts";
import { RtuMeter } from "../drivers/rtu/meter.ts";
import { PtyPair } from "../tests/helpers/pty.ts";
import { type Figure, median } from "./figure.ts";

const values = (energyWh: number): EmulatedMeter["values"] => ({
  voltageV: [230, 231, 229],
  currentA: [16, 16, 16],
  powerW: [3680, 3690, 3670],
  energyWh,
});

async function measure(
  baudRate: number,
  seconds: number,
): Promise<{ polls: number; rttMs: number }> {
  await using pty = await PtyPair.open();
  const meters: EmulatedMeter[] = [
    { unit: 1, map: METER_MAPS.sdm630, values: values(1000), mode: "none" },
    { unit: 2, map: METER_MAPS["abb-b23"], values: values(2000), mode: "none" },
  ];
  await using _emulator = await RtuEmulator.open(pty.b, meters, baudRate);
  await using bus = new RtuBus({ path: pty.a, baudRate, parity: "none", stopBits: 1 });
  const make = (unit: number, map: EmulatedMeter["map"], connectorId: number) =>
    new RtuMeter({ bus, unit, map, connectorId, nowMs: Date.now });
  await using m1 = make(1, METER_MAPS.sdm630, 1);
  await using m2 = make(2, METER_MAPS["abb-b23"], 2);
  await Promise.all([m1.poll(), m2.poll()]);
  const rtts: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await bus.read(1, 4, 0, 2);
    rtts.push(performance.now() - t);
  }
  const end = performance.now() + seconds * 1000;
  let polls = 0;
  while (performance.now() < end) {
    await Promise.all([m1.poll(), m2.poll()]);
    polls++;
  }
  if (m1.problem || m2.problem) throw new Error("a meter stopped answering during the bench");
  return { polls: polls / seconds, rttMs: median(rtts) };
}

async function rapiRoundTrip(): Promise<number> {
  await using pty = await PtyPair.open();
  await using _board = await RapiEmulator.open(pty.b);
  await using c = await RapiController.open({
    path: pty.a,
    connectorId: 1,
    baudRate: 115200,
    parity: "none",
    stopBits: 1,
  });
  const times: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    await c.command("GS");
    times.push(performance.now() - t);
  }
  return median(times);
}

/** Polling rates at 9600 and 115200 baud, and the RAPI round trip. */
export async function run(): Promise<Figure[]> {
  const slow = await measure(9600, 4);
  const fast = await measure(115200, 3);
  const rapi = await rapiRoundTrip();
  return [
    {
      name: "polls of 2 meters at 9600 baud",
      value: slow.polls,
      unit: "/s",
      note: "SDM630 (3 requests) + ABB B23 (4 requests), one bus",
    },
    { name: "request round trip at 9600 baud", value: slow.rttMs, unit: "ms", note: "2 registers" },
    { name: "polls of 2 meters at 115200 baud", value: fast.polls, unit: "/s" },
    {
      name: "request round trip at 115200 baud",
      value: fast.rttMs,
      unit: "ms",
      note: "2 registers",
    },
    {
      name: "RAPI command round trip",
      value: rapi,
      unit: "ms",
      note: "$GS to the board emulator over a pseudo-terminal (no line pacing)",
    },
  ];
}

if (import.meta.main) console.log(await run());
