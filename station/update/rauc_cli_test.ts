import assert from "node:assert/strict";
import { parseProgressLine, parseRaucStatus, RaucCli, type Runner } from "./rauc_cli.ts";

// The shape of `rauc status --output-format=json --detailed` (RAUC 1.8 documentation).
const STATUS = JSON.stringify({
  compatible: "ladewerk-device",
  variant: "",
  booted: "A",
  boot_primary: "rootfs.1",
  slots: [
    {
      "rootfs.0": {
        class: "rootfs",
        device: "/dev/mmcblk0p2",
        type: "ext4",
        bootname: "A",
        state: "booted",
        boot_status: "good",
        slot_status: {
          bundle: { compatible: "ladewerk-device", version: "1.2.0" },
          installed: { timestamp: "2026-11-01T10:00:00Z" },
        },
      },
    },
    {
      "rootfs.1": {
        class: "rootfs",
        device: "/dev/mmcblk0p3",
        bootname: "B",
        state: "inactive",
        boot_status: "bad",
        slot_status: { bundle: { version: "1.3.0" } },
      },
    },
    { "bootloader.0": { class: "bootloader", state: "inactive" } },
  ],
});

Deno.test("rauc: the JSON status becomes the port's view of both slots", () => {
  const s = parseRaucStatus(STATUS);
  assert.equal(s.booted, "A");
  assert.deepEqual(s.order, ["B", "A"]);
  assert.deepEqual(s.slots.map((x) => [x.slot, x.version, x.booted, x.primary, x.triesLeft]), [
    ["A", "1.2.0", true, false, 3],
    ["B", "1.3.0", false, true, 0],
  ]);
  assert.equal(s.slots[0]!.installedAtMs, Date.parse("2026-11-01T10:00:00Z"));
});

Deno.test("rauc: install passes the progress lines on and names the other slot", async () => {
  const calls: string[][] = [];
  const run: Runner = (args, onLine) => {
    calls.push(args);
    if (args[0] === "install") {
      for (const l of ["  0% Installing", " 40% Checking bundle", "100% Installing done."]) {
        onLine?.(l);
      }
    }
    return Promise.resolve(args[0] === "status" && args.length === 3 ? STATUS : "");
  };
  const seen: number[] = [];
  const r = await new RaucCli(run).install(
    { path: "/data/u.raucb", info: { compatible: "x", version: "1.3.0", dir: "/tmp" } },
    (p) => seen.push(p.percent),
  );
  assert.deepEqual(r, { slot: "B" });
  assert.deepEqual(seen, [0, 40, 100]);
  assert.deepEqual(calls[1], ["install", "--progress", "/data/u.raucb"]);
  assert.deepEqual(parseProgressLine("junk"), undefined);
});
