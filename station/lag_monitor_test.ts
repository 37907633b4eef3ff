import assert from "node:assert/strict";
import { LagMonitor, MAX_STALLS, STALL_MS } from "./lag_monitor.ts";

const block = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* the event loop stands still */ }
};
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("LagMonitor records a blocked event loop as a stall, and keeps only the last ones", async () => {
  using monitor = new LagMonitor(10);
  await tick(50);
  assert.deepEqual(monitor.status().stalls, [], "an idle loop has no stall");
  block(STALL_MS + 60);
  await tick(30);
  const first = monitor.status();
  assert.equal(first.stalls.length, 1);
  assert.ok(first.stalls[0]!.ms >= STALL_MS, JSON.stringify(first.stalls));
  assert.ok(first.eventLoopLagMaxMs >= first.stalls[0]!.ms);
  for (let i = 0; i < MAX_STALLS + 3; i++) {
    block(STALL_MS + 10);
    await tick(15);
  }
  const later = monitor.status().stalls;
  assert.equal(later.length, MAX_STALLS);
  assert.ok(later.every((s) => s.ms >= STALL_MS));
  assert.ok(later[0]!.at >= first.stalls[0]!.at);
});
