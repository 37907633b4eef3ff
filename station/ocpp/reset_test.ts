import assert from "node:assert/strict";
import { performReset, type ResetDeps, resetRetryDelayMs } from "./reset.ts";

/** A station of two points with sessions on `running`, recording what the reset does. */
function fake(
  o: Partial<Omit<ResetDeps, "running">> & { sessions?: number[]; failures?: number } = {},
) {
  const log: string[] = [];
  const { sessions: initial, failures: fails, ...given } = o;
  let sessions = [...(initial ?? [])];
  let failures = fails ?? 0;
  const deps: ResetDeps = {
    hard: false,
    stopTransactions: true,
    retries: 1,
    running: () => sessions,
    stop: (id, reason) => {
      log.push(`stop ${id} ${reason}`);
      sessions = sessions.filter((s) => s !== id);
      return Promise.resolve();
    },
    hold: () => {
      log.push("hold");
      return Promise.resolve();
    },
    idle: () => {
      log.push("idle");
      sessions = [];
      return Promise.resolve();
    },
    restart: () => {
      log.push("restart");
      if (failures-- > 0) return Promise.reject(new Error("reboot refused"));
      return Promise.resolve();
    },
    sleep: (ms) => {
      log.push(`sleep ${ms}`);
      return Promise.resolve();
    },
    failed: (attempt, e, again) => log.push(`failed ${attempt} ${(e as Error).message} ${again}`),
    ...given,
  };
  return { deps, log };
}

Deno.test("StopTxOnReset true: a soft reset stops every session (SoftReset), then restarts", async () => {
  const { deps, log } = fake({ sessions: [1, 2] });
  assert.equal(await performReset(deps), true);
  assert.deepEqual(log, ["stop 1 SoftReset", "stop 2 SoftReset", "restart"]);
});

Deno.test("StopTxOnReset false: a soft reset holds the points and waits for the sessions to end", async () => {
  const { deps, log } = fake({ sessions: [2], stopTransactions: false });
  assert.equal(await performReset(deps), true);
  assert.deepEqual(log, ["hold", "idle", "restart"]);
});

Deno.test("StopTxOnReset false without sessions: the reset happens at once", async () => {
  const { deps, log } = fake({ stopTransactions: false });
  assert.equal(await performReset(deps), true);
  assert.deepEqual(log, ["restart"]);
});

Deno.test("a hard reset ends the sessions (HardReset) whatever StopTxOnReset says", async () => {
  const { deps, log } = fake({ sessions: [1], stopTransactions: false, hard: true });
  assert.equal(await performReset(deps), true);
  assert.deepEqual(log, ["stop 1 HardReset", "restart"]);
});

Deno.test("ResetRetries: a failed restart is tried again that many times, then given up", async () => {
  const twice = fake({ failures: 2, retries: 2 });
  assert.equal(await performReset(twice.deps), true, "the third attempt works");
  assert.deepEqual(twice.log, [
    "restart",
    "failed 1 reboot refused true",
    "sleep 5000",
    "restart",
    "failed 2 reboot refused true",
    "sleep 10000",
    "restart",
  ]);
  const none = fake({ failures: 5, retries: 0 });
  assert.equal(await performReset(none.deps), false);
  assert.deepEqual(none.log, ["restart", "failed 1 reboot refused false"]);
  const one = fake({ failures: 5, retries: 1 });
  assert.equal(await performReset(one.deps), false);
  assert.equal(one.log.filter((l) => l === "restart").length, 2);
});

Deno.test("resetRetryDelayMs() doubles from 5 s up to a minute", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 9].map(resetRetryDelayMs), [
    5000,
    10000,
    20000,
    40000,
    60000,
    60000,
  ]);
});
