/**
 * Byte helpers shared by the socket code (the Modbus TCP server, the OCPP WebSocket client).
 * @module
 */

/** `a` followed by `b`, in a new array. */
export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  return concatAll([a, b]);
}

/** The parts one after the other, in one new array (one copy of each, however many). */
export function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** What {@linkcode readChunks} reads from: a `Deno.Conn`. */
export interface ByteReader {
  read(into: Uint8Array): Promise<number | null>;
}

/**
 * The bytes of `reader` until its end, a copy of each read, all read through one buffer of
 * `size` bytes. `conn.readable` allocates a new 64 KiB buffer for every read, however few bytes
 * come: under 10 Modbus clients polling, that is 3 MiB a second through the allocator, and the
 * process's heap grew by megabytes with it (issue 14).
 */
export async function* readChunks(reader: ByteReader, size = 4096): AsyncGenerator<Uint8Array> {
  const buffer = new Uint8Array(size);
  for (;;) {
    const n = await reader.read(buffer);
    if (n === null) return;
    if (n > 0) yield buffer.slice(0, n);
  }
}
