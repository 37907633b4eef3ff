/**
 * `deno task soak [minutes]`: the load of `load.ts` on one station process for an hour (or
 * the minutes given), printing RSS every 10 s and then the figures of `memory_bench.ts`.
 * Too long for CI; run before resolving memory work and quote the result.
 * @module
 */
import { figures, soak } from "./memory_bench.ts";
import { table } from "./main.ts";

const minutes = Number(Deno.args[0] ?? 60);
if (!(minutes >= 2)) {
  console.error("Usage: deno task soak [minutes ≥ 2]");
  Deno.exit(2);
}
console.error(`Soak: ${minutes} min of load, RSS every 10 s`);
const result = await soak(minutes, (atMs, kib) => {
  if (minutes <= 10 || Math.round(atMs / 1000) % 60 < 10) {
    console.error(`${(atMs / 60_000).toFixed(1).padStart(6)} min  ${(kib / 1024).toFixed(1)} MiB`);
  }
});
console.log(table(figures(minutes, result).map((f) => ({ module: "soak", ...f }))));
