/**
 * `deno task bench [name...]`: runs the benchmark modules (all, or those named) one after
 * the other and prints their figures as a table. `--json` prints JSON instead.
 * @module
 */
import type { BenchModule, Figure } from "./figure.ts";
import * as aarch64 from "./aarch64_bench.ts";
import * as cluster from "./cluster_bench.ts";
import * as memory from "./memory_bench.ts";
import * as modbus from "./modbus_bench.ts";
import * as ocpp from "./ocpp_bench.ts";
import * as rtu from "./rtu_bench.ts";
import * as site from "./site_bench.ts";
import * as smart from "./smart_bench.ts";
import * as startup from "./startup_bench.ts";
import * as storage from "./storage_bench.ts";
import * as ui from "./ui_bench.ts";
import * as update from "./update_bench.ts";

/** The benchmark modules, by name, in the order they run. */
export const MODULES: Record<string, BenchModule> = {
  startup,
  memory,
  modbus,
  ocpp,
  cluster,
  rtu,
  smart,
  storage,
  site,
  ui,
  update,
  aarch64,
};

interface Row extends Figure {
  module: string;
}

function format(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(
    Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2,
  );
}

/** The rows as an aligned text table. */
export function table(rows: Row[]): string {
  const cells = [
    ["module", "figure", "value", "unit", "note"],
    ...rows.map((
      r,
    ) => [r.module, r.name, format(r.value), r.unit, r.note ?? ""]),
  ];
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c.map((s, i) => i === 2 ? s.padStart(widths[i]!) : s.padEnd(widths[i]!))
      .join("  ").trimEnd();
  return [
    line(cells[0]!),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...cells.slice(1).map(line),
  ]
    .join("\n");
}

async function main(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const names = args.filter((a) => !a.startsWith("--"));
  const unknown = names.filter((n) => !(n in MODULES));
  if (unknown.length > 0) {
    console.error(
      `Unknown benchmark: ${unknown.join(", ")} (known: ${Object.keys(MODULES).join(", ")})`,
    );
    return 2;
  }
  const rows: Row[] = [];
  for (const [module, bench] of Object.entries(MODULES)) {
    if (names.length > 0 && !names.includes(module)) continue;
    console.error(`Running ${module} ...`);
    const started = performance.now();
    for (const figure of await bench.run()) rows.push({ module, ...figure });
    console.error(
      `  done in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  console.log(json ? JSON.stringify(rows, null, 2) : table(rows));
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
