import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import {
  ILLEGAL_DATA_ADDRESS,
  ILLEGAL_DATA_VALUE,
  ILLEGAL_FUNCTION,
  ModbusException,
} from "./errors.ts";
import { listenModbus, type RegisterHandler, respond } from "./server.ts";

/** Ten registers holding 0x0100 + address; writes recorded. */
function table(): RegisterHandler & { writes: [number, number[]][] } {
  const writes: [number, number[]][] = [];
  return {
    writes,
    read: (address, count) => {
      if (count < 1 || count > 125) throw new ModbusException(ILLEGAL_DATA_VALUE, "count");
      if (address + count > 10) throw new ModbusException(ILLEGAL_DATA_ADDRESS, "out of the map");
      return Array.from({ length: count }, (_, i) => 0x0100 + address + i);
    },
    write: (address, values) => {
      writes.push([address, values]);
      return Promise.resolve();
    },
  };
}

const bytes = (...b: number[]) => new Uint8Array(b);
const code = (c: number) => (e: unknown) => e instanceof ModbusException && e.modbusErrorCode === c;

Deno.test("respond() reads big-endian words, echoes writes, and leaves malformed requests unanswered", async () => {
  const h = table();
  assert.deepEqual(await respond(bytes(3, 0, 2, 0, 2), h), bytes(3, 4, 1, 2, 1, 3));
  assert.deepEqual(await respond(bytes(4, 0, 0, 0, 1), h), bytes(4, 2, 1, 0));
  assert.deepEqual(await respond(bytes(6, 0, 5, 0x12, 0x34), h), bytes(6, 0, 5, 0x12, 0x34));
  assert.deepEqual(
    await respond(bytes(16, 0, 1, 0, 2, 4, 0, 7, 0, 8), h),
    bytes(16, 0, 1, 0, 2),
  );
  assert.deepEqual(h.writes, [[5, [0x1234]], [1, [7, 8]]]);
  // Lengths that do not fit the function code: no answer, nothing written.
  for (const pdu of [bytes(3, 0, 0), bytes(3, 0, 0, 0, 1, 9), bytes(16, 0, 0, 0, 2, 4, 0, 1)]) {
    assert.equal(await respond(pdu, h), null);
  }
  assert.equal(h.writes.length, 2);
  await assert.rejects(respond(bytes(16, 0, 0, 0, 2, 2, 0, 1), h), code(ILLEGAL_DATA_VALUE));
  await assert.rejects(respond(bytes(3, 0, 9, 0, 2), h), code(ILLEGAL_DATA_ADDRESS));
  await assert.rejects(respond(bytes(3, 0, 0, 0x07, 0xd0), h), code(ILLEGAL_DATA_VALUE));
  for (const fc of [1, 2, 5, 15, 43, 0x41]) {
    await assert.rejects(respond(bytes(fc, 0, 0, 0, 1), h), code(ILLEGAL_FUNCTION));
  }
});

Deno.test("listenModbus() answers pipelined requests in order, with their transaction ids", async () => {
  const server = await listenModbus(table(), {
    hostname: "127.0.0.1",
    port: 0,
    unitId: 1,
    log: getLogger(["test"]),
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  try {
    // Two reads and a request for function code 1 in one write.
    await conn.write(bytes(
      ...[0, 7, 0, 0, 0, 6, 1, 3, 0, 0, 0, 1],
      ...[0, 8, 0, 0, 0, 6, 1, 3, 0, 1, 0, 1],
      ...[0, 9, 0, 0, 0, 6, 1, 1, 0, 0, 0, 1],
    ));
    const expected = [
      ...[0, 7, 0, 0, 0, 5, 1, 3, 2, 1, 0],
      ...[0, 8, 0, 0, 0, 5, 1, 3, 2, 1, 1],
      ...[0, 9, 0, 0, 0, 3, 1, 0x81, ILLEGAL_FUNCTION],
    ];
    const got: number[] = [];
    const buf = new Uint8Array(256);
    while (got.length < expected.length) {
      const n = await conn.read(buf);
      if (n === null) break;
      got.push(...buf.subarray(0, n));
    }
    assert.deepEqual(got, expected);
    assert.equal(server.connections(), 1);
  } finally {
    conn.close();
    await server.close();
  }
});
