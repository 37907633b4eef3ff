/**
 * A serial line over its device file: line settings made with `stty` (baud rate, 8 data
 * bits, parity, stop bits, raw), the file opened twice (Deno queues the operations of one
 * file, so a pending read would hold every write back), bytes handed to a callback as they
 * arrive. Used by the RTU bus (`serial_port.ts`) and the RAPI controller (`drivers/rapi`).
 * @module
 */

/** Line settings. */
export interface LineSettings {
  baudRate: number;
  parity: "none" | "even" | "odd";
  stopBits: 1 | 2;
}

/** The `stty` arguments for `settings`. */
export function sttyArgs(path: string, s: LineSettings): string[] {
  return [
    "-F",
    path,
    String(s.baudRate),
    "raw",
    "-echo",
    "cs8",
    s.stopBits === 2 ? "cstopb" : "-cstopb",
    s.parity === "none" ? "-parenb" : "parenb",
    ...(s.parity === "odd" ? ["parodd"] : s.parity === "even" ? ["-parodd"] : []),
    "clocal",
    "-crtscts",
  ];
}

/** An open serial line. */
export class SerialLine {
  bytesIn = 0;
  bytesOut = 0;
  #path: string;
  #in: Deno.FsFile;
  #out: Deno.FsFile;
  #closed = false;
  /** Resolves when the line closed (by `close()`, or the device went away). */
  readonly closed: Promise<void>;

  private constructor(
    path: string,
    input: Deno.FsFile,
    out: Deno.FsFile,
    onData: (bytes: Uint8Array) => void,
  ) {
    this.#path = path;
    this.#in = input;
    this.#out = out;
    this.closed = this.#read(onData);
  }

  /** Sets the line up and opens it; `onData` gets every piece that arrives. */
  static async open(
    path: string,
    settings: LineSettings,
    onData: (bytes: Uint8Array) => void,
  ): Promise<SerialLine> {
    const stty = await new Deno.Command("stty", {
      args: sttyArgs(path, settings),
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!stty.success) {
      throw new Error(`stty ${path}: ${new TextDecoder().decode(stty.stderr).trim()}`);
    }
    const input = await Deno.open(path, { read: true });
    const out = await Deno.open(path, { write: true }).catch((e) => {
      input.close();
      throw e;
    });
    return new SerialLine(path, input, out, onData);
  }

  get isOpen(): boolean {
    return !this.#closed;
  }

  async #read(onData: (bytes: Uint8Array) => void): Promise<void> {
    const chunk = new Uint8Array(512);
    try {
      for (;;) {
        const n = await this.#in.read(chunk);
        if (n === null) break;
        this.bytesIn += n;
        onData(chunk.slice(0, n));
      }
    } catch {
      // The device went away or the line was closed.
    }
    this.close();
  }

  /** Writes all of `data`; rejects when the line is gone. */
  async write(data: Uint8Array): Promise<void> {
    if (this.#closed) throw new Error(`${this.#path} is not open`);
    this.bytesOut += data.length;
    for (let off = 0; off < data.length;) off += await this.#out.write(data.subarray(off));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const f of [this.#in, this.#out]) {
      try {
        f.close();
      } catch { /* closed */ }
    }
  }
}

/**
 * The far end of a line, for the device emulators: made raw by `stty`, opened twice (one
 * descriptor to read, one to write).
 */
export async function openRawEnd(path: string): Promise<{ input: Deno.FsFile; out: Deno.FsFile }> {
  const stty = await new Deno.Command("stty", {
    args: ["-F", path, "raw", "-echo"],
    stdout: "null",
    stderr: "null",
  }).output();
  if (!stty.success) throw new Error(`stty ${path} failed`);
  const input = await Deno.open(path, { read: true });
  return { input, out: await Deno.open(path, { write: true }) };
}
