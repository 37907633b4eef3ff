/**
 * The board simulator as its own process (`deno task board`): RAPI boards, SDM630 meters and a
 * PN532 on pseudo-terminals, and the station with `--hardware device` on the description it
 * writes. The station's `/api/sim/*` reaches the board through its real drivers, and a station
 * killed leaves the board running. (A whole session over these drivers, and its resumption, is
 * `tests/device_controller_test.ts` with the emulators in the test process.)
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startDevice } from "./helpers/device.ts";

// deno-lint-ignore no-explicit-any
type Json = any;
const BOARD = fileURLToPath(new URL("../drivers/board/main.ts", import.meta.url));

Deno.test("board process: /api/sim drives the emulated boards through the real drivers; a killed station leaves the board running", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-board-" });
  const board = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", BOARD, "--dir", dir, "--connectors", "1", "--control-port", "0"],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const reader = board.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n")) text += (await reader.read()).value ?? "";
    const [, url, config] = text.match(/board ready: (\S+) (\S+)/)!;
    const boardState = async () => (await (await fetch(`${url}/state`)).json()).points[0];

    const st = await startDevice(config!, { connectors: 1 });
    await st.api("/api/sim/connectors/1/plug", { json: {} });
    assert.equal((await boardState()).plugged, true, "the board has the vehicle");
    const bad = await st.api<Json>("/api/sim/rfid", { json: { idTag: "NOT-HEX" } });
    assert.equal(bad.status, 409, "refused by the board");
    assert.match(bad.body.reason, /hex/, "a PN532 card is a hex UID");
    const status = (await st.api<Json>("/api/status")).body;
    assert.equal(status.connectors[0].status, "Preparing");
    assert.equal((await boardState()).heartbeatS, 10, "the station armed the supervision");
    st.kill("SIGKILL");
    await st.exited;
    await st[Symbol.asyncDispose]();
    assert.equal((await boardState()).plugged, true, "the board runs on without the station");
  } finally {
    board.kill("SIGTERM");
    await board.status;
    await board.stdout.cancel().catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
