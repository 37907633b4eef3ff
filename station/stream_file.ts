/**
 * Writes a byte stream (an upload, a download) to a file through one reused buffer: a BYOB
 * reader fills it, the file takes it, the hash sees it. `pipeTo(file.writable)` allocates a
 * fresh chunk for each read and leaves them to the garbage collector: a 200 MB upload grew
 * the process by about 270 MB that way, by about 13 MB this way. Streams without BYOB support
 * fall back to their chunks.
 * @module
 */

/** Thrown when more than `maxBytes` arrive. */
export class StreamTooLarge extends Error {
  constructor(readonly bytes: number) {
    super(`More than the allowed bytes arrived (${bytes} so far)`);
    this.name = "StreamTooLarge";
  }
}

/** Options of {@linkcode streamToFile}. */
export interface StreamToFileOptions {
  /** More than this many bytes is an error ({@linkcode StreamTooLarge}). */
  maxBytes?: number;
  /** Called with each piece's size (progress, an idle timer). */
  onData?: (bytes: number) => void;
  signal?: AbortSignal;
  /** Size of the reused buffer. @default 256 KiB */
  bufferBytes?: number;
}

/** What was written. */
export interface Streamed {
  bytes: number;
  sha256: string;
}

async function writeAll(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  for (let off = 0; off < data.byteLength;) off += await file.write(data.subarray(off));
}

/** Streams `body` into `file` (not closed here); rejects on abort or too many bytes. */
export async function streamToFile(
  body: ReadableStream<Uint8Array>,
  file: Deno.FsFile,
  o: StreamToFileOptions = {},
): Promise<Streamed> {
  // node:crypto loads with the first upload, not with the program (issue 14).
  const { createHash } = await import("node:crypto");
  const hash = createHash("sha256");
  const max = o.maxBytes ?? Infinity;
  let bytes = 0;
  const take = async (data: Uint8Array) => {
    bytes += data.byteLength;
    if (bytes > max) throw new StreamTooLarge(bytes);
    o.onData?.(data.byteLength);
    hash.update(data);
    await writeAll(file, data);
  };
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch { /* not a byte stream */ }
  const reader = byob ?? body.getReader();
  const onAbort = () => void reader.cancel(o.signal?.reason).catch(() => {});
  o.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    if (byob) {
      let buffer = new Uint8Array(o.bufferBytes ?? 256 * 1024);
      for (;;) {
        const { value, done } = await byob.read(buffer);
        if (o.signal?.aborted) throw o.signal.reason;
        if (done || !value) break;
        await take(value);
        buffer = new Uint8Array(value.buffer);
      }
    } else {
      const plain = reader as ReadableStreamDefaultReader<Uint8Array>;
      for (;;) {
        const { value, done } = await plain.read();
        if (o.signal?.aborted) throw o.signal.reason;
        if (done) break;
        await take(value);
      }
    }
  } catch (e) {
    await reader.cancel(e).catch(() => {});
    throw e;
  } finally {
    o.signal?.removeEventListener("abort", onAbort);
    reader.releaseLock();
  }
  return { bytes, sha256: hash.digest("hex") };
}
