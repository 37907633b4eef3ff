/**
 * System test of the real program (`main.ts` as a child process): its Modbus server on
 * `--modbus-port 0`, found through the log line, read and written over TCP. Ignored until
 * `run.ts` starts the adapter (`startModbus`).
 */
import assert from "node:assert/strict";
import { wordsToString, wordsToU32 } from "../station/modbus/encoding.ts";
import { closeClient, connectClient, type Json, mbpoll } from "./helpers/modbus_station.ts";
import { startStation, type StationProcess } from "./helpers/station_process.ts";

const WIRED = (await Deno.readTextFile(new URL("../run.ts", import.meta.url)))
  .includes("startModbus(");
const LISTENING = /Modbus TCP listening on (\S+):(\d+) \(unit (\d+)\)/;

async function modbusPort(st: StationProcess, timeoutMs = 10_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const match = LISTENING.exec(st.output());
    if (match) return Number(match[2]);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`No "Modbus TCP listening" line within ${timeoutMs} ms:\n${st.output()}`);
}

Deno.test({
  name: "the program serves the map on --modbus-port 0 and follows a set-point",
  ignore: !WIRED,
  fn: async () => {
    await using st = await startStation();
    const port = await modbusPort(st);
    const client = await connectClient(port);
    try {
      const status = (await st.api<Json>("/api/status")).body;
      const station = (await client.readHoldingRegisters(0, 13)).data;
      assert.equal(wordsToString(station.slice(0, 5)), "ladewerk");
      assert.equal(wordsToU32(station.slice(8, 10)), Number(status.serial));
      assert.deepEqual(await mbpoll(port, ["-a", "1", "-r", "1", "-c", "13"]), station);

      const post = { method: "POST", json: {} };
      await st.api("/api/sim/connectors/1/plug", post);
      await st.api("/api/sim/rfid", { method: "POST", json: { idTag: "MASTERKEY" } });
      await st.waitFor((s: Json) => s.connectors[0].status === "Charging");
      await client.writeRegister(0x1000 + 257, 10_000);
      const limited = await st.waitFor((s: Json) => s.connectors[0].offeredA === 10, {
        timeoutMs: 1_000,
      });
      assert.equal(limited.connectors[0].status, "Charging");
      assert.deepEqual((await client.readHoldingRegisters(0x1000 + 10, 1)).data, [10_000]);
    } finally {
      await closeClient(client);
    }
  },
});
