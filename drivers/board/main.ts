/**
 * `deno task board`: the simulated hardware of a device as its own process (see `board.ts`).
 *
 *   deno task board -- --dir DIR [--connectors 2] [--control-port 8090] [--heartbeat 10]
 *
 * Writes `DIR/device.json` for `--hardware device --device-config DIR/device.json` (with the
 * control URL as its `simulator`, so the station's `/api/sim/*` drives the board), prints
 * `board ready: <control URL> <device.json>` and runs until SIGINT or SIGTERM. A station that
 * dies leaves the board running, charging until its supervision stops it.
 * @module
 */
import { parseArgs } from "node:util";
import * as z from "zod";
import { SimBoard } from "./board.ts";
import { controlApp } from "./control.ts";

const Options = z.object({
  dir: z.string().min(1, "--dir: where the lines and device.json go"),
  connectors: z.coerce.number().pipe(z.union([z.literal(1), z.literal(2)])).default(2),
  "control-port": z.coerce.number().int().min(0).max(65535).default(8090),
  heartbeat: z.coerce.number().int().min(2).max(600).default(10),
  "energy-wh": z.coerce.number().min(0).default(0),
});

const { values } = parseArgs({
  args: Deno.args,
  options: {
    dir: { type: "string" },
    connectors: { type: "string" },
    "control-port": { type: "string" },
    heartbeat: { type: "string" },
    "energy-wh": { type: "string" },
  },
  strict: true,
});
const parsed = Options.safeParse(values);
if (!parsed.success) {
  const issue = parsed.error.issues[0]!;
  console.error(`--${issue.path.join(".")}: ${issue.message}`);
  Deno.exit(2);
}
const o = parsed.data;
const board = await SimBoard.open({
  dir: o.dir,
  connectors: o.connectors,
  heartbeatS: o.heartbeat,
  initialEnergyWh: Array(o.connectors).fill(o["energy-wh"]),
});
const stop = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => stop.abort());
}
const server = Deno.serve({
  hostname: "127.0.0.1",
  port: o["control-port"],
  signal: stop.signal,
  onListen: () => {},
}, controlApp(board).fetch);
const url = `http://127.0.0.1:${server.addr.port}`;
const description = JSON.parse(await Deno.readTextFile(board.devicePath));
await Deno.writeTextFile(
  board.devicePath,
  JSON.stringify({ ...description, simulator: { url } }, null, 2) + "\n",
);
console.log(`board ready: ${url} ${board.devicePath}`);
await server.finished;
await board[Symbol.asyncDispose]();
