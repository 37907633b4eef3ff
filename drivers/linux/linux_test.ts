import assert from "node:assert/strict";
import { join } from "node:path";
import { EvdevReader, KeyboardDecoder, typeUid } from "./evdev_reader.ts";
import { cycleOf, GpioLeds, SysfsLeds } from "./leds.ts";

const read = (root: string, name: string) =>
  Deno.readTextFileSync(join(root, name, "brightness")).trim();

Deno.test("sysfs LEDs: colours, yellow as red and green, blink codes with their pause", async () => {
  const root = await Deno.makeTempDir({ prefix: "ladewerk-leds-" });
  try {
    for (const n of ["cp1:green", "cp1:red", "cp1:blue"]) {
      await Deno.mkdir(join(root, n));
      await Deno.writeTextFile(join(root, n, "brightness"), "0");
      await Deno.writeTextFile(join(root, n, "max_brightness"), "255");
    }
    using leds = new SysfsLeds({
      root,
      points: { "1": { green: "cp1:green", red: "cp1:red", blue: "cp1:blue" } },
    });
    leds.set(1, { color: "green", mode: "steady" });
    assert.deepEqual([read(root, "cp1:green"), read(root, "cp1:red")], ["255", "0"]);
    leds.set(1, { color: "yellow", mode: "steady" });
    assert.deepEqual([read(root, "cp1:green"), read(root, "cp1:red")], ["255", "255"]);
    assert.deepEqual(cycleOf({ color: "red", mode: "blink", blinks: 3 }).map((s) => s.ms), [
      300,
      300,
      300,
      300,
      300,
      2000,
    ]);
    leds.set(1, { color: "red", mode: "blink", blinks: 2 });
    // Two blinks, then the long pause: on, off, on, off (runs of samples collapsed).
    const runs: string[] = [];
    const end = performance.now() + 1400;
    while (performance.now() < end) {
      const v = read(root, "cp1:red");
      if (runs.at(-1) !== v) runs.push(v);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(runs, ["255", "0", "255", "0"]);
    assert.equal(read(root, "cp1:green"), "0");
    leds.set(2, { color: "red", mode: "steady" }); // no LEDs configured: ignored
    assert.equal(leds.errors, 0);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("evdev reader: typed UIDs from input_event records; a missing reader is ReaderFailure until it is back", async () => {
  const d = new KeyboardDecoder();
  const bytes = typeUid("04A2B3C4");
  assert.deepEqual(d.push(bytes.subarray(0, 100)), []);
  assert.deepEqual(d.push(bytes.subarray(100)), ["04A2B3C4"]);

  const dir = await Deno.makeTempDir({ prefix: "ladewerk-evdev-" });
  try {
    const fifo = join(dir, "event-kbd");
    const faults: string[] = [];
    const tokens: string[] = [];
    await using reader = new EvdevReader({ path: fifo, retryMs: 100 });
    reader.onFault((c, a) => faults.push(`${c}:${a}`));
    reader.onToken((t) => tokens.push(t));
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(faults, ["ReaderFailure:true"]);
    const mk = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert.ok(mk.success);
    const writer = await Deno.open(fifo, { write: true });
    await writer.write(typeUid("DEADBEEF"));
    for (let i = 0; i < 50 && tokens.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(tokens, ["DEADBEEF"]);
    assert.deepEqual(faults, ["ReaderFailure:true", "ReaderFailure:false"]);
    writer.close();
    await Deno.remove(fifo);
    for (let i = 0; i < 50 && faults.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(faults.at(-1), "ReaderFailure:true", "unplugged");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("gpio LEDs: gpioset per colour, only on a change", () => {
  const calls: string[] = [];
  using leds = new GpioLeds({
    points: { "1": { green: "gpiochip0:17", red: "gpiochip0:27" } },
    run: (cmd, args) => {
      calls.push([cmd, ...args].join(" "));
      return Promise.resolve("");
    },
  });
  leds.set(1, { color: "green", mode: "steady" });
  leds.set(1, { color: "green", mode: "steady" });
  leds.set(1, { color: "red", mode: "steady" });
  assert.deepEqual(calls, [
    "gpioset gpiochip0 17=1",
    "gpioset gpiochip0 27=0",
    "gpioset gpiochip0 17=0",
    "gpioset gpiochip0 27=1",
  ]);
});
