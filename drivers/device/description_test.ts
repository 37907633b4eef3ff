import assert from "node:assert/strict";
import { DescriptionError, parseDescription, simulatedDescription } from "./description.ts";

const good = {
  connectors: 2,
  buses: { "rs485-1": { path: "/dev/ttyS1", baudRate: 9600 } },
  meters: [
    { connector: 1, driver: "modbus-rtu", model: "sdm630", bus: "rs485-1", unit: 1 },
    { connector: 2, driver: "modbus-rtu", model: "abb-b23", bus: "rs485-1", unit: 2 },
  ],
  controllers: [{ connector: 1, driver: "sim" }, { connector: 2, driver: "sim" }],
};

Deno.test("device description: a good one with its defaults; each wrong one names the field and why", () => {
  const d = parseDescription(JSON.stringify(good));
  assert.deepEqual(d.buses["rs485-1"], {
    path: "/dev/ttyS1",
    baudRate: 9600,
    parity: "none",
    stopBits: 1,
    timeoutMs: 300,
  });
  assert.equal(d.reader.driver, "sim");
  const refused = (change: (x: typeof good) => unknown, why: RegExp) => {
    const x = structuredClone(good);
    const text = JSON.stringify(change(x) ?? x);
    assert.throws(
      () => parseDescription(text),
      (e) => e instanceof DescriptionError && why.test(e.message),
    );
  };
  refused((x) => {
    x.meters[1]!.unit = 1;
  }, /^meters\.1\.unit: Unit 1 is already on bus rs485-1/);
  refused((x) => {
    x.meters[0]!.bus = "rs485-9";
  }, /^meters\.0\.bus: No bus rs485-9/);
  refused((x) => {
    x.meters[0]!.model = "sdm999";
  }, /^meters\.0\.model/);
  refused((x) => {
    x.buses["rs485-1"]!.baudRate = 9601;
  }, /^buses\.rs485-1\.baudRate: One of 1200/);
  refused((x) => {
    x.controllers.pop();
  }, /^controllers: Charge point 2 needs exactly one entry, it has 0/);
  refused((x) => ({ ...x, extra: 1 }), /extra/);
  assert.throws(() => parseDescription("{"), /Not JSON/);
  assert.equal(simulatedDescription(1).meters.length, 1);
});
