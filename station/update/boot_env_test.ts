import assert from "node:assert/strict";
import {
  BOOT_TRIES,
  defaultBootEnv,
  formatBootEnv,
  markActive,
  markBad,
  markGood,
  parseBootEnv,
  primarySlot,
  selectBoot,
} from "./boot_env.ts";

Deno.test("boot env: reads and writes the fw_printenv format, defaults for what is missing", () => {
  const env = parseBootEnv("BOOT_ORDER=B A\nBOOT_A_LEFT=0\nBOOT_B_LEFT=2\n");
  assert.deepEqual(env, { order: ["B", "A"], left: { A: 0, B: 2 } });
  assert.equal(formatBootEnv(env), "BOOT_ORDER=B A\nBOOT_A_LEFT=0\nBOOT_B_LEFT=2\n");
  assert.deepEqual(parseBootEnv(""), defaultBootEnv());
  assert.deepEqual(parseBootEnv("BOOT_ORDER=X Y\nBOOT_A_LEFT=-1\nBOOT_B_LEFT=9"), {
    order: ["A", "B"],
    left: { A: 3, B: 3 },
  });
});

Deno.test("boot env: a new slot that never gets marked good boots three times, then the old one", () => {
  let env = markActive(markGood(defaultBootEnv(), "A"), "B");
  const booted: string[] = [];
  for (let i = 0; i < 5; i++) {
    const choice = selectBoot(env);
    booted.push(choice.slot);
    env = choice.env;
    // A healthy A marks itself good; B never does.
    if (choice.slot === "A") env = markGood(env, "A");
  }
  assert.deepEqual(booted, ["B", "B", "B", "A", "A"]);
  assert.equal(env.left.B, 0);
  assert.equal(primarySlot(env), "A");
});

Deno.test("boot env: marked good keeps its tries; a slot not bootable is passed over", () => {
  let env = markActive(defaultBootEnv(), "B");
  for (let i = 0; i < 10; i++) {
    const choice = selectBoot(env);
    assert.equal(choice.slot, "B");
    env = markGood(choice.env, "B");
  }
  assert.equal(env.left.B, BOOT_TRIES);
  assert.equal(selectBoot(env, (s) => s === "A").slot, "A");
});

Deno.test("boot env: with no tries left anywhere the counts reset, as RAUC's script does", () => {
  const choice = selectBoot(markBad(markBad(defaultBootEnv(), "A"), "B"));
  assert.equal(choice.reset, true);
  assert.equal(choice.slot, "A");
  assert.deepEqual(choice.env.left, { A: BOOT_TRIES - 1, B: BOOT_TRIES });
});
