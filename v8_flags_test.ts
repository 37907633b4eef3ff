import assert from "node:assert/strict";
import { V8_FLAGS, V8_FLAGS_OPTION } from "./v8_flags.ts";

const read = (path: string) => Deno.readTextFile(new URL(path, import.meta.url));

Deno.test("the station runs with the same V8 flags in every place that starts it", async () => {
  const tasks = JSON.parse(await read("./deno.json")).tasks as Record<string, string>;
  assert.ok(tasks.start?.includes(` ${V8_FLAGS_OPTION} `), `deno task start: ${tasks.start}`);
  const unit = await read("./image/meta-ladewerk/recipes-ladewerk/ladewerk/files/ladewerk.service");
  assert.ok(unit.includes(` ${V8_FLAGS_OPTION} `), "the systemd unit's ExecStart");
  const prime = unit.split("\nExecStartPre=")[1]?.split("\nExecStart=")[0] ?? "";
  assert.ok(
    prime.includes(` ${V8_FLAGS_OPTION} `),
    "the unit's code cache prime (V8 checks flags)",
  );
  assert.match(prime, /--prime-code-cache/);
  for (const file of ["./station/update/sim_boot.ts", "./image/build.ts"]) {
    assert.match(await read(file), /^\s+V8_FLAGS_OPTION,$/m, file);
  }
  assert.doesNotMatch(V8_FLAGS, /\s/, "no blanks: one argument");
});
