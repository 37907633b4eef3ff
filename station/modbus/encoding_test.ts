import assert from "node:assert/strict";
import {
  stringWords,
  u16Word,
  u32Words,
  u64Words,
  wordsToString,
  wordsToU32,
  wordsToU64,
} from "./encoding.ts";

Deno.test("u16Word() rounds and clamps to 0..65535, NaN reads 0", () => {
  const cases: [number, number][] = [
    [0, 0],
    [2300, 2300],
    [31999.6, 32000],
    [65535, 65535],
    [70000, 65535],
    [-5, 0],
    [NaN, 0],
    [Infinity, 65535],
  ];
  for (const [value, word] of cases) assert.equal(u16Word(value), word, `${value}`);
});

Deno.test("u32Words() puts the high word first", () => {
  assert.deepEqual(u32Words(24110001), [367, 58289]);
  assert.deepEqual(u32Words(0x1234_5678), [0x1234, 0x5678]);
  assert.deepEqual(u32Words(2 ** 40), [0xffff, 0xffff]);
  assert.equal(wordsToU32(u32Words(4_000_000_000)), 4_000_000_000);
});

Deno.test("u64Words() puts the high word first for numbers and bigints", () => {
  assert.deepEqual(u64Words(0x1_0002_0003), [0, 1, 2, 3]);
  assert.deepEqual(u64Words(0x0001_0002_0003_0004n), [1, 2, 3, 4]);
  assert.deepEqual(u64Words(1_764_000_000), [0, 0, 0x6924, 0x8100]);
  assert.deepEqual(u64Words(-1), [0, 0, 0, 0]);
  assert.deepEqual(u64Words(1n << 70n), [0xffff, 0xffff, 0xffff, 0xffff]);
  assert.equal(wordsToU64(u64Words(123_456_789_012)), 123_456_789_012n);
});

Deno.test("stringWords() packs two ASCII characters per register, high byte first, NUL padded", () => {
  assert.deepEqual(stringWords("ladewerk", 5), [0x6c61, 0x6465, 0x7765, 0x726b, 0]);
  assert.deepEqual(stringWords("abc", 2), [0x6162, 0x6300]);
  assert.deepEqual(stringWords("toolongtext", 2), [0x746f, 0x6f6c]);
  assert.deepEqual(stringWords("ä", 1), [0x3f00], "non-ASCII becomes ?");
  assert.equal(wordsToString(stringWords("ladewerk", 5)), "ladewerk");
});
