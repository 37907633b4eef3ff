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
import { type LineSettings, SerialLine } from "./line.ts";

export { type LineSettings, sttyArgs } from "./line.ts";

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
  #line: SerialLine | undefined;
  #buffer = new Uint8Array(0);
  #request: Uint8Array | undefined;

  constructor(path: string, settings: LineSettings) {
    super();
    this.#path = path;
    this.#settings = settings;
  }

  get isOpen(): boolean {
    return this.#line?.isOpen ?? false;
  }

  open(callback: (error?: Error | null) => void): void {
    SerialLine.open(this.#path, this.#settings, (bytes) => {
      this.stats.bytesIn += bytes.length;
      this.#take(bytes);
    }).then((line) => {
      this.#line = line;
      line.closed.then(() => {
        if (this.#line === line) {
          this.#line = undefined;
          this.emit("close");
        }
      });
      callback(null);
      this.emit("open");
    }, (e) => callback(e instanceof Error ? e : new Error(String(e))));
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
    const line = this.#line;
    if (!line?.isOpen) {
      this.emit("error", new Error(`${this.#path} is not open`));
      return;
    }
    this._transactionIdRead = this._transactionIdWrite;
    this.#buffer = new Uint8Array(0);
    this.#request = new Uint8Array(data);
    this.stats.bytesOut += data.length;
    line.write(data).catch((e) => this.emit("error", e));
  }

  close(callback?: (error?: Error | null) => void): void {
    const line = this.#line;
    this.#line = undefined;
    line?.close();
    callback?.(null);
    this.emit("close");
  }
}
