/**
 * A small typed face of ocpp-rpc's client: strict OCPP 1.6 schema validation both ways,
 * basic auth (security profile 1) and wss:// with a CA certificate (profile 2).
 * @module
 */
import { RPCClient } from "ocpp-rpc";

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
  url: string;
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

/** Opens the connection; rejects when the backend cannot be reached or refuses. */
export async function connectOcpp(options: ConnectOptions): Promise<OcppConnection> {
  const client = new RPCClient({
    endpoint: options.url,
    identity: options.identity,
    protocols: ["ocpp1.6"],
    strictMode: true,
    reconnect: false,
    callTimeoutMs: options.callTimeoutMs,
    pingIntervalMs: options.pingIntervalS > 0 ? options.pingIntervalS * 1000 : 2 ** 31 - 1,
    ...(options.password ? { password: options.password } : {}),
    ...(options.caPem ? { wsOpts: { ca: options.caPem } } : {}),
    // deno-lint-ignore no-explicit-any
  } as any);
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
