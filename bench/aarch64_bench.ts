/**
 * The aarch64 payload of the OS image measured as `startup_bench.ts` measures the station on
 * the host, under `qemu-aarch64-static`: warm start to the first 200 and idle RSS, beside the
 * floor (the bare Hono server, bundled into one file, on the same aarch64 Deno under the same
 * emulator). Emulation makes the times 10-50× the host's: the ratios are the figures.
 * Without `qemu-aarch64-static` (Debian's qemu-user-static) it reports nothing.
 * @module
 */
import { join } from "node:path";
import { buildImagePayload } from "../image/build.ts";
import { startStation, type StationProcess } from "../tests/helpers/station_process.ts";
import { V8_FLAGS_OPTION } from "../v8_flags.ts";
import { type Figure, median } from "./figure.ts";
import { procStatusKib } from "./load.ts";

const QEMU = "qemu-aarch64-static";
const LIBS = "/usr/aarch64-linux-gnu";
const RUNS = 3;
const IDLE_MS = 10_000;

async function ready(st: StationProcess): Promise<number> {
  const deadline = performance.now() + 300_000;
  while (performance.now() < deadline) {
    const ok = await st.api("/api/status").then((r) => r.status === 200, () => false);
    if (ok) return performance.now() - st.spawnedAtMs;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`No 200 within 300 s under qemu:\n${st.output()}`);
}

/** Warm starts (after one first start) and the idle RSS of the last, on one data dir. */
async function measure(
  runtime: string[],
  entry: string,
): Promise<{ timesMs: number[]; rssKib: number }> {
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-bench-a64-" });
  const timesMs: number[] = [];
  let rssKib = 0;
  try {
    for (let i = 0; i <= RUNS; i++) {
      await using st = await startStation({
        runtime,
        entry,
        dataDir,
        env: { QEMU_LD_PREFIX: LIBS },
        startTimeoutMs: 300_000,
        readyAt: "http",
      });
      const ms = await ready(st);
      if (i > 0) timesMs.push(ms);
      if (i === RUNS) {
        await new Promise((r) => setTimeout(r, IDLE_MS));
        // qemu-user runs the guest in its own process: its RSS is the guest's plus qemu's.
        rssKib = await procStatusKib(st.pid, "VmRSS");
      } else {
        // Let the first start finish (slot marked good, code cache written) before the kill.
        await new Promise((r) => setTimeout(r, 5_000));
      }
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
  return { timesMs, rssKib };
}

/** Measures the payload and the floor under qemu-user. */
export async function run(): Promise<Figure[]> {
  const qemu = await new Deno.Command(QEMU, { args: ["--version"], stdout: "null" }).output()
    .then((o) => o.success, () => false);
  if (!qemu) {
    console.error(`  ${QEMU} not found (Debian's qemu-user-static): no aarch64 figures`);
    return [];
  }
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-bench-payload-" });
  try {
    const tar = await buildImagePayload({ out: dir, version: "0.0.0-bench" });
    const root = join(dir, "root");
    await Deno.mkdir(root);
    const untar = await new Deno.Command("tar", { args: ["-xf", tar, "-C", root] }).output();
    if (!untar.success) throw new Error("Cannot unpack the payload");
    const floor = join(dir, "floor.js");
    const bundled = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform",
        "deno",
        "--minify",
        "-o",
        floor,
        new URL("./floor_server.ts", import.meta.url).pathname,
      ],
    }).output();
    if (!bundled.success) throw new Error("Cannot bundle the floor server");
    const deno = join(root, "bin", "deno");
    const floorFigures = await measure([QEMU, deno, "run", "--no-config", "--allow-all"], floor);
    const station = await measure(
      [QEMU, deno, "run", "--no-config", V8_FLAGS_OPTION, "--allow-all"],
      join(root, "bin", "ladewerk.js"),
    );
    const start = median(station.timesMs);
    const floorStart = median(floorFigures.timesMs);
    return [
      {
        name: "startup median",
        value: start,
        unit: "ms",
        note: `${RUNS} warm runs under qemu-user`,
      },
      {
        name: "floor startup median",
        value: floorStart,
        unit: "ms",
        note: "bare Hono, aarch64 Deno",
      },
      {
        name: "startup / floor",
        value: start / floorStart,
        unit: "×",
        note: "target ≤ 2 (issue 14)",
      },
      {
        name: "idle RSS",
        value: station.rssKib / 1024,
        unit: "MiB",
        note: "qemu process, guest inside",
      },
      { name: "floor idle RSS", value: floorFigures.rssKib / 1024, unit: "MiB" },
      {
        name: "idle RSS / floor",
        value: station.rssKib / floorFigures.rssKib,
        unit: "×",
        note: "qemu's own memory in both",
      },
    ];
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
