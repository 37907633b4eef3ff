import assert from "node:assert/strict";
import { Setpoints, type Timers } from "./setpoints.ts";

/** Timers and a clock that move only when told to. */
class ManualTimers implements Timers {
  nowMs = 0;
  #nextId = 1;
  #pending = new Map<number, { atMs: number; callback: () => void }>();

  set(callback: () => void, delayMs: number): number {
    const id = this.#nextId++;
    this.#pending.set(id, { atMs: this.nowMs + delayMs, callback });
    return id;
  }

  clear(id: unknown): void {
    this.#pending.delete(id as number);
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** Moves time forward, running due timers in order. */
  advance(ms: number): void {
    const targetMs = this.nowMs + ms;
    while (true) {
      const due = [...this.#pending].filter(([, t]) => t.atMs <= targetMs)
        .sort(([, a], [, b]) => a.atMs - b.atMs)[0];
      if (!due) break;
      this.#pending.delete(due[0]);
      this.nowMs = due[1].atMs;
      due[1].callback();
    }
    this.nowMs = targetMs;
  }
}

function setup(fallback = { currentMa: 8_000, timeoutS: 10 }) {
  const timers = new ManualTimers();
  const applied: [number, number | undefined][] = [];
  const fallbacks: number[] = [];
  const settings = { fallback: { ...fallback }, maxMa: 32_000 };
  const setpoints = new Setpoints({
    connectorIds: [1, 2],
    apply: (id, limitMa) => {
      applied.push([id, limitMa]);
      return Promise.resolve();
    },
    maxMa: () => settings.maxMa,
    fallback: () => settings.fallback,
    nowMs: () => timers.nowMs,
    timers,
    onFallback: (id) => fallbacks.push(id),
  });
  return { timers, applied, fallbacks, settings, setpoints };
}

Deno.test("a station that is only read never gets a Modbus limit and runs no timer", async () => {
  const { timers, applied, setpoints } = setup();
  assert.deepEqual(setpoints.read(1), { shareBp: 10_000, currentMa: 32_000 });
  assert.equal(setpoints.limitMa(1), undefined);
  timers.advance(3_600_000);
  await setpoints.refresh();
  assert.deepEqual(applied, []);
  assert.equal(timers.pending, 0);
  assert.equal(setpoints.mode(1), "none");
});

Deno.test("the set-point is the smaller of 256 (share of the maximum) and 257; 0 pauses", async () => {
  const { applied, setpoints } = setup();
  await setpoints.write(1, { shareBp: 5000 });
  assert.deepEqual(setpoints.read(1), { shareBp: 5000, currentMa: 32_000 });
  await setpoints.write(1, { currentMa: 10_000 });
  await setpoints.write(1, { currentMa: 20_000 });
  await setpoints.write(1, { currentMa: 20_000 });
  await setpoints.write(1, { shareBp: 10_000, currentMa: 0 });
  assert.deepEqual(setpoints.read(1), { shareBp: 10_000, currentMa: 0 });
  assert.deepEqual(applied, [[1, 16_000], [1, 10_000], [1, 16_000], [1, 0]], "once per change");
  assert.equal(setpoints.limitMa(2), undefined, "the other point is untouched");
});

Deno.test("every write restarts the timer; when it runs out the fallback applies until the next write", async () => {
  const { timers, applied, fallbacks, setpoints } = setup({ currentMa: 8_000, timeoutS: 10 });
  await setpoints.write(1, { currentMa: 16_000 });
  timers.advance(9_000);
  await setpoints.write(1, { currentMa: 16_000 });
  timers.advance(9_999);
  assert.equal(setpoints.mode(1), "written");
  timers.advance(1);
  assert.equal(setpoints.mode(1), "fallback");
  assert.deepEqual(fallbacks, [1]);
  assert.deepEqual(setpoints.read(1), { shareBp: 10_000, currentMa: 8_000 });
  assert.deepEqual(applied, [[1, 16_000], [1, 8_000]]);
  timers.advance(60_000);
  assert.equal(applied.length, 2, "the fallback stays, nothing repeats");

  await setpoints.write(1, { shareBp: 5000 });
  assert.equal(setpoints.limitMa(1), 16_000, "a new set-point: the fallback current is gone");
  assert.equal(timers.pending, 1);
});

Deno.test("fallback current 0 pauses; timeout 0 disables the fallback", async () => {
  const { timers, settings, setpoints } = setup({ currentMa: 0, timeoutS: 5 });
  await setpoints.write(1, { currentMa: 16_000 });
  timers.advance(5_000);
  assert.equal(setpoints.limitMa(1), 0);
  settings.fallback.timeoutS = 0;
  await setpoints.write(1, { currentMa: 16_000 });
  timers.advance(86_400_000);
  assert.equal(setpoints.limitMa(1), 16_000);
  assert.equal(timers.pending, 0);
});

Deno.test("refresh() applies changed fallback settings and station limits at once", async () => {
  const { timers, applied, settings, setpoints } = setup({ currentMa: 8_000, timeoutS: 60 });
  await setpoints.write(1, { shareBp: 5000 });
  timers.advance(10_000);
  settings.maxMa = 20_000;
  await setpoints.refresh();
  assert.equal(setpoints.limitMa(1), 10_000, "the share follows the maximum");
  settings.fallback.timeoutS = 5;
  await setpoints.refresh();
  assert.equal(setpoints.mode(1), "fallback", "already 10 s without a write");
  settings.fallback.currentMa = 12_000;
  await setpoints.refresh();
  assert.deepEqual(applied.map(([, ma]) => ma), [16_000, 10_000, 8_000, 12_000]);
});

Deno.test("clear() removes every limit and timer; after dispose writes are refused", async () => {
  const { timers, applied, setpoints } = setup();
  await setpoints.write(1, { currentMa: 16_000 });
  await setpoints.write(2, { currentMa: 0 });
  await setpoints.clear();
  assert.deepEqual(applied.slice(2), [[1, undefined], [2, undefined]]);
  assert.equal(timers.pending, 0);
  await setpoints.write(1, { currentMa: 6_000 });
  setpoints[Symbol.dispose]();
  assert.equal(timers.pending, 0);
  assert.throws(() => setpoints.write(1, { currentMa: 6_000 }), /Modbus has stopped/);
});
