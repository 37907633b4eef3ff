/**
 * The aarch64 payload of the OS image (`deno task image`), run here under qemu-user
 * (`qemu-aarch64-static` with Debian's aarch64 libraries): it answers HTTP, reports the
 * payload's version, and a whole simulated session runs through the simulator API. Emulation
 * is 10-50x slower than the host: the time limits are wide, the checks are not.
 */
import assert from "node:assert/strict";
import { V8_FLAGS_OPTION } from "../v8_flags.ts";
import { join } from "node:path";
import { buildImagePayload } from "../image/build.ts";
import { startStation } from "./helpers/station_process.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const QEMU = "qemu-aarch64-static";
const LIBS = "/usr/aarch64-linux-gnu";

Deno.test("image: the aarch64 payload runs under qemu, answers HTTP and charges a simulated session", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-aarch64-" });
  try {
    const tar = await buildImagePayload({ out: dir, version: "0.9.1" });
    const root = join(dir, "root");
    await Deno.mkdir(root);
    const untar = await new Deno.Command("tar", { args: ["-xf", tar, "-C", root] }).output();
    assert.ok(untar.success);
    const elf = (await Deno.readFile(join(root, "bin", "deno"))).subarray(0, 20);
    assert.deepEqual([...elf.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], "an ELF file");
    assert.equal(elf[18]! | (elf[19]! << 8), 183, "for aarch64 (EM_AARCH64)");
    const startMs = performance.now();
    await using st = await startStation({
      // As the systemd unit runs it.
      runtime: [
        QEMU,
        join(root, "bin", "deno"),
        "run",
        "--no-config",
        V8_FLAGS_OPTION,
        "--allow-all",
      ],
      entry: join(root, "bin", "ladewerk.js"),
      env: { QEMU_LD_PREFIX: LIBS },
      startTimeoutMs: 240_000,
    });
    const readyS = (performance.now() - startMs) / 1000;
    console.log(`aarch64 payload: HTTP ready after ${readyS.toFixed(1)} s under qemu-user`);
    const status: Json = (await st.api("/api/status")).body;
    assert.equal(status.firmwareVersion, "0.9.1");
    const ui = await st.api("/");
    assert.equal(ui.status, 200, "the UI is built into the payload");
    assert.match(String(ui.body), /<html/i);
    const opts = { timeoutMs: 120_000, intervalMs: 500 };
    await st.api("/api/sim/connectors/1/plug", { method: "POST" });
    await st.api("/api/sim/rfid", { json: { idTag: "MASTERKEY" } });
    await st.waitFor((s: Json) => s.connectors[0].status === "Charging", opts);
    await st.api("/api/sim/connectors/1/unplug", { method: "POST" });
    const done: Json = await st.waitFor(
      (s: Json) => s.connectors[0].status === "Available" && !s.connectors[0].session,
      opts,
    );
    assert.equal(done.connectors[0].errorCode, "NoError");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
