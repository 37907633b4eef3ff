/**
 * `--prime-code-cache`: loads every part of the program that otherwise loads on demand, then
 * exits, so that Deno's code cache (in `DENO_DIR`) holds the compiled code of the entry and of
 * every chunk before the station runs for real.
 *
 * Why (issue 14, measured with `deno task bench`): the process that finds no code cache for the
 * program compiles it and writes the cache, and keeps about 58 MiB more RSS for the rest of its
 * life (compiler memory on V8's worker threads that glibc does not give back): 134 MiB idle
 * against 76 MiB for the same program started with the cache. A station runs for months after
 * an update, so the first start must not be that process. `deno task build:program` primes
 * after each build; the device's unit primes before the first start of a new program.
 * @module
 */

/** Loads each on-demand part; returns the reasons of those that cannot load here. */
export async function primeCodeCache(): Promise<string[]> {
  const parts: [string, () => Promise<unknown>][] = [
    ["OCPP", () => import("./station/ocpp/mod.ts")],
    ["OCPP-J client", () => import("./station/ocpp/rpc.ts").then((m) => m.loadClientClass())],
    ["Modbus TCP", () => import("./station/modbus/mod.ts")],
    ["MQTT", () => import("./station/cluster/bus.ts")],
    ["cluster agents", () =>
      Promise.all([
        import("./station/cluster/member.ts"),
        import("./station/cluster/master.ts"),
        import("./station/cluster/protocol.ts"),
        import("./station/cluster/allocate.ts"),
      ])],
    [
      "CSV",
      () => import("./station/csv.ts").then((m) => Promise.all([m.csvParse(), m.csvStringify()])),
    ],
    ["backup", () => import("./station/backup.ts")],
    ["device drivers", () => import("./drivers/device/mod.ts")],
    ["Modbus RTU", () => import("modbus-serial")],
    ["certificates", () => import("selfsigned")],
  ];
  const failed: string[] = [];
  for (const [what, load] of parts) {
    await load().catch((e) => failed.push(`${what}: ${e instanceof Error ? e.message : e}`));
  }
  return failed;
}
