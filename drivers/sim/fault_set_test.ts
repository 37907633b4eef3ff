import assert from "node:assert/strict";
import { FaultSet } from "./fault_set.ts";

Deno.test("FaultSet keeps codes in the order raised and reports each change once", () => {
  const faults = new FaultSet("station");
  const events: [string, boolean][] = [];
  faults.onChange((code, active) => events.push([code, active]));
  faults.raise("UnderVoltage");
  faults.raise("WeakSignal");
  faults.raise("UnderVoltage");
  assert.deepEqual(faults.codes(), ["UnderVoltage", "WeakSignal"]);
  assert.equal(faults.has("WeakSignal"), true);
  assert.equal(faults.has("Nope"), false);
  faults.clear("UnderVoltage");
  assert.deepEqual(events, [["UnderVoltage", true], ["WeakSignal", true], ["UnderVoltage", false]]);
});

Deno.test("FaultSet refuses codes of the other scope and unknown codes, for raise and clear", () => {
  const faults = new FaultSet("connector");
  assert.throws(() => faults.raise("WeakSignal"), RangeError, "Cannot raise WeakSignal here");
  assert.throws(() => faults.clear("WeakSignal"), RangeError, "Cannot clear WeakSignal here");
  assert.throws(() => faults.raise("toString"), RangeError, "Unknown fault code: toString");
});

Deno.test("FaultSet.removeAllListeners() silences its listeners", () => {
  const faults = new FaultSet("connector");
  let events = 0;
  faults.onChange(() => events++);
  faults.removeAllListeners();
  faults.raise("GroundFailure");
  assert.equal(events, 0);
});
