/**
 * The V8 flags the station program runs with, everywhere it runs: `deno task start`, the
 * device's systemd unit, an installed slot under the simulated boot loader, a `deno compile`
 * binary, and the test and benchmark helpers (`v8_flags_test.ts` checks they agree).
 *
 * Measured with `deno task bench` (issue 14): `--max-semi-space-size=1` (MiB per semi-space;
 * V8 grows the young generation to 8 by default) and `--optimize-for-size` together take about
 * 7 MiB off the idle RSS, with OCPP and Modbus latencies unchanged. `--lite-mode` (no
 * optimizing compiler) would take 8 more but costs a third of the Modbus throughput and raises
 * its median latency from 2.7 to 4 ms, so it is not used.
 * @module
 */

/** The flags, comma separated, as `--v8-flags=` takes them. */
export const V8_FLAGS = "--max-semi-space-size=1,--optimize-for-size";

/** The command-line option for `deno run` and `deno compile`. */
export const V8_FLAGS_OPTION = `--v8-flags=${V8_FLAGS}`;
