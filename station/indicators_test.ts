import assert from "node:assert/strict";
import { type CoreConfig, initialState, step } from "./core/mod.ts";
import { displayLines, ledPattern } from "./indicators.ts";

const config: CoreConfig = {
  stationMaxCurrentMa: 32_000,
  hardwareMaxCurrentMa: [32_000],
  connectionTimeoutS: 60,
  identification: "validCard",
  dummyIdTag: "FREE",
  dummyAllowStop: false,
};

Deno.test("LEDs blink red with the fault's count of the manual's table", () => {
  const cases: [string, number, { color: string; blinks?: number }][] = [
    ["GroundFailure", 1, { color: "red", blinks: 5 }],
    ["ConnectorLockFailure", 1, { color: "red", blinks: 2 }],
    ["PowerMeterFailure", 1, { color: "red", blinks: 6 }],
    ["EVCommunicationError", 1, { color: "red", blinks: 1 }],
    ["UnderVoltage", 0, { color: "red", blinks: 4 }],
    ["RegulatoryComplianceFailure", 0, { color: "red", blinks: 7 }],
    ["WeakSignal", 0, { color: "green" }],
  ];
  for (const [code, connectorId, expected] of cases) {
    let s = step(initialState(config, { nowMs: 0 }), { type: "tick" }, 0).state;
    s = step(s, { type: "fault", code, connectorId, active: true }, 1).state;
    const led = ledPattern(s, s.connectors[0]!);
    assert.equal(led.color, expected.color, code);
    assert.equal(led.blinks, expected.blinks, code);
  }
});

Deno.test("the display shows each charge point's status and the session's energy", () => {
  let s = step(initialState(config, { nowMs: 0 }), { type: "tick" }, 0).state;
  s = step(s, { type: "pilot", connectorId: 1, pilot: "B" }, 1).state;
  s = step(s, { type: "remoteStart", connectorId: 1, idTag: "A" }, 2).state;
  s = step(s, { type: "meter", connectorId: 1, energyWh: 1500, powerW: 0 }, 3).state;
  assert.deepEqual(displayLines(s), ["1: Preparing 32.0 A 1.50 kWh"]);
});
