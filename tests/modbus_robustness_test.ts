/**
 * System test: bad requests, malformed frames, random bytes, vanishing clients and many
 * connections never harm the station; its Modbus server answers or drops, and serves other
 * clients meanwhile.
 */
import assert from "node:assert/strict";
import {
  frame,
  type Json,
  modbusError,
  modbusStation,
  readFrame,
} from "./helpers/modbus_station.ts";

const B1 = 0x1000;
const FC3 = 3;

Deno.test("unmapped addresses, read-only registers and bad values answer exceptions 2 and 3", async () => {
  await using t = await modbusStation({ connectors: 1 });
  await t.charge(1);
  const client = await t.client();
  const reads: [number, number, number][] = [
    [13, 1, 2],
    [12, 2, 2],
    [B1 - 1, 1, 2],
    [B1 + 28, 1, 2],
    [B1 + 20, 10, 2],
    [B1 + 255, 2, 2],
    [B1 + 260, 1, 2],
    [0x2000, 1, 2],
    [0xffff, 1, 2],
    [0, 126, 3],
  ];
  for (const [address, count, code] of reads) {
    await assert.rejects(client.readHoldingRegisters(address, count), modbusError(code));
    await assert.rejects(client.readInputRegisters(address, count), modbusError(code));
  }
  const writes: [number, number[], number][] = [
    [0, [1], 2],
    [B1 + 10, [6_000], 2],
    [B1 + 255, [0, 6_000], 2],
    [B1 + 258, [6_000, 5, 1], 2],
    [0x2000 + 257, [6_000], 2],
    [B1 + 256, [10_001], 3],
    [B1 + 257, [1], 3],
    [B1 + 257, [5_999], 3],
    [B1 + 258, [5_999], 3],
    [B1 + 258, [63_001], 3],
    [B1 + 256, [5_000, 16_000, 3], 3],
  ];
  for (const [address, values, code] of writes) {
    const single = values.length === 1 ? client.writeRegister(address, values[0]!) : undefined;
    if (single) await assert.rejects(single, modbusError(code), `FC6 ${address}`);
    await assert.rejects(client.writeRegisters(address, values), modbusError(code), `${address}`);
  }
  await assert.rejects(client.readCoils(0, 1), modbusError(1));
  await assert.rejects(client.writeCoil(0, true), modbusError(1));
  const s = await t.status();
  assert.deepEqual(s.connectors[0].limitsMa, {}, "no refused write changed anything");
  assert.equal(s.connectors[0].offeredMa, 32_000);
  assert.equal(t.station.settings.get("modbus.cp1.fallbackCurrentMa"), 0);
});

Deno.test("truncated, malformed and random frames are answered or dropped; a second client is served", async () => {
  await using t = await modbusStation();
  const good = await t.client();
  const malformed: [string, Uint8Array, "answer" | "silence"][] = [
    ["header only", new Uint8Array([0, 1, 0, 0, 0, 6]), "silence"],
    ["length 0", new Uint8Array([0, 2, 0, 0, 0, 0, 1, 3]), "silence"],
    ["FC3 without count", frame(3, 1, [FC3, 0, 0]), "silence"],
    ["FC3 with a byte too many", frame(4, 1, [FC3, 0, 0, 0, 1, 9]), "silence"],
    ["other unit id", frame(5, 9, [FC3, 0, 0, 0, 1]), "silence"],
    ["FC16 with short data", frame(6, 1, [16, 0x11, 0, 0, 2, 4, 0, 1]), "silence"],
    ["FC3 of 0 registers", frame(7, 1, [FC3, 0, 0, 0, 0]), "answer"],
    ["FC3 of 2000 registers", frame(8, 1, [FC3, 0, 0, 0x07, 0xd0]), "answer"],
    ["unknown function 0x41", frame(9, 1, [0x41, 1, 2]), "answer"],
    ["device identification", frame(10, 1, [0x2b, 0x0e, 1, 0]), "answer"],
    ["valid read after all that", frame(11, 1, [FC3, 0, 12, 0, 1]), "answer"],
  ];
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
  for (const [what, bytes, expected] of malformed) {
    await conn.write(bytes);
    if (expected === "silence") continue;
    const answer = await readFrame(conn);
    assert.ok(answer, `${what}: answered`);
    const fc = answer[7]!;
    if (what.startsWith("valid")) assert.deepEqual([...answer.slice(7)], [FC3, 2, 0, 2]);
    else assert.ok(fc & 0x80, `${what}: an exception (${answer})`);
  }
  conn.close();

  // Random bytes: some with a plausible header, on connections the server may close.
  const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
  const deadline = performance.now() + 5_000;
  let sent = 0;
  let raw = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
  const drain = (c: Deno.Conn) => c.readable.pipeTo(new WritableStream()).catch(() => {});
  // A connection the server closed (a header announcing more than a frame holds) is gone.
  const close = (c: Deno.Conn) => {
    try {
      c.close();
    } catch (e) {
      if (!(e instanceof Deno.errors.BadResource)) throw e;
    }
  };
  let draining = drain(raw);
  for (; sent < 200 && performance.now() < deadline; sent++) {
    const body = random(1 + Math.floor(Math.random() * 24));
    const bytes = sent % 3 === 0 ? frame(sent, 1, [...body]) : body;
    try {
      await raw.write(bytes);
    } catch {
      raw = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
      draining = drain(raw);
    }
    if (sent % 20 === 0) {
      assert.deepEqual((await good.readHoldingRegisters(12, 1)).data, [2], "the other client");
      close(raw);
      await draining;
      raw = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
      draining = drain(raw);
    }
  }
  close(raw);
  await draining;
  assert.equal(sent, 200, "200 frames within 5 s");
  assert.deepEqual((await good.readHoldingRegisters(0, 13)).data.length, 13);
  const s: Json = await t.status();
  assert.equal(s.modbus.listening, true);
  assert.deepEqual(s.connectors.map((c: Json) => c.status), ["Available", "Available"]);
});

Deno.test("clients that vanish mid-frame or before the answer do not harm the station", async () => {
  await using t = await modbusStation();
  await t.charge(1);
  for (let i = 0; i < 10; i++) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
    const request = i % 2 === 0
      ? frame(i, 1, [FC3, 0x10, 0, 0, 28])
      : frame(i, 1, [6, 0x11, 0x01, 0x27, 0x10]); // B+257 := 10000
    await conn.write(i % 4 < 2 ? request : request.slice(0, 9));
    conn.close();
  }
  const client = await t.client();
  assert.deepEqual((await client.readHoldingRegisters(B1 + 3, 1)).data, [3]);
  await t.waitFor(() => t.modbus.status().connections === 1, 2_000);
  const s = await t.status();
  assert.equal(s.connectors[0].status, "Charging");
  assert.ok([10_000, 32_000].includes(s.connectors[0].offeredMa));
});

Deno.test("many clients at once all get answers", async () => {
  await using t = await modbusStation();
  const clients = await Promise.all(Array.from({ length: 20 }, () => t.client()));
  const answers = await Promise.all(clients.map(async (c, i) => {
    const words: number[][] = [];
    for (let n = 0; n < 10; n++) {
      words.push((await c.readHoldingRegisters(i % 2 ? B1 : 0, 13)).data);
    }
    return words;
  }));
  assert.equal(answers.flat().length, 200);
  assert.equal(t.modbus.status().connections, 20);
});

Deno.test("beyond the connection limit the quietest connection is closed; idle ones too", async () => {
  await using t = await modbusStation({ modbus: { maxConnections: 3, idleTimeoutMs: 500 } });
  const connect = () => Deno.connect({ hostname: "127.0.0.1", port: t.port });
  const ask = async (c: Deno.Conn, id: number) => {
    await c.write(frame(id, 1, [FC3, 0, 12, 0, 1]));
    return await readFrame(c, 1_000);
  };
  const first = await connect();
  const busy = await Promise.all([connect(), connect()]);
  for (const [i, c] of busy.entries()) assert.ok(await ask(c, i), "answered");
  const fourth = await connect();
  assert.ok(await ask(fourth, 4), "a new connection is served");
  assert.equal(await readFrame(first, 1_000), null, "the quietest one was closed");
  await t.waitFor(() => t.modbus.status().connections === 3, 1_000);

  for (const c of [...busy, fourth]) c.close();
  await t.waitFor(() => t.modbus.status().connections === 0, 1_000);
  const idle = await connect();
  const openedAt = performance.now();
  assert.equal(await readFrame(idle, 3_000), null, "closed by the server");
  const idleMs = performance.now() - openedAt;
  assert.ok(idleMs > 400 && idleMs < 2_000, `closed after the idle timeout: ${idleMs} ms`);
  const client = await t.client();
  assert.deepEqual((await client.readHoldingRegisters(12, 1)).data, [2]);
});
