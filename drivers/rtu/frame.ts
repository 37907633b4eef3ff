/**
 * Modbus RTU framing (Modbus over Serial Line, V1.02): the CRC-16 (polynomial 0xA001, low
 * byte first) and the length of the answer a request expects, so a stream of bytes from a
 * serial line can be cut into whole frames, with garbage before a frame skipped.
 * @module
 */

/** CRC-16/MODBUS of `data`. */
export function crc16(data: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of data) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** `data` with its CRC appended. */
export function withCrc(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + 2);
  out.set(data);
  const crc = crc16(data);
  out[data.length] = crc & 0xff;
  out[data.length + 1] = crc >> 8;
  return out;
}

/** Whether a whole frame's CRC is right. */
export function crcOk(frame: Uint8Array): boolean {
  if (frame.length < 4) return false;
  const crc = crc16(frame.subarray(0, -2));
  return frame[frame.length - 2] === (crc & 0xff) && frame[frame.length - 1] === crc >> 8;
}

/** Length of the answer to `request` (without an exception), or undefined if not known. */
export function answerLength(request: Uint8Array): number | undefined {
  const fc = request[1];
  const qty = ((request[4] ?? 0) << 8) | (request[5] ?? 0);
  switch (fc) {
    case 1:
    case 2:
      return 5 + Math.ceil(qty / 8);
    case 3:
    case 4:
      return 5 + 2 * qty;
    case 5:
    case 6:
    case 15:
    case 16:
      return 8;
    default:
      return undefined;
  }
}

/** Length of a request frame starting at `buf[0]` (server side), or undefined if unknown. */
export function requestLength(buf: Uint8Array): number | undefined {
  switch (buf[1]) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
      return 8;
    case 15:
    case 16:
      return buf.length >= 7 ? 9 + buf[6]! : undefined;
    default:
      return undefined;
  }
}

/**
 * Finds the answer to `request` in `buf`: skips bytes until a frame from the same unit with
 * the same function code (or its exception) starts; returns the frame and what follows it,
 * or undefined while it is not all there.
 */
export function cutAnswer(
  buf: Uint8Array,
  request: Uint8Array,
): { frame: Uint8Array; rest: Uint8Array; skipped: number } | undefined {
  const unit = request[0];
  const fc = request[1]!;
  const length = answerLength(request);
  for (let i = 0; i + 1 < buf.length; i++) {
    if (buf[i] !== unit) continue;
    const f = buf[i + 1]!;
    const size = f === (fc | 0x80) ? 5 : f === fc ? length : undefined;
    if (size === undefined) continue;
    // A read answer carries its byte count: it must fit the request.
    if ((fc === 3 || fc === 4) && f === fc && i + 2 < buf.length && buf[i + 2] !== size - 5) {
      continue;
    }
    if (i + size > buf.length) return undefined;
    const frame = buf.slice(i, i + size);
    // A bad CRC with more bytes behind it may be garbage that looked like a start; at the
    // end of what arrived it is the answer, damaged: passed on, so the master says CRC error.
    if (!crcOk(frame) && i + size < buf.length) continue;
    return { frame, rest: buf.slice(i + size), skipped: i };
  }
  return undefined;
}
