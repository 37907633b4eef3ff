import assert from "node:assert/strict";
import type { PilotState } from "../ports.ts";
import {
  derivePilot,
  type DrawInputs,
  energyWh,
  type PhaseCurrentsA,
  phaseCurrentsA,
  type PilotInputs,
  powerW,
} from "./electrics.ts";

const charging: PilotInputs = {
  plugged: true,
  wantsCharge: true,
  full: false,
  offeredCurrentMa: 16000,
};

Deno.test("derivePilot() follows IEC 61851-1: A without vehicle, B connected, C charging", () => {
  const cases: [string, Partial<PilotInputs>, PilotState][] = [
    ["no vehicle, PWM off", { plugged: false, offeredCurrentMa: 0 }, "A"],
    ["no vehicle, PWM on", { plugged: false }, "A"],
    ["vehicle, PWM off", { offeredCurrentMa: 0 }, "B"],
    ["vehicle, offer just below 6 A", { offeredCurrentMa: 5999 }, "B"],
    ["vehicle, offer exactly 6 A", { offeredCurrentMa: 6000 }, "C"],
    ["vehicle, offer 32 A", { offeredCurrentMa: 32000 }, "C"],
    ["vehicle paused itself", { wantsCharge: false }, "B"],
    ["vehicle full", { full: true }, "B"],
  ];
  for (const [name, change, pilot] of cases) {
    assert.equal(derivePilot({ ...charging, ...change }), pilot, name);
  }
});

const drawing: DrawInputs = {
  pilot: "C",
  contactorClosed: true,
  offeredCurrentMa: 16000,
  phases: 3,
  maxCurrentA: 32,
};

Deno.test("phaseCurrentsA() is min(offer, vehicle max) on the vehicle's phases in C behind a closed contactor", () => {
  const cases: [string, Partial<DrawInputs>, PhaseCurrentsA][] = [
    ["offer below vehicle max", {}, [16, 16, 16]],
    ["vehicle max below offer", { maxCurrentA: 10 }, [10, 10, 10]],
    ["fractional offer", { offeredCurrentMa: 6500 }, [6.5, 6.5, 6.5]],
    ["one-phase vehicle draws on L1", { phases: 1 }, [16, 0, 0]],
    ["contactor open", { contactorClosed: false }, [0, 0, 0]],
    ["pilot B", { pilot: "B" }, [0, 0, 0]],
    ["pilot A", { pilot: "A" }, [0, 0, 0]],
  ];
  for (const [name, change, currentsA] of cases) {
    assert.deepEqual(phaseCurrentsA({ ...drawing, ...change }), currentsA, name);
  }
});

Deno.test("powerW() is 230 V times the currents; energyWh() is power times time", () => {
  assert.equal(powerW([16, 16, 16]), 11040);
  assert.equal(powerW([0, 0, 0]), 0);
  assert.equal(energyWh(11040, 3_600_000), 11040);
  assert.equal(energyWh(3680, 30 * 60_000), 1840);
  assert.equal(energyWh(11040, 0), 0);
});
