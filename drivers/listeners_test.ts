import assert from "node:assert/strict";
import { Listeners } from "./listeners.ts";

Deno.test("Listeners calls every listener in the order subscribed", () => {
  const listeners = new Listeners<[number]>();
  const calls: string[] = [];
  listeners.add((n) => calls.push(`a${n}`));
  listeners.add((n) => calls.push(`b${n}`));
  listeners.emit(1);
  assert.deepEqual(calls, ["a1", "b1"]);
  assert.equal(listeners.size, 2);
});

Deno.test("Listeners stops calling an unsubscribed listener; unsubscribing twice is harmless", () => {
  const listeners = new Listeners<[]>();
  let calls = 0;
  const unsubscribe = listeners.add(() => calls++);
  listeners.emit();
  unsubscribe();
  unsubscribe();
  listeners.emit();
  assert.equal(calls, 1);
  assert.equal(listeners.size, 0);
});

Deno.test("Listeners lets the same function subscribe twice and unsubscribe once", () => {
  const listeners = new Listeners<[]>();
  let calls = 0;
  const listener = () => calls++;
  const unsubscribeFirst = listeners.add(listener);
  listeners.add(listener);
  unsubscribeFirst();
  listeners.emit();
  assert.equal(calls, 1);
});

Deno.test("Listeners skips a listener unsubscribed by an earlier one during the emit", () => {
  const listeners = new Listeners<[]>();
  const calls: string[] = [];
  let unsubscribeB = () => {};
  listeners.add(() => {
    calls.push("a");
    unsubscribeB();
  });
  unsubscribeB = listeners.add(() => calls.push("b"));
  listeners.emit();
  assert.deepEqual(calls, ["a"]);
});

Deno.test("Listeners calls all listeners despite one throwing, then rethrows its error", () => {
  const listeners = new Listeners<[]>();
  const calls: string[] = [];
  const boom = new Error("boom");
  listeners.add(() => {
    throw boom;
  });
  listeners.add(() => calls.push("b"));
  assert.throws(() => listeners.emit(), (error) => error === boom);
  assert.deepEqual(calls, ["b"]);
});

Deno.test("Listeners throws an AggregateError when several listeners throw", () => {
  const listeners = new Listeners<[]>();
  listeners.add(() => {
    throw new Error("one");
  });
  listeners.add(() => {
    throw new Error("two");
  });
  assert.throws(
    () => listeners.emit(),
    (error) => error instanceof AggregateError && error.errors.length === 2,
  );
});

Deno.test("Listeners.clear() unsubscribes everyone", () => {
  const listeners = new Listeners<[]>();
  let calls = 0;
  listeners.add(() => calls++);
  listeners.clear();
  listeners.emit();
  assert.equal(calls, 0);
});
