import assert from "node:assert/strict";
import { join } from "node:path";
import { systemdNotifier } from "./systemd.ts";

Deno.test("systemd: READY once, WATCHDOG pings at half the watchdog period; nothing without systemd", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-systemd-" });
  try {
    const log = join(dir, "calls");
    const bin = join(dir, "systemd-notify");
    await Deno.writeTextFile(bin, `#!/bin/sh\necho "$*" >> ${log}\n`);
    await Deno.chmod(bin, 0o755);
    const env = { NOTIFY_SOCKET: "/run/systemd/notify", WATCHDOG_USEC: "400000" };
    const n = systemdNotifier({ env: (k) => env[k as keyof typeof env], bin });
    n.ready();
    n.ready();
    await new Promise((r) => setTimeout(r, 700));
    n.stop();
    await new Promise((r) => setTimeout(r, 300));
    const calls = (await Deno.readTextFile(log)).trim().split("\n");
    assert.equal(calls.filter((c) => c === `--pid=${Deno.pid} --ready`).length, 1);
    const pings = calls.filter((c) => c === `--pid=${Deno.pid} WATCHDOG=1`).length;
    assert.ok(pings >= 2 && pings <= 4, `${pings} pings in 0.7 s at 0.2 s`);
    const none = systemdNotifier({ env: () => undefined, bin });
    none.ready();
    none.stop();
    assert.equal((await Deno.readTextFile(log)).trim().split("\n").length, calls.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
