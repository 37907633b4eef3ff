/**
 * File transfers of the OCPP FirmwareManagement profile over HTTP(S): a download streamed to
 * disk (hashed on the way, never held in memory), an upload by PUT (POST as multipart form when
 * PUT is refused with 405), and the retry loop both use. FTP is not supported.
 * @module
 */
import { noRoomReason } from "../disk_space.ts";
import { delay } from "../delay.ts";

export { delay } from "../delay.ts";
import { type Streamed, streamToFile, StreamTooLarge } from "../stream_file.ts";

/** Protocols this station transfers files with (SupportedFileTransferProtocols). */
export const TRANSFER_PROTOCOLS = ["http:", "https:"];

/** Archives up to this size are sent with a Content-Length (some servers, such as presigned
 * S3 URLs, refuse chunked uploads); larger ones are streamed. */
const BUFFER_MAX_BYTES = 64 * 1024 * 1024;

/** The URL of `location` when its protocol is supported; a RangeError says why not. */
export function transferUrl(location: string): URL {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new RangeError(`Cannot transfer: not a URL: ${location}`);
  }
  if (!TRANSFER_PROTOCOLS.includes(url.protocol)) {
    throw new RangeError(
      `Cannot transfer by ${url.protocol.replace(":", "")}: only HTTP and HTTPS are supported`,
    );
  }
  return url;
}

/** A URL for the log: credentials replaced. */
export function safeUrl(url: URL | string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = "***";
      u.password = "";
    }
    return u.href;
  } catch {
    return String(url);
  }
}

/** A file on disk with its size and SHA-256. */
export interface FileFacts {
  path: string;
  bytes: number;
  sha256: string;
}

/** Options of {@linkcode download}. */
export interface DownloadOptions {
  signal?: AbortSignal;
  /** Gives up when no byte arrives for this long. @default 60000 */
  idleTimeoutMs?: number;
  /** Most bytes the file may take (free space above the database reserve); checked against
   * Content-Length before writing and while streaming. */
  maxBytes?: number;
}

/**
 * Downloads `url` to `path`: streamed into `<path>.part`, renamed once complete (the size
 * matches Content-Length when the server sent one). A failed download leaves nothing behind.
 */
export async function download(
  url: URL,
  path: string,
  options: DownloadOptions = {},
): Promise<FileFacts> {
  const idleMs = options.idleTimeoutMs ?? 60_000;
  const idle = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, idle.signal]) : idle.signal;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => idle.abort(new Error(`No data for ${idleMs / 1000} s`)),
      idleMs,
    );
  };
  const part = `${path}.part`;
  try {
    touch();
    const res = await fetch(url, { signal });
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
    }
    const header = res.headers.get("content-length");
    const expected = header === null ? undefined : Number(header);
    const maxBytes = options.maxBytes ?? Infinity;
    const tooBig = (n: number) => noRoomReason(n, maxBytes);
    if (expected !== undefined && tooBig(expected)) {
      await res.body.cancel();
      throw new Error(tooBig(expected));
    }
    const file = await Deno.open(part, { write: true, create: true, truncate: true });
    let got: Streamed;
    try {
      got = await streamToFile(res.body, file, { maxBytes, onData: touch, signal });
    } catch (e) {
      throw e instanceof StreamTooLarge ? new Error(tooBig(e.bytes)) : e;
    } finally {
      file.close();
    }
    if (expected !== undefined && got.bytes !== expected) {
      throw new Error(`Download incomplete: ${got.bytes} of ${expected} bytes`);
    }
    await Deno.rename(part, path);
    return { path, bytes: got.bytes, sha256: got.sha256 };
  } catch (e) {
    await Deno.remove(part).catch(() => {});
    throw signal.aborted && signal.reason instanceof Error ? signal.reason : e;
  } finally {
    clearTimeout(timer);
  }
}

async function fileBody(path: string, size: number): Promise<Uint8Array | ReadableStream> {
  if (size <= BUFFER_MAX_BYTES) return await Deno.readFile(path);
  return (await Deno.open(path)).readable;
}

const encoder = new TextEncoder();

/** A multipart/form-data body with the file as field `file`. */
export function multipartBody(
  fileName: string,
  content: Uint8Array | ReadableStream<Uint8Array>,
): { body: Uint8Array | ReadableStream<Uint8Array>; contentType: string } {
  const boundary = `ladewerk-${crypto.randomUUID()}`;
  const head = encoder.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; ` +
      `filename="${fileName.replace(/["\r\n]/g, "_")}"\r\n` +
      `Content-Type: application/gzip\r\n\r\n`,
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  const contentType = `multipart/form-data; boundary=${boundary}`;
  if (content instanceof Uint8Array) {
    const body = new Uint8Array(head.length + content.length + tail.length);
    body.set(head, 0);
    body.set(content, head.length);
    body.set(tail, head.length + content.length);
    return { body, contentType };
  }
  const stream = content;
  async function* parts() {
    yield head;
    yield* stream;
    yield tail;
  }
  return { body: ReadableStream.from(parts()), contentType };
}

/** Options of {@linkcode upload}. */
export interface UploadOptions {
  signal?: AbortSignal;
  /** Gives up an attempt after this long. @default 600000 */
  timeoutMs?: number;
}

/**
 * Uploads the file at `path` to `url` by PUT; when the server answers 405 Method Not Allowed,
 * by POST as a multipart form (field `file`). Resolves with the method that worked.
 */
export async function upload(
  url: URL,
  path: string,
  fileName: string,
  options: UploadOptions = {},
): Promise<"PUT" | "POST"> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 600_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const size = (await Deno.stat(path)).size;
  const put = await fetch(url, {
    method: "PUT",
    body: await fileBody(path, size) as BodyInit,
    headers: { "content-type": "application/gzip" },
    signal,
  });
  await put.body?.cancel();
  if (put.ok) return "PUT";
  if (put.status !== 405) throw new Error(`PUT answered HTTP ${put.status}`);
  const { body, contentType } = multipartBody(fileName, await fileBody(path, size));
  const post = await fetch(url, {
    method: "POST",
    body: body as BodyInit,
    headers: { "content-type": contentType },
    signal,
  });
  await post.body?.cancel();
  if (!post.ok) throw new Error(`POST answered HTTP ${post.status}`);
  return "POST";
}

/** Options of {@linkcode withRetries}. */
export interface RetryOptions {
  /** Tries in all: the first and the retries. */
  attempts: number;
  intervalMs: number;
  signal?: AbortSignal;
  /** Hears each failed attempt (1-based) before the wait. */
  onFailure?: (attempt: number, error: unknown) => void;
}

/** Runs `fn` until it succeeds or `attempts` tries have failed (then rethrows the last error). */
export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (options.signal?.aborted) throw options.signal.reason;
      options.onFailure?.(attempt, e);
      if (attempt >= options.attempts) throw e;
      await delay(options.intervalMs, options.signal);
    }
  }
}
