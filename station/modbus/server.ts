/**
 * The Modbus TCP socket: modbus-serial's `ServerTCP` answering from a register handler.
 * Frames, transaction ids and exception responses are the library's; this module guards every
 * callback (a failing handler becomes an exception response, never a thrown error), bounds
 * connections, and finds a free port for port 0 (`ServerTCP` would take 0 for 502).
 * @module
 */
import type { Logger } from "@logtape/logtape";
import type ModbusRTU from "modbus-serial";
// The TCP server module alone: the package's index also loads its serial and client stack.
import ServerTcpModule from "modbus-serial/servers/servertcp.js";
import type { Server, Socket } from "node:net";
import { ILLEGAL_FUNCTION, ModbusException, SERVER_DEVICE_FAILURE } from "./errors.ts";

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
  /** Connections beyond this many are closed at once. @default 32 */
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

type ServerTCP = InstanceType<typeof ModbusRTU.ServerTCP>;
const ServerTcpClass = ServerTcpModule as unknown as typeof ModbusRTU.ServerTCP;

const BIND_ATTEMPTS = 5;
const CLOSE_WAIT_MS = 2_000;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The callbacks `ServerTCP` calls; each answers, or throws a `ModbusException`. */
function vectorOf(handler: RegisterHandler, log: Logger) {
  const failure = (what: string, e: unknown) => {
    if (e instanceof ModbusException) return e;
    log.error(`Cannot ${what}: ${e instanceof Error ? e.stack : e}`);
    return new ModbusException(SERVER_DEVICE_FAILURE, `Cannot ${what}: ${message(e)}`);
  };
  const read = (address: number, count: number) => {
    try {
      return handler.read(address, count);
    } catch (e) {
      throw failure(`read ${count} registers at ${address}`, e);
    }
  };
  const write = async (address: number, values: number[]) => {
    try {
      await handler.write(address, values);
    } catch (e) {
      throw failure(`write ${values.length} registers at ${address}`, e);
    }
  };
  const noBits = (_address: number) => {
    throw new ModbusException(ILLEGAL_FUNCTION, "No coils or discrete inputs");
  };
  // modbus-serial picks callback style by a function's declared arity: keep them short.
  return {
    getHoldingRegister: (address: number) => read(address, 1)[0]!,
    getMultipleHoldingRegisters: (address: number, count: number) => read(address, count),
    getInputRegister: (address: number) => read(address, 1)[0]!,
    getMultipleInputRegisters: (address: number, count: number) => read(address, count),
    setRegister: (address: number, value: number) => write(address, [value]),
    setRegisterArray: (address: number, values: number[]) => write(address, values),
    getCoil: noBits,
    getDiscreteInput: noBits,
    setCoil: noBits,
  };
}

function freePort(hostname: string): number {
  const listener = Deno.listen({ hostname, port: 0 });
  try {
    return listener.addr.port;
  } finally {
    listener.close();
  }
}

function close(server: ServerTCP, log: Logger): Promise<void> {
  const { promise, resolve } = Promise.withResolvers<void>();
  const late = setTimeout(() => {
    log.warn(`Modbus server did not close within ${CLOSE_WAIT_MS} ms`);
    resolve();
  }, CLOSE_WAIT_MS);
  // The callback gets an error when the server never listened: closed either way.
  server.close(() => resolve());
  return promise.finally(() => clearTimeout(late));
}

async function bind(
  vector: ReturnType<typeof vectorOf>,
  options: ListenOptions,
  port: number,
): Promise<ServerTCP> {
  const { log } = options;
  const server = new ServerTcpClass(vector, {
    host: options.hostname,
    port,
    unitID: options.unitId,
  });
  // Without an "error" listener an emitted error would throw.
  server.on("error", (e) => log.warn(`Modbus server: ${message(e)}`));
  server.on("socketError", (e) => log.debug(`Modbus connection: ${message(e)}`));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("initialized", () => resolve());
      server.once("serverError", reject);
    });
  } catch (e) {
    await close(server, log);
    throw e;
  }
  server.on("serverError", (e) => log.error(`Modbus server: ${message(e)}`));
  limitConnections(server, options);
  return server;
}

/**
 * Closes idle connections and, beyond the limit, the one quiet the longest: the library keeps
 * every connection forever, and a client that opens one per request without closing them
 * would otherwise use up the station's file descriptors.
 */
function limitConnections(server: ServerTCP, options: ListenOptions): void {
  const { maxConnections = 32, idleTimeoutMs = 300_000, log } = options;
  const net = (server as unknown as { _server?: Server })._server;
  if (typeof net?.on !== "function") {
    log.warn("Modbus server: cannot limit connections (modbus-serial changed)");
    return;
  }
  const lastActiveMs = new Map<Socket, number>();
  net.on("connection", (socket: Socket) => {
    lastActiveMs.set(socket, performance.now());
    socket.on("data", () => lastActiveMs.set(socket, performance.now()));
    socket.once("close", () => lastActiveMs.delete(socket));
    socket.setTimeout(idleTimeoutMs, () => socket.destroy());
    if (lastActiveMs.size <= maxConnections) return;
    const [quietest] = [...lastActiveMs].filter(([s]) => s !== socket)
      .sort(([, a], [, b]) => a - b)[0] ?? [];
    log.warn(`Modbus: more than ${maxConnections} connections, closing the quietest`);
    quietest?.destroy();
  });
}

/** Starts a Modbus TCP server answering from `handler`. */
export async function listenModbus(
  handler: RegisterHandler,
  options: ListenOptions,
): Promise<ModbusListener> {
  const vector = vectorOf(handler, options.log);
  let server: ServerTCP | undefined;
  let port = options.port;
  for (let attempt = 1; !server; attempt++) {
    if (options.port === 0) {
      port = attempt === 1 && options.preferPort ? options.preferPort : freePort(options.hostname);
    }
    try {
      server = await bind(vector, options, port);
    } catch (e) {
      const inUse = (e as { code?: string }).code === "EADDRINUSE";
      // A picked port can be taken between the pick and the bind: pick another.
      if (!inUse || options.port !== 0 || attempt >= BIND_ATTEMPTS) throw e;
    }
  }
  const listening = server;
  return {
    hostname: options.hostname,
    port,
    unitId: options.unitId,
    connections: () => listening.socks.size,
    close: () => close(listening, options.log),
  };
}
