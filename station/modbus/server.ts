/**
 * The Modbus TCP socket, on Deno's own sockets: MBAP framing (Modbus Messaging on TCP/IP
 * Implementation Guide v1.0b) and the four function codes the register map serves, answering
 * from a register handler. Function codes 3 and 4 read, 6 and 16 write; every other one (the
 * coils and discrete inputs among them) answers exception 1.
 *
 * Each connection's requests are answered in order, one at a time, so a client that sends
 * several before reading gets them back in the order sent. A frame whose function data has the
 * wrong length for its function code goes unanswered, as does one for another unit id or
 * another protocol id; a header that announces more than a Modbus frame can hold closes the
 * connection (nothing after it can be framed). Connections are bounded in number and in idle
 * time.
 *
 * Why not modbus-serial's `ServerTCP`: it needs Deno's Node `net` module and, through its
 * logging, `tty`; with the OCPP link on Deno's sockets too, the station loads neither (issue
 * 14). modbus-serial still drives the RS-485 meters (`drivers/rtu/`).
 * @module
 */
import type { Logger } from "@logtape/logtape";
import { concatBytes, readChunks } from "../bytes.ts";
import {
  ILLEGAL_DATA_VALUE,
  ILLEGAL_FUNCTION,
  ModbusException,
  SERVER_DEVICE_FAILURE,
} from "./errors.ts";

/** What answers requests: reads words, performs writes. Both throw `ModbusException`. */
export interface RegisterHandler {
  read(address: number, count: number): number[];
  write(address: number, values: number[]): Promise<void>;
}

/** Options of {@linkcode listenModbus}. */
export interface ListenOptions {
  hostname: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Requests for other unit ids go unanswered. */
  unitId: number;
  log: Logger;
  /** With port 0: the port to try first (the last one, so a restart keeps it). */
  preferPort?: number;
  /** Connections beyond this many close the one quiet the longest. @default 32 */
  maxConnections?: number;
  /** A connection without traffic for this long is closed. @default 300000 */
  idleTimeoutMs?: number;
}

/** A listening server. */
export interface ModbusListener {
  readonly hostname: string;
  /** The port it listens on (the one picked, for port 0). */
  readonly port: number;
  readonly unitId: number;
  /** Open client connections. */
  connections(): number;
  /** Stops listening and closes every client connection. */
  close(): Promise<void>;
}

/** The MBAP header: transaction id, protocol id, length (of what follows it). */
const MBAP_BYTES = 6;
/** Largest length an MBAP header may announce: the unit id and a PDU of at most 253 bytes. */
const MAX_MBAP_LENGTH = 254;
const FC_READ_HOLDING = 3;
const FC_READ_INPUT = 4;
const FC_WRITE_SINGLE = 6;
const FC_WRITE_MULTIPLE = 16;
const CLOSE_WAIT_MS = 2_000;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

/**
 * The response PDU to a request PDU (function code first), or null for a request to leave
 * unanswered (its length does not fit its function code). Throws `ModbusException`.
 */
export async function respond(
  pdu: Uint8Array,
  handler: RegisterHandler,
): Promise<Uint8Array | null> {
  const fc = pdu[0]!;
  switch (fc) {
    case FC_READ_HOLDING:
    case FC_READ_INPUT: {
      if (pdu.length !== 5) return null;
      const count = u16(pdu, 3);
      const words = handler.read(u16(pdu, 1), count);
      if (words.length !== count) {
        throw new Error(`The register map answered ${words.length} words for ${count}`);
      }
      const out = new Uint8Array(2 + 2 * count);
      out[0] = fc;
      out[1] = 2 * count;
      words.forEach((w, i) => {
        out[2 + 2 * i] = (w >> 8) & 0xff;
        out[3 + 2 * i] = w & 0xff;
      });
      return out;
    }
    case FC_WRITE_SINGLE: {
      if (pdu.length !== 5) return null;
      await handler.write(u16(pdu, 1), [u16(pdu, 3)]);
      return pdu.slice();
    }
    case FC_WRITE_MULTIPLE: {
      if (pdu.length < 6 || pdu.length !== 6 + pdu[5]!) return null;
      const count = u16(pdu, 3);
      if (pdu[5] !== 2 * count) {
        throw new ModbusException(
          ILLEGAL_DATA_VALUE,
          `Cannot write ${count} registers from ${pdu[5]} bytes`,
        );
      }
      const values = Array.from({ length: count }, (_, i) => u16(pdu, 6 + 2 * i));
      await handler.write(u16(pdu, 1), values);
      return pdu.slice(0, 5);
    }
    default:
      throw new ModbusException(ILLEGAL_FUNCTION, `Function code ${fc} is not supported`);
  }
}

/** One client connection: frames its requests and answers them in order. */
class Connection {
  lastActiveMs = performance.now();
  #received: Uint8Array = new Uint8Array(0);
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(
    readonly conn: Deno.TcpConn,
    readonly options: ListenOptions & { handler: RegisterHandler },
  ) {}

  async serve(): Promise<void> {
    this.#watchIdle();
    try {
      for await (const chunk of readChunks(this.conn)) {
        this.lastActiveMs = performance.now();
        this.#received = this.#received.length ? concatBytes(this.#received, chunk) : chunk;
        if (!await this.#answerFrames()) break;
      }
    } catch (e) {
      if (!this.#closed) this.options.log.debug(`Modbus connection: ${message(e)}`);
    } finally {
      this.close();
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    try {
      this.conn.close();
    } catch {
      // Closed already.
    }
  }

  /** Answers every complete frame received; false when the connection must close. */
  async #answerFrames(): Promise<boolean> {
    while (this.#received.length >= MBAP_BYTES && !this.#closed) {
      const b = this.#received;
      const length = u16(b, 4);
      if (length > MAX_MBAP_LENGTH) {
        this.options.log.debug(`Modbus connection: a header announces ${length} bytes, closing`);
        return false;
      }
      if (b.length < MBAP_BYTES + length) return true;
      const frame = b.subarray(MBAP_BYTES, MBAP_BYTES + length);
      this.#received = b.subarray(MBAP_BYTES + length);
      // Another protocol, no function code, or another unit: not ours to answer.
      if (u16(b, 2) !== 0 || length < 2 || frame[0] !== this.options.unitId) continue;
      const pdu = await this.#answer(frame.subarray(1));
      if (!pdu) continue;
      const out = new Uint8Array(MBAP_BYTES + 1 + pdu.length);
      out.set(b.subarray(0, 4));
      out[4] = ((pdu.length + 1) >> 8) & 0xff;
      out[5] = (pdu.length + 1) & 0xff;
      out[6] = frame[0]!;
      out.set(pdu, 7);
      for (let done = 0; done < out.length;) done += await this.conn.write(out.subarray(done));
    }
    return !this.#closed;
  }

  async #answer(request: Uint8Array): Promise<Uint8Array | null> {
    try {
      return await respond(request, this.options.handler);
    } catch (e) {
      const fc = request[0]!;
      if (!(e instanceof ModbusException)) {
        this.options.log.error(
          `Cannot answer function code ${fc}: ${e instanceof Error ? e.stack : e}`,
        );
      }
      const code = e instanceof ModbusException ? e.modbusErrorCode : SERVER_DEVICE_FAILURE;
      return new Uint8Array([fc | 0x80, code]);
    }
  }

  /** Closes the connection once it has been quiet for the idle timeout. */
  #watchIdle(): void {
    const { idleTimeoutMs = 300_000 } = this.options;
    const check = () => {
      const quietMs = performance.now() - this.lastActiveMs;
      if (quietMs >= idleTimeoutMs) this.close();
      else this.#idleTimer = setTimeout(check, idleTimeoutMs - quietMs);
    };
    this.#idleTimer = setTimeout(check, idleTimeoutMs);
  }
}

function listen(options: ListenOptions): Deno.TcpListener {
  const { hostname, port, preferPort } = options;
  if (port === 0 && preferPort) {
    try {
      return Deno.listen({ hostname, port: preferPort });
    } catch (e) {
      if (!(e instanceof Deno.errors.AddrInUse)) throw e;
    }
  }
  try {
    return Deno.listen({ hostname, port });
  } catch (e) {
    if (e instanceof Deno.errors.AddrInUse) throw new Error(`Port ${port} is in use`);
    throw e;
  }
}

/** Starts a Modbus TCP server answering from `handler`. */
export function listenModbus(
  handler: RegisterHandler,
  options: ListenOptions,
): Promise<ModbusListener> {
  const { maxConnections = 32, log } = options;
  const listener = listen(options);
  const open = new Set<Connection>();
  const served = new Set<Promise<void>>();
  let closing = false;
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        conn.setNoDelay(true);
        const connection = new Connection(conn, { ...options, handler });
        open.add(connection);
        const serving = connection.serve().finally(() => {
          open.delete(connection);
          served.delete(serving);
        });
        served.add(serving);
        if (open.size > maxConnections) {
          log.warn(`Modbus: more than ${maxConnections} connections, closing the quietest`);
          const others = [...open].filter((c) => c !== connection);
          others.sort((a, b) => a.lastActiveMs - b.lastActiveMs)[0]?.close();
        }
      }
    } catch (e) {
      if (!closing) log.error(`Modbus server: ${message(e)}`);
    }
  })();
  return Promise.resolve({
    hostname: options.hostname,
    port: listener.addr.port,
    unitId: options.unitId,
    connections: () => open.size,
    close: async () => {
      closing = true;
      try {
        listener.close();
      } catch {
        // Closed already.
      }
      for (const c of open) c.close();
      let late: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all([accepting, ...served]),
        new Promise<void>((resolve) => {
          late = setTimeout(() => {
            log.warn(`Modbus server did not close within ${CLOSE_WAIT_MS} ms`);
            resolve();
          }, CLOSE_WAIT_MS);
        }),
      ]);
      clearTimeout(late);
    },
  });
}
