/**
 * System test: the Modbus server follows its settings while the station runs: port, unit id
 * and enable restart it, a port in use is reported and the station runs on.
 */
import assert from "node:assert/strict";
import { type Json, modbusStation } from "./helpers/modbus_station.ts";
import { freePort } from "./helpers/station_process.ts";

Deno.test("unit id and enable restart the server (a free port stays); other unit ids get no answer", async () => {
  await using t = await modbusStation();
  const port = t.port;
  await t.station.settings.set({ "modbus.unitId": 7 });
  await t.modbus.settled();
  assert.equal(t.port, port, "port 0 keeps the port it picked");
  const seven = await t.client({ unitId: 7 });
  assert.deepEqual((await seven.readHoldingRegisters(12, 1)).data, [2]);
  const one = await t.client({ unitId: 1, timeoutMs: 300 });
  await assert.rejects(
    one.readHoldingRegisters(12, 1),
    (e: Json) => e.name === "TransactionTimedOutError",
  );

  await t.station.settings.set({ "modbus.enabled": false });
  await t.modbus.settled();
  assert.equal(t.modbus.port, undefined);
  assert.equal(t.modbus.status().listening, false);
  await assert.rejects(
    Deno.connect({ hostname: "127.0.0.1", port }),
    Deno.errors.ConnectionRefused,
  );
  await t.station.settings.set({ "modbus.enabled": true, "modbus.unitId": 1 });
  await t.modbus.settled();
  const back = await t.client();
  assert.deepEqual((await back.readHoldingRegisters(12, 1)).data, [2]);
});

Deno.test("a changed modbus.port moves the server; a port in use is reported, the station runs on", async () => {
  const first = freePort();
  await using t = await modbusStation({
    seed: { "modbus.port": first },
    modbus: { portOverride: undefined },
  });
  assert.equal(t.port, first);
  const second = freePort();
  await t.station.settings.set({ "modbus.port": second });
  await t.modbus.settled();
  assert.equal(t.port, second);
  const client = await t.client();
  assert.deepEqual((await client.readHoldingRegisters(12, 1)).data, [2]);

  using taken = Deno.listen({ hostname: "127.0.0.1", port: freePort() });
  await t.station.settings.set({ "modbus.port": taken.addr.port });
  await t.modbus.settled();
  const status: Json = t.modbus.status();
  assert.equal(status.listening, false);
  assert.match(status.error, /in use/i);
  assert.equal((await t.status()).connectors.length, 2, "the station runs on");
});
