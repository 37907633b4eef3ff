/**
 * A small typed face of ocpp-rpc's client: strict OCPP 1.6 schema validation both ways,
 * basic auth (security profile 1) and wss:// with a CA certificate (profile 2), over the
 * station's own WebSocket client (`websocket.ts`).
 * @module
 */
import { createRPCError } from "ocpp-rpc/lib/util.js";
import { ocpp16Validator } from "./schemas/mod.ts";
import { OcppWebSocket, OWN_WEBSOCKET_KEY } from "./websocket.ts";

/** Largest WebSocket frame accepted from the backend: SendLocalList Full of 1000 entries
 * needs about 200 KiB; a hostile frame larger than this closes the connection (1009). */
export const MAX_FRAME_BYTES = 1024 * 1024;
/** A backend that accepts the TCP connection must finish the WebSocket handshake this soon. */
export const HANDSHAKE_TIMEOUT_MS = 30_000;
/** Bad frames (not JSON, no proper CALL, failing the schema) a connection may send before
 * the station closes it and reconnects with back-off. */
export const MAX_BAD_FRAMES = 10;

/** An error that an incoming-call handler throws to answer with this CALLERROR code. */
export function callError(
  code: "SecurityError" | "NotSupported" | "GenericError",
  message: string,
): Error {
  return createRPCError(code, message) as unknown as Error;
}

/** An OCPP-J connection to the backend. */
export interface OcppConnection {
  /** Sends a CALL and resolves with the CALLRESULT payload; rejects on CALLERROR or timeout. */
  call<T = Record<string, unknown>>(action: string, payload: unknown): Promise<T>;
  /** Answers incoming CALLs of one action; a thrown `RPCError` becomes a CALLERROR. */
  handle(action: string, handler: (params: unknown) => unknown): void;
  /** Calls `listener` once when the connection closes, for whatever reason. */
  onClose(listener: (info: { code: number; reason: string }) => void): void;
  /** Closes at once; `graceful`: answers the calls being handled first (a ChangeConfiguration
   * that causes a reconnect still gets its answer), drops own pending calls. */
  close(options?: { graceful?: boolean }): Promise<void>;
}

/** How to reach the backend. */
export interface ConnectOptions {
  /** The URL dialled, charge box id included (see `dialUrl`). */
  url: string;
  /** The charge box id: the URL's last segment and the basic-auth user name. */
  identity: string;
  /** HTTP basic auth password (AuthorizationKey); empty: none. */
  password: string;
  /** PEM of the CA that signed a wss:// backend's certificate; empty: the system's CAs. */
  caPem: string;
  pingIntervalS: number;
  callTimeoutMs: number;
  /** Called for every validation failure and bad message, for the log. */
  onProblem?: (text: string) => void;
}

/** The part of ocpp-rpc's `RPCClient` used here (its own typings call every option required). */
interface RpcClient {
  on(event: string, listener: (e: never) => void): void;
  once(event: string, listener: (e: never) => void): void;
  sendRaw(message: string): void;
  connect(): Promise<unknown>;
  call(action: string, payload: unknown): Promise<unknown>;
  handle(action: string, handler: (call: { params: unknown }) => Promise<unknown>): void;
  close(options: { awaitPending: boolean; force: boolean; code: number }): Promise<unknown>;
}
type RpcClientClass = new (options: Record<string, unknown>) => RpcClient;
let clientClass: Promise<RpcClientClass> | undefined;

/**
 * ocpp-rpc's client class, loaded on the first connection, with two of the modules it
 * requires answered by the station:
 * - its standard validators, which compile the OCPP 1.6, 2.0.1 and 2.1 schemas with ajv at
 *   load (about 25 MB and 200 ms): the station validates with {@linkcode ocpp16Validator},
 *   compiled at build time;
 * - `ws`, which needs Deno's Node HTTP, TLS and stream modules: the station connects with
 *   {@linkcode OcppWebSocket} on Deno's own sockets.
 *
 * From source (the tests) both are put in the require cache first, unless something in this
 * process loaded the real ones before. The built program has no require cache: its build
 * replaces the validators and points `require("ws")` at `OWN_WEBSOCKET_KEY`.
 */
export function loadClientClass(): Promise<RpcClientClass> {
  clientClass ??= (async () => {
    (globalThis as Record<symbol, unknown>)[Symbol.for(OWN_WEBSOCKET_KEY)] = OcppWebSocket;
    // Not in the built program: loading `node:module` would cost start-up time for nothing.
    if (import.meta.url.endsWith(".ts")) await answerFromRequireCache();
    const { default: client } = await import("ocpp-rpc/lib/client.js");
    return client as unknown as RpcClientClass;
  })();
  return clientClass;
}

/** Puts the station's validator and WebSocket client in the require cache for ocpp-rpc. */
async function answerFromRequireCache(): Promise<void> {
  const { createRequire } = await import("node:module");
  const answer = (require: NodeJS.Require, id: string, exports: unknown) => {
    require.cache[id] ??= { id, filename: id, loaded: true, exports } as unknown as NodeJS.Module;
  };
  try {
    const require = createRequire(import.meta.url);
    const clientPath = require.resolve("ocpp-rpc/lib/client.js");
    answer(require, require.resolve("ocpp-rpc/lib/standard-validators.js"), [ocpp16Validator]);
    answer(require, createRequire(clientPath).resolve("ws"), OcppWebSocket);
  } catch {
    // No node_modules to resolve from: nothing to answer in advance.
  }
}

/** Opens the connection; rejects when the backend cannot be reached or refuses. */
export async function connectOcpp(options: ConnectOptions): Promise<OcppConnection> {
  const RPCClient = await loadClientClass();
  // ocpp-rpc appends "/<identity>" to its endpoint itself: hand it the URL without it.
  const parsed = new URL(options.url);
  const query = Object.fromEntries(parsed.searchParams);
  parsed.search = "";
  const href = parsed.href.replace(/\/+$/, "");
  const client = new RPCClient({
    endpoint: href.slice(0, href.lastIndexOf("/")),
    identity: options.identity,
    ...(Object.keys(query).length ? { query } : {}),
    maxBadMessages: MAX_BAD_FRAMES,
    protocols: ["ocpp1.6"],
    strictMode: true,
    strictModeValidators: [ocpp16Validator],
    reconnect: false,
    callTimeoutMs: options.callTimeoutMs,
    pingIntervalMs: options.pingIntervalS > 0 ? options.pingIntervalS * 1000 : 2 ** 31 - 1,
    ...(options.password ? { password: options.password } : {}),
    wsOpts: {
      maxPayload: MAX_FRAME_BYTES,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      ...(options.caPem ? { ca: options.caPem } : {}),
    },
  });
  client.on(
    "strictValidationFailure",
    (e: { error: Error; method: string; outbound: boolean }) =>
      options.onProblem?.(
        `${e.outbound ? "Outgoing" : "Incoming"} ${e.method} failed validation: ${e.error.message}`,
      ),
  );
  client.on(
    "badMessage",
    (e: { error: Error }) => options.onProblem?.(`Bad message: ${e.error.message}`),
  );
  const sendRaw = client.sendRaw.bind(client);
  client.sendRaw = (message: string) => sendRaw(ocpp16ErrorCodes(message));
  await client.connect();
  return {
    call: (action, payload) => client.call(action, payload) as Promise<never>,
    handle: (action, handler) =>
      client.handle(action, ({ params }) => Promise.resolve(handler(params)) as never),
    onClose: (listener) => client.once("close", listener),
    close: async (closeOptions = {}) => {
      await client.close({ awaitPending: false, force: !closeOptions.graceful, code: 1000 });
    },
  };
}

/**
 * ocpp-rpc answers with error codes OCPP-J 1.6 does not define: "OccurrenceConstraintViolation"
 * (1.6 keeps the misspelt "OccurenceConstraintViolation", errata 5.1) and OCPP 2.0.1's
 * "RpcFrameworkError" and "MessageTypeNotSupported" for frames that are no proper CALL.
 */
const OCPP16_ERROR_CODES: Record<string, string> = {
  OccurrenceConstraintViolation: "OccurenceConstraintViolation",
  RpcFrameworkError: "FormationViolation",
  MessageTypeNotSupported: "FormationViolation",
};

/** A frame about to be sent, with a CALLERROR's code made one of OCPP-J 1.6. */
export function ocpp16ErrorCodes(message: string): string {
  if (!message.startsWith("[4,")) return message;
  try {
    const frame = JSON.parse(message);
    const code = OCPP16_ERROR_CODES[frame[2]];
    if (!code) return message;
    frame[2] = code;
    return JSON.stringify(frame);
  } catch {
    return message;
  }
}
