import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { streamToFile, StreamTooLarge } from "./stream_file.ts";

function source(data: Uint8Array[], bytes: boolean): ReadableStream<Uint8Array> {
  // Copies: a byte stream takes (detaches) what is enqueued.
  const chunks = data.map((c) => c.slice());
  let i = 0;
  return bytes
    ? new ReadableStream({
      type: "bytes",
      pull(c) {
        if (i < chunks.length) return c.enqueue(chunks[i++]!);
        // A byte stream's pending BYOB read ends with an answer of 0 bytes after close.
        c.close();
        c.byobRequest?.respond(0);
      },
    })
    : new ReadableStream({
      pull(c) {
        if (i < chunks.length) c.enqueue(chunks[i++]!);
        else c.close();
      },
    });
}

Deno.test("streamToFile: byte and plain streams land whole with their sha256; too many bytes stop it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const chunks = Array.from({ length: 40 }, (_, n) => new Uint8Array(70_000).fill(n));
    const all = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
    chunks.reduce((off, c) => (all.set(c, off), off + c.length), 0);
    const sha = createHash("sha256").update(all).digest("hex");
    for (const bytes of [true, false]) {
      const path = join(dir, `f-${bytes}`);
      const file = await Deno.open(path, { write: true, create: true });
      let seen = 0;
      const r = await streamToFile(source(chunks, bytes), file, {
        onData: (n) => seen += n,
        bufferBytes: 50_000,
      });
      file.close();
      assert.deepEqual(r, { bytes: all.length, sha256: sha });
      assert.equal(seen, all.length);
      assert.deepEqual(await Deno.readFile(path), all);
    }
    const file = await Deno.open(join(dir, "big"), { write: true, create: true });
    const e = await streamToFile(source(chunks, true), file, { maxBytes: 100_000 }).catch((e) => e);
    file.close();
    assert.ok(e instanceof StreamTooLarge);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
