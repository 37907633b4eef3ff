import assert from "node:assert/strict";
import { concatAll, concatBytes, readChunks } from "./bytes.ts";

Deno.test("concatAll and concatBytes: the parts in order, in a new array", () => {
  const a = new Uint8Array([1, 2]);
  assert.deepEqual(
    concatAll([a, new Uint8Array(0), new Uint8Array([3])]),
    new Uint8Array([1, 2, 3]),
  );
  const joined = concatBytes(a, new Uint8Array([9]));
  assert.deepEqual(joined, new Uint8Array([1, 2, 9]));
  joined[0] = 7;
  assert.equal(a[0], 1);
});

/** A reader that gives `parts` one per read, as a socket hands over what has arrived. */
function reader(parts: number[][]) {
  let next = 0;
  let reads = 0;
  return {
    buffers: new Set<ArrayBufferLike>(),
    get reads() {
      return reads;
    },
    read(into: Uint8Array): Promise<number | null> {
      reads++;
      this.buffers.add(into.buffer);
      const part = parts[next];
      if (!part) return Promise.resolve(null);
      const n = Math.min(part.length, into.length);
      into.set(part.slice(0, n));
      if (n < part.length) parts[next] = part.slice(n);
      else next++;
      return Promise.resolve(n);
    },
  };
}

Deno.test("readChunks: every read through one buffer, each chunk a copy that stays valid", async () => {
  const r = reader([[1, 2, 3], [], [4, 5], [6]]);
  const chunks: Uint8Array[] = [];
  for await (const chunk of readChunks(r, 8)) chunks.push(chunk);
  // Kept chunks are not overwritten by later reads, and an empty read yields nothing.
  assert.deepEqual(chunks.map((c) => [...c]), [[1, 2, 3], [4, 5], [6]]);
  assert.equal(r.buffers.size, 1);
  assert.equal(r.reads, 5);
  for (const c of chunks) assert.notEqual(c.buffer, [...r.buffers][0]);
});

Deno.test("readChunks: more than the buffer arrives in several chunks, nothing lost", async () => {
  const big = Array.from({ length: 20 }, (_, i) => i);
  const chunks: number[][] = [];
  for await (const chunk of readChunks(reader([big]), 8)) chunks.push([...chunk]);
  assert.deepEqual(chunks.map((c) => c.length), [8, 8, 4]);
  assert.deepEqual(chunks.flat(), big);
});

Deno.test("readChunks: a failing read ends the iteration with its error", async () => {
  const failing = { read: () => Promise.reject(new Deno.errors.ConnectionReset("reset")) };
  await assert.rejects(async () => {
    for await (const _ of readChunks(failing)) { /* none */ }
  }, Deno.errors.ConnectionReset);
});
