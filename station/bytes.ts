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
