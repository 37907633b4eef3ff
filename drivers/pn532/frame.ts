/**
 * The PN532's frame format (NXP PN532 User Manual, 6.2): preamble 00, start code 00 FF, LEN,
 * LCS (LEN + LCS = 0), TFI (D4 host to PN532, D5 back), the data, DCS (TFI + data + DCS = 0),
 * postamble 00; the ACK frame is 00 00 FF 00 FF 00.
 * @module
 */

/** Host to PN532. */
export const TFI_HOST = 0xd4;
/** PN532 to host. */
export const TFI_PN532 = 0xd5;

/** The ACK frame. */
export const ACK = new Uint8Array([0x00, 0x00, 0xff, 0x00, 0xff, 0x00]);

/** A normal information frame carrying `tfi` and `data` (command code and parameters). */
export function frame(tfi: number, data: readonly number[]): Uint8Array<ArrayBuffer> {
  const len = data.length + 1;
  const sum = data.reduce((a, b) => a + b, tfi);
  return new Uint8Array([
    0x00,
    0x00,
    0xff,
    len,
    (0x100 - len) & 0xff,
    tfi,
    ...data,
    (0x100 - (sum & 0xff)) & 0xff,
    0x00,
  ]);
}

/** What {@linkcode cutFrame} finds. */
export type Found =
  | { kind: "ack"; rest: Uint8Array<ArrayBuffer> }
  | { kind: "frame"; tfi: number; data: Uint8Array<ArrayBuffer>; rest: Uint8Array<ArrayBuffer> }
  | { kind: "bad"; rest: Uint8Array<ArrayBuffer> };

/** Finds the next ACK or frame in `buf` (skipping noise); undefined while incomplete. */
export function cutFrame(buf: Uint8Array<ArrayBuffer>): Found | undefined {
  for (let i = 0; i + 2 < buf.length; i++) {
    if (buf[i] !== 0x00 || buf[i + 1] !== 0xff) continue;
    const len = buf[i + 2];
    const lcs = buf[i + 3];
    if (len === undefined || lcs === undefined) return undefined;
    if (len === 0x00 && lcs === 0xff) return { kind: "ack", rest: buf.slice(i + 4) };
    if (((len + lcs) & 0xff) !== 0) return { kind: "bad", rest: buf.slice(i + 2) };
    const end = i + 4 + len + 1;
    if (end > buf.length) return undefined;
    const body = buf.slice(i + 4, i + 4 + len);
    const dcs = buf[i + 4 + len]!;
    const sum = body.reduce((a, b) => a + b, 0) + dcs;
    if ((sum & 0xff) !== 0) return { kind: "bad", rest: buf.slice(end) };
    return { kind: "frame", tfi: body[0]!, data: body.slice(1), rest: buf.slice(end) };
  }
  return undefined;
}
