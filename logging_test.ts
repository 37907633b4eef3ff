import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import { LOG_DIR, rotatingFileSink, setupLogging } from "./logging.ts";

const record = (message: string) => ({
  category: ["t"],
  level: "info" as const,
  message: [message],
  rawMessage: message,
  timestamp: 0,
  properties: {},
});

Deno.test("the log file is rotated at its size and the oldest rotated file dropped", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/x.log`;
    using sink = rotatingFileSink(path, {
      formatter: (r) => `${r.message[0]}\n`,
      maxBytes: 100,
      rotated: 3,
    });
    // Lines of 20 bytes, 5 to a file: 30 lines make 6 files' worth, of which 4 are kept.
    const line = (i: number) => `line ${String(i).padStart(14, "0")}`;
    for (let i = 0; i < 30; i++) sink(record(line(i)));
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, ["x.log", "x.log.1", "x.log.2", "x.log.3"], "no fifth file");
    for (const name of names) {
      assert.ok(Deno.statSync(`${dir}/${name}`).size <= 100, `${name} within the limit`);
    }
    const current = Deno.readTextFileSync(path).trim().split("\n");
    assert.deepEqual(current, [25, 26, 27, 28, 29].map(line), "each line written at once");
    const oldest = Deno.readTextFileSync(`${path}.3`).trim().split("\n");
    assert.deepEqual(oldest, [10, 11, 12, 13, 14].map(line), "lines 0 to 9 were dropped");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a log file that cannot be written loses the record, not the program", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/logs/x.log`;
    using sink = rotatingFileSink(path, {
      formatter: (r) => `${r.message[0]}\n`,
      maxBytes: 1e6,
      rotated: 1,
    });
    sink(record("lost: no folder to write in"));
    Deno.mkdirSync(`${dir}/logs`);
    sink(record("back"));
    assert.equal(Deno.readTextFileSync(path), "back\n", "the next record opens the file again");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a log file that cannot be moved away is emptied at its size, not left to grow", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/x.log`;
    // x.log.1 is a folder that is not empty: renaming x.log onto it fails.
    Deno.mkdirSync(`${path}.1/in-the-way`, { recursive: true });
    using sink = rotatingFileSink(path, {
      formatter: (r) => `${r.message[0]}\n`,
      maxBytes: 100,
      rotated: 1,
    });
    for (let i = 0; i < 30; i++) sink(record(`line ${String(i).padStart(14, "0")}`));
    assert.ok(Deno.statSync(path).size <= 100, "within the limit");
    assert.match(Deno.readTextFileSync(path), /line 0+29\n$/, "the newest line is there");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("setupLogging() writes the station's records to <data>/logs/ladewerk.log", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const close = await setupLogging(dir);
    getLogger(["ladewerk", "test"]).info("hello {who}", { who: "file" });
    await close();
    const text = await Deno.readTextFile(`${dir}/${LOG_DIR}/ladewerk.log`);
    assert.match(text, /\[INF\] ladewerk·test: hello file\n$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
