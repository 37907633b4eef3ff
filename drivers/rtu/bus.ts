/**
 * One RS-485 bus, one owner: every request to every meter on it goes through this queue, one
 * at a time (a half-duplex bus answers one question at a time). modbus-serial builds the
 * requests and checks the answers; timeouts, CRC errors and exceptions are counted, and a
 * timeout or a CRC error is asked once more.
 * @module
 */
import ModbusRTU from "modbus-serial";
import { type LineSettings, RtuSerialPort } from "./serial_port.ts";

/** What the bus counted. */
export interface BusStats {
  requests: number;
  timeouts: number;
  crcErrors: number;
  exceptions: number;
  retries: number;
  failures: number;
}

/** A Modbus exception answer. */
export class ModbusException extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = "ModbusException";
  }
}

/** Options of {@linkcode RtuBus}. */
export interface RtuBusOptions extends LineSettings {
  path: string;
  /** Answer timeout. @default 300 ms */
  timeoutMs?: number;
  /** Tries after a timeout or CRC error. @default 1 */
  retries?: number;
}

// deno-lint-ignore no-explicit-any
type Client = any;

/** The owner of one serial bus. */
export class RtuBus implements AsyncDisposable {
  readonly stats: BusStats = {
    requests: 0,
    timeouts: 0,
    crcErrors: 0,
    exceptions: 0,
    retries: 0,
    failures: 0,
  };
  readonly path: string;
  #o: RtuBusOptions;
  #port: RtuSerialPort;
  #client: Client;
  #chain: Promise<unknown> = Promise.resolve();
  #opened: Promise<void> | undefined;
  #closed = false;

  constructor(o: RtuBusOptions) {
    this.#o = o;
    this.path = o.path;
    this.#port = new RtuSerialPort(o.path, o);
    // deno-lint-ignore no-explicit-any
    const Rtu = ModbusRTU as any;
    this.#client = new Rtu(this.#port);
    this.#client.setTimeout(o.timeoutMs ?? 300);
    // A line error (adapter pulled out) fails the request under way; the next one reopens.
    this.#client.on("error", () => this.#port.close());
  }

  /** Bytes in and out, and noise skipped. */
  get line(): RtuSerialPort["stats"] {
    return this.#port.stats;
  }

  #open(): Promise<void> {
    if (this.#port.isOpen) return Promise.resolve();
    this.#opened ??= new Promise<void>((resolve, reject) => {
      this.#client.open((e: Error | null) => (e ? reject(e) : resolve()));
    }).finally(() => this.#opened = undefined);
    return this.#opened;
  }

  /** Reads `count` registers with function code 3 or 4; queued behind the bus's others. */
  read(unit: number, fc: 3 | 4, address: number, count: number): Promise<number[]> {
    const run = this.#chain.then(() => this.#read(unit, fc, address, count));
    this.#chain = run.catch(() => {});
    return run;
  }

  async #read(unit: number, fc: 3 | 4, address: number, count: number): Promise<number[]> {
    if (this.#closed) throw new Error("Bus closed");
    const tries = 1 + (this.#o.retries ?? 1);
    let last: unknown;
    for (let attempt = 0; attempt < tries; attempt++) {
      if (attempt > 0) this.stats.retries++;
      this.stats.requests++;
      try {
        await this.#open();
        this.#client.setID(unit);
        const r = fc === 4
          ? await this.#client.readInputRegisters(address, count)
          : await this.#client.readHoldingRegisters(address, count);
        return r.data as number[];
      } catch (e) {
        last = e;
        // modbus-serial rejects with plain objects too ({ name, message, errno }).
        // deno-lint-ignore no-explicit-any
        const text = String((e as any)?.message ?? e);
        // deno-lint-ignore no-explicit-any
        const code = (e as any)?.modbusCode;
        if (typeof code === "number") {
          this.stats.exceptions++;
          this.stats.failures++;
          throw new ModbusException(code, `unit ${unit}: Modbus exception ${code} (${text})`);
        }
        if (/CRC/i.test(text)) this.stats.crcErrors++;
        else if (/timed out/i.test(text)) this.stats.timeouts++;
        else {
          // The line itself failed (device unplugged): reopen on the next request.
          this.#port.close();
        }
      }
    }
    this.stats.failures++;
    // deno-lint-ignore no-explicit-any
    throw last instanceof Error ? last : new Error(String((last as any)?.message ?? last));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#closed = true;
    await this.#chain;
    this.#port.close();
  }
}
