import assert from "node:assert/strict";
import { AdjustableClock, ManualClock, systemClock } from "./clock.ts";

Deno.test("systemClock tells Date.now()", () => {
  const beforeMs = Date.now();
  const nowMs = systemClock.nowMs();
  assert.ok(nowMs >= beforeMs && nowMs <= Date.now());
});

Deno.test("ManualClock starts at 0 or the given time and only moves when told", () => {
  assert.equal(new ManualClock().nowMs(), 0);
  const clock = new ManualClock(1_700_000_000_000);
  assert.equal(clock.nowMs(), 1_700_000_000_000);
  assert.equal(clock.nowMs(), 1_700_000_000_000);
});

Deno.test("ManualClock.advance() adds and set() jumps, backwards too", () => {
  const clock = new ManualClock(1000);
  clock.advance(500);
  assert.equal(clock.nowMs(), 1500);
  clock.advance(0);
  assert.equal(clock.nowMs(), 1500);
  clock.set(200);
  assert.equal(clock.nowMs(), 200);
});

Deno.test("ManualClock refuses to advance by negative or non-finite times", () => {
  for (const ms of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
    const clock = new ManualClock(1000);
    assert.throws(() => clock.advance(ms), RangeError, `advance(${ms})`);
    assert.equal(clock.nowMs(), 1000);
  }
});

Deno.test("ManualClock refuses non-finite times", () => {
  assert.throws(() => new ManualClock(Number.NaN), RangeError);
  assert.throws(() => new ManualClock(1).set(Number.NEGATIVE_INFINITY), RangeError);
});

Deno.test("AdjustableClock runs on its base clock plus the offset set by setTimeMs()", () => {
  const base = new ManualClock(1_000_000);
  const clock = new AdjustableClock(base);
  assert.equal(clock.nowMs(), 1_000_000);
  assert.equal(clock.setAtMs, undefined);
  clock.setTimeMs(1_700_000_000_000);
  assert.equal(clock.offsetMs, 1_700_000_000_000 - 1_000_000);
  assert.equal(clock.setAtMs, 1_700_000_000_000);
  base.advance(5_000);
  assert.equal(clock.nowMs(), 1_700_000_005_000);
  assert.throws(() => clock.setTimeMs(Number.NaN), RangeError);
});
