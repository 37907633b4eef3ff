/**
 * The V8 flags the station program runs with, everywhere it runs: `deno task start`, the
 * device's systemd unit, an installed slot under the simulated boot loader, a `deno compile`
 * binary, and the test and benchmark helpers (`v8_flags_test.ts` checks they agree).
 *
 * Measured with `deno task bench` (issue 14): `--max-semi-space-size=1` (MiB per semi-space;
 * V8 grows the young generation to 8 by default) and `--optimize-for-size` together take about
 * 7 MiB off the idle RSS, with OCPP and Modbus latencies unchanged. `--jitless` (what
 * `--lite-mode` implies) would take about 3.7 MiB more; since the Modbus server is the
 * station's own it costs Modbus nothing measurable (`deno task bench modbus` runs the built
 * program with and without it), but OCPP calls get slower: ChangeConfiguration p50 2.2 against
 * 1.5 ms, GetCompositeSchedule of 10 years 8.6 to 11.5 against 3.6 to 4.5 ms. `--max-opt=1`
 * takes about 2 MiB (GetCompositeSchedule 6.5 to 8 ms), `--single-threaded` 1.5 MiB (37 % fewer
 * Modbus answers per second). `--no-lazy` would start the station about 22 ms sooner (99 against
 * 121 ms to the first answer, 6 starts each) for 2.9 MiB more idle RSS (67.1 against 64.2 MiB,
 * beyond the 1.6× target): Deno writes a module's code cache right after compiling it, before it
 * runs, so what V8 compiles lazily (every function first called during the start) is compiled
 * again at each start, and `--no-lazy` puts all of it in the cache, the functions never called
 * too. None is used.
 * @module
 */

/** The flags, comma separated, as `--v8-flags=` takes them. */
export const V8_FLAGS = "--max-semi-space-size=1,--optimize-for-size";

/** The command-line option for `deno run` and `deno compile`. */
export const V8_FLAGS_OPTION = `--v8-flags=${V8_FLAGS}`;
