/**
 * Values to 16-bit registers and back: unsigned integers big-endian with the high word first,
 * strings two ASCII characters per register with the high byte first, padded with NUL.
 * Encoding never fails: a read must always answer, so values are clamped to the type's range.
 * @module
 */

const U16_MAX = 0xffff;
const U32_MAX = 0xffff_ffff;
const U64_MAX = (1n << 64n) - 1n;

/** A whole number in 0..`max`: rounded to nearest, clamped; NaN becomes 0. */
function clamp(value: number, max: number): number {
  if (Number.isNaN(value) || value <= 0) return 0;
  return value >= max ? max : Math.round(value);
}

/** One register from a number (rounded, clamped to 0..65535). */
export function u16Word(value: number): number {
  return clamp(value, U16_MAX);
}

/** Two registers, high word first, from a number (rounded, clamped to 0..2^32-1). */
export function u32Words(value: number): [number, number] {
  const v = clamp(value, U32_MAX);
  return [Math.floor(v / 0x1_0000), v % 0x1_0000];
}

/** Four registers, high word first, from a number or bigint (clamped to 0..2^64-1). */
export function u64Words(value: number | bigint): [number, number, number, number] {
  let v: bigint;
  if (typeof value === "bigint") v = value < 0n ? 0n : value > U64_MAX ? U64_MAX : value;
  else v = Number.isFinite(value) ? BigInt(Math.max(0, Math.round(value))) : 0n;
  if (v > U64_MAX) v = U64_MAX;
  return [48n, 32n, 16n, 0n].map((shift) => Number((v >> shift) & 0xffffn)) as [
    number,
    number,
    number,
    number,
  ];
}

/**
 * `words` registers holding `text`: two characters per register, high byte first, NUL padded,
 * cut to `2 * words` characters. Characters outside printable ASCII become `?`.
 */
export function stringWords(text: string, words: number): number[] {
  const bytes = new Uint8Array(words * 2);
  for (let i = 0; i < Math.min(text.length, bytes.length); i++) {
    const code = text.charCodeAt(i);
    bytes[i] = code >= 0x20 && code < 0x7f ? code : 0x3f;
  }
  return Array.from({ length: words }, (_, i) => bytes[2 * i]! * 0x100 + bytes[2 * i + 1]!);
}

/** The text in registers written by {@linkcode stringWords}, without the NUL padding. */
export function wordsToString(words: readonly number[]): string {
  const chars = words.flatMap((w) => [w >> 8, w & 0xff]);
  const end = chars.indexOf(0);
  return String.fromCharCode(...(end < 0 ? chars : chars.slice(0, end)));
}

/** The number in two registers, high word first. */
export function wordsToU32(words: readonly number[]): number {
  if (words.length !== 2) throw new RangeError(`Cannot decode u32: ${words.length} words`);
  return words[0]! * 0x1_0000 + words[1]!;
}

/** The number in four registers, high word first. */
export function wordsToU64(words: readonly number[]): bigint {
  if (words.length !== 4) throw new RangeError(`Cannot decode u64: ${words.length} words`);
  return words.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n);
}
