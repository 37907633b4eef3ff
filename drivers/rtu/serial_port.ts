/**
 * A serial line for modbus-serial: the device file opened with Deno (the serialport native
 * binding does not run under Deno 2.9: "Bad file descriptor"), its line settings made with
 * `stty` (baud rate, 8 data bits, parity, stop bits, raw), and the bytes cut into whole RTU
 * answers (`frame.ts`) before modbus-serial sees them, as its own buffered RTU port does.
 * @module
 */
import { EventEmitter } from "node:events";
import { Buffer } from "node:buffer";
import { cutAnswer } from "./frame.ts";

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

/** Counters of what arrived that was no answer. */
export interface LineStats {
  bytesIn: number;
  bytesOut: number;
  /** Bytes skipped before an answer (noise, a late answer to an earlier request). */
  skipped: number;
}

/** A framed RTU port over a device file; the shape modbus-serial expects of a port. */
export class RtuSerialPort extends EventEmitter {
  readonly stats: LineStats = { bytesIn: 0, bytesOut: 0, skipped: 0 };
  _transactionIdRead = 1;
  _transactionIdWrite = 1;
  #path: string;
  #settings: LineSettings;
  #file: Deno.FsFile | undefined;
  #out: Deno.FsFile | undefined;
  #buffer = new Uint8Array(0);
  #request: Uint8Array | undefined;

  constructor(path: string, settings: LineSettings) {
    super();
    this.#path = path;
    this.#settings = settings;
  }

  get isOpen(): boolean {
    return this.#file !== undefined;
  }

  open(callback: (error?: Error | null) => void): void {
    (async () => {
      const stty = await new Deno.Command("stty", {
        args: sttyArgs(this.#path, this.#settings),
        stdout: "null",
        stderr: "piped",
      }).output();
      if (!stty.success) {
        throw new Error(`stty ${this.#path}: ${new TextDecoder().decode(stty.stderr).trim()}`);
      }
      // Two descriptors: Deno queues the operations of one file, so a pending read would
      // hold every write back.
      this.#file = await Deno.open(this.#path, { read: true });
      this.#out = await Deno.open(this.#path, { write: true });
      void this.#readLoop(this.#file);
    })().then(() => {
      callback(null);
      this.emit("open");
    }, (e) => callback(e instanceof Error ? e : new Error(String(e))));
  }

  async #readLoop(file: Deno.FsFile): Promise<void> {
    const chunk = new Uint8Array(512);
    try {
      for (;;) {
        const n = await file.read(chunk);
        if (n === null) break;
        this.stats.bytesIn += n;
        this.#take(chunk.subarray(0, n));
      }
    } catch (e) {
      if (this.#file === file) this.emit("error", e);
    }
    if (this.#file === file) {
      this.#file = undefined;
      this.emit("close");
    }
  }

  #take(bytes: Uint8Array): void {
    const joined = new Uint8Array(this.#buffer.length + bytes.length);
    joined.set(this.#buffer);
    joined.set(bytes, this.#buffer.length);
    // Nothing is asked: whatever arrives is noise. The buffer never grows past one frame.
    if (!this.#request) {
      this.stats.skipped += joined.length;
      this.#buffer = new Uint8Array(0);
      return;
    }
    this.#buffer = joined.length > 512 ? joined.slice(-512) : joined;
    const found = cutAnswer(this.#buffer, this.#request);
    if (!found) return;
    this.stats.skipped += found.skipped;
    this.#buffer = new Uint8Array(0);
    this.#request = undefined;
    this.emit("data", Buffer.from(found.frame));
  }

  write(data: Uint8Array): void {
    const file = this.#out;
    if (!file) {
      this.emit("error", new Error(`${this.#path} is not open`));
      return;
    }
    this._transactionIdRead = this._transactionIdWrite;
    this.#buffer = new Uint8Array(0);
    this.#request = new Uint8Array(data);
    this.stats.bytesOut += data.length;
    (async () => {
      for (let off = 0; off < data.length;) off += await file.write(data.subarray(off));
    })().catch((e) => this.emit("error", e));
  }

  close(callback?: (error?: Error | null) => void): void {
    const files = [this.#file, this.#out];
    this.#file = this.#out = undefined;
    for (const f of files) {
      try {
        f?.close();
      } catch { /* closed */ }
    }
    callback?.(null);
    this.emit("close");
  }
}
