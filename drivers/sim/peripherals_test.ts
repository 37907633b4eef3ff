import assert from "node:assert/strict";
import { SimDisplay } from "./display.ts";
import { SimLeds } from "./leds.ts";
import { SimTokenReader } from "./token_reader.ts";

Deno.test("SimTokenReader reports every presented card to its listeners", () => {
  const reader = new SimTokenReader();
  const tags: string[] = [];
  const unsubscribe = reader.onToken((idTag) => tags.push(idTag));
  reader.present("04A1B2C3");
  reader.present("04A1B2C3");
  unsubscribe();
  reader.present("DEADBEEF");
  assert.deepEqual(tags, ["04A1B2C3", "04A1B2C3"]);
});

Deno.test("SimTokenReader refuses an empty idTag", () => {
  assert.throws(() => new SimTokenReader().present(""), RangeError, "idTag is empty");
});

Deno.test("SimDisplay remembers the last lines, unaffected by later changes to the array", () => {
  const display = new SimDisplay();
  assert.deepEqual(display.lines, []);
  const lines = ["Ready", "Present card"];
  display.show(lines);
  lines[0] = "changed";
  assert.deepEqual(display.lines, ["Ready", "Present card"]);
  display.show(["Charging"]);
  assert.deepEqual(display.lines, ["Charging"]);
});

Deno.test("SimLeds remember the last pattern per connector", () => {
  const leds = new SimLeds({ connectors: 2 });
  assert.equal(leds.pattern(1), undefined);
  leds.set(1, { color: "blue", mode: "pulse" });
  leds.set(2, { color: "red", mode: "blink", blinks: 5 });
  leds.set(1, { color: "green", mode: "steady" });
  assert.deepEqual(leds.pattern(1), { color: "green", mode: "steady" });
  assert.deepEqual(leds.pattern(2), { color: "red", mode: "blink", blinks: 5 });
});

Deno.test("SimLeds refuse connector ids outside 0..n", () => {
  const leds = new SimLeds({ connectors: 1 });
  leds.set(0, { color: "off", mode: "steady" });
  for (const connectorId of [-1, 2, 1.5]) {
    assert.throws(() => leds.set(connectorId, { color: "off", mode: "steady" }), RangeError);
  }
});
