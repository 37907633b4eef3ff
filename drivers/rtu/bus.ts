/**
 * One RS-485 bus, one owner: every request to every meter on it goes through this queue, one
 * at a time (a half-duplex bus answers one question at a time). modbus-serial builds the
 * requests and checks the answers; timeouts, CRC errors and exceptions are counted, and a
 * timeout or a CRC error is asked once more. modbus-serial loads with the first bus opened, so a
 * station without RS-485 meters never pays for the serial stack.
 * @module
 */
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
  #client: Client | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #opened: Promise<void> | undefined;
  #closed = false;

  constructor(o: RtuBusOptions) {
    this.#o = o;
    this.path = o.path;
    this.#port = new RtuSerialPort(o.path, o);
  }

  async #clientOf(): Promise<Client> {
    if (this.#client) return this.#client;
    const { default: Rtu } = await import("modbus-serial");
    // deno-lint-ignore no-explicit-any
    const client = new (Rtu as any)(this.#port);
    client.setTimeout(this.#o.timeoutMs ?? 300);
    // A line error (adapter pulled out) fails the request under way; the next one reopens.
    client.on("error", () => this.#port.close());
    return this.#client ??= client;
  }

  /** Bytes in and out, and noise skipped. */
  get line(): RtuSerialPort["stats"] {
    return this.#port.stats;
  }

  async #open(): Promise<Client> {
    const client = await this.#clientOf();
    if (this.#port.isOpen) return client;
    this.#opened ??= new Promise<void>((resolve, reject) => {
      client.open((e: Error | null) => (e ? reject(e) : resolve()));
    }).finally(() => this.#opened = undefined);
    await this.#opened;
    return client;
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
        const client = await this.#open();
        client.setID(unit);
        const r = fc === 4
          ? await client.readInputRegisters(address, count)
          : await client.readHoldingRegisters(address, count);
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
