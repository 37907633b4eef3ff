/**
 * A minimal ustar (POSIX tar) writer, and a reader for tests and checks: regular files only.
 * @module
 */

/** One file of an archive. */
export interface TarEntry {
  /** Path inside the archive, `/`-separated, at most 255 bytes (100 without a `/`). */
  name: string;
  data: Uint8Array<ArrayBuffer>;
  /** Modification time. @default now */
  mtimeMs?: number;
  /** Permission bits. @default 0o644 */
  mode?: number;
}

const BLOCK = 512;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function writeString(header: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = encoder.encode(value);
  if (bytes.length > length) throw new RangeError(`Tar field too long: ${value}`);
  header.set(bytes, offset);
}

function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  // length - 1 octal digits and a NUL.
  const text = Math.floor(value).toString(8).padStart(length - 1, "0");
  if (text.length > length - 1) throw new RangeError(`Tar number too large: ${value}`);
  writeString(header, offset, length, text);
}

/** Splits a long path into ustar `prefix` and `name`. */
function splitName(path: string): [prefix: string, name: string] {
  if (encoder.encode(path).length <= 100) return ["", path];
  for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (encoder.encode(prefix).length <= 155 && encoder.encode(name).length <= 100) {
      return [prefix, name];
    }
  }
  throw new RangeError(`Cannot store a path this long in tar: ${path}`);
}

/** The 512-byte ustar header of a regular file. */
export function tarHeader(entry: TarEntry): Uint8Array<ArrayBuffer> {
  const header = new Uint8Array(BLOCK);
  const [prefix, name] = splitName(entry.name);
  writeString(header, 0, 100, name);
  writeOctal(header, 100, 8, entry.mode ?? 0o644);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, entry.data.length);
  writeOctal(header, 136, 12, (entry.mtimeMs ?? Date.now()) / 1000);
  header.fill(0x20, 148, 156); // the checksum counts as blanks while summing
  header[156] = 0x30; // "0": regular file
  writeString(header, 257, 6, "ustar");
  writeString(header, 263, 2, "00");
  writeString(header, 265, 32, "ladewerk");
  writeString(header, 297, 32, "ladewerk");
  writeString(header, 345, 155, prefix);
  const sum = header.reduce((a, b) => a + b, 0);
  writeString(header, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return header;
}

/** Streams a tar archive of `entries`, produced one entry at a time. */
export function tarStream(
  entries: AsyncIterable<TarEntry> | Iterable<TarEntry>,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  async function* blocks(): AsyncGenerator<Uint8Array<ArrayBuffer>> {
    for await (const entry of entries) {
      yield tarHeader(entry);
      if (entry.data.length > 0) yield entry.data;
      const pad = (BLOCK - (entry.data.length % BLOCK)) % BLOCK;
      if (pad > 0) yield new Uint8Array(pad);
    }
    yield new Uint8Array(BLOCK * 2);
  }
  return ReadableStream.from(blocks());
}

/** A file read back from an archive. */
export interface TarFile {
  name: string;
  data: Uint8Array<ArrayBuffer>;
  mtimeMs: number;
}

function readString(block: Uint8Array, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return decoder.decode(end === -1 ? field : field.subarray(0, end));
}

function readOctal(block: Uint8Array, offset: number, length: number): number {
  const text = readString(block, offset, length).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

/** Reads a ustar archive; throws TypeError when a header is broken. */
export function readTar(archive: Uint8Array): TarFile[] {
  const files: TarFile[] = [];
  for (let at = 0; at + BLOCK <= archive.length;) {
    const block = archive.subarray(at, at + BLOCK);
    if (block.every((b) => b === 0)) break;
    const stored = readOctal(block, 148, 8);
    const copy = block.slice();
    copy.fill(0x20, 148, 156);
    if (copy.reduce((a, b) => a + b, 0) !== stored) {
      throw new TypeError(`Broken tar header at byte ${at}: checksum`);
    }
    if (readString(block, 257, 6) !== "ustar") {
      throw new TypeError(`Broken tar header at byte ${at}: not ustar`);
    }
    const size = readOctal(block, 124, 12);
    const prefix = readString(block, 345, 155);
    const name = readString(block, 0, 100);
    files.push({
      name: prefix ? `${prefix}/${name}` : name,
      data: archive.slice(at + BLOCK, at + BLOCK + size),
      mtimeMs: readOctal(block, 136, 12) * 1000,
    });
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
