/**
 * A WebSocket client (RFC 6455) on Deno's own sockets, with the part of the `ws` package's
 * client interface that ocpp-rpc's `RPCClient` uses: the constructor `(url, protocols,
 * options)`, the events `open`, `upgrade`, `unexpected-response`, `message`, `ping`, `pong`,
 * `error` and `close`, and `send`, `ping`, `close`, `terminate`, `protocol`, `readyState`.
 *
 * Why not `ws`: it needs Deno's Node `http`, `https`, `tls`, `net`, `stream` and `zlib`
 * modules, which cost the station memory and start-up time for one connection (issue 14).
 * ws:// runs on Deno's own sockets; wss:// on Node's `tls` module, loaded then (see
 * `tlsTransport`). `rpc.ts` hands this class to ocpp-rpc in place of `ws`, and the program's
 * build does the same in the bundle.
 *
 * What it does not do: compression (no extension is offered, one the server names anyway is
 * refused), redirects (a 3xx is an unexpected response, as with `ws`), proxies.
 * @module
 */
import { EventEmitter } from "node:events";
import { concatAll, concatBytes, readChunks } from "../bytes.ts";

/** `Symbol.for` this key is where the program's build points ocpp-rpc's `require("ws")`
 * (`image/program.ts`); `rpc.ts` puts {@linkcode OcppWebSocket} there. */
export const OWN_WEBSOCKET_KEY = "ladewerk.ocpp.websocket";

/** Options, as `ws` names them. */
export interface WebSocketOptions {
  /** Request headers of the opening handshake (authorization, user-agent). */
  headers?: Record<string, string>;
  /** Aborts the connection while it opens. */
  signal?: AbortSignal;
  /** Largest message accepted; a larger one closes the connection with 1009.
   * @default 1048576 */
  maxPayload?: number;
  /** PEM of a CA trusted for wss:// besides the system's. */
  ca?: string;
  /** The opening handshake must finish within this many ms. @default 30000 */
  handshakeTimeout?: number;
}

/** The handshake's answer, as the `upgrade` and `unexpected-response` events give it. */
export interface HandshakeResponse {
  statusCode: number;
  statusMessage: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

const ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** Largest handshake answer read before giving up on it. */
const MAX_HEAD_BYTES = 16 * 1024;
/** Bytes queued for sending beyond which the peer is taken to be gone. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;
/** After sending a close frame, how long to wait for the server's before dropping the socket. */
export const CLOSE_TIMEOUT_MS = 10_000;

const OP_CONTINUATION = 0;
const OP_TEXT = 1;
const OP_BINARY = 2;
const OP_CLOSE = 8;
const OP_PING = 9;
const OP_PONG = 10;

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const lenientUtf8 = new TextDecoder();

/** A failure that closes the connection with a status code (1002, 1007, 1009). */
class ProtocolError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Whether `code` may appear in a close frame (RFC 6455 §7.4). */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999);
}

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** The `Sec-WebSocket-Accept` a server must answer `key` with. */
export async function acceptKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", encoder.encode(key + ACCEPT_GUID));
  return base64(new Uint8Array(digest));
}

/** A masked client frame (RFC 6455 §5.2), FIN set. */
export function encodeFrame(opcode: number, payload: Uint8Array): Uint8Array {
  const n = payload.length;
  const lengthBytes = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const head = 2 + lengthBytes + 4;
  const frame = new Uint8Array(head + n);
  frame[0] = 0x80 | opcode;
  const view = new DataView(frame.buffer);
  if (lengthBytes === 0) frame[1] = 0x80 | n;
  else if (lengthBytes === 2) {
    frame[1] = 0x80 | 126;
    view.setUint16(2, n);
  } else {
    frame[1] = 0x80 | 127;
    view.setBigUint64(2, BigInt(n));
  }
  const mask = crypto.getRandomValues(new Uint8Array(4));
  frame.set(mask, head - 4);
  for (let i = 0; i < n; i++) frame[head + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

function closePayload(code: number | undefined, reason: string): Uint8Array {
  if (code === undefined) return new Uint8Array(0);
  const text = encoder.encode(reason);
  if (text.length > 123) throw new RangeError("The close reason must be at most 123 bytes");
  const payload = new Uint8Array(2 + text.length);
  new DataView(payload.buffer).setUint16(0, code);
  payload.set(text, 2);
  return payload;
}

/** A byte stream to the server: a TCP connection, or a TLS one. */
interface Transport {
  /** The bytes received, chunk by chunk, until the server closes. */
  readonly chunks: AsyncIterator<Uint8Array>;
  /** Writes all of `bytes`. */
  write(bytes: Uint8Array): Promise<void>;
  /** Drops the connection; a pending read ends or fails. */
  close(): void;
}

/** A TCP connection on Deno's sockets. */
async function tcpTransport(hostname: string, port: number): Promise<Transport> {
  const conn = await Deno.connect({ hostname, port });
  conn.setNoDelay(true);
  return {
    chunks: readChunks(conn, 65_536),
    write: async (bytes) => {
      // A socket write may take only part.
      for (let done = 0; done < bytes.length;) done += await conn.write(bytes.subarray(done));
    },
    close: () => {
      try {
        conn.close();
      } catch {
        // Closed already.
      }
    },
  };
}

/**
 * A TLS connection through Deno's Node `tls` module, loaded on the first wss:// connection.
 * Deno's own TLS refuses a self-signed server certificate that is a CA certificate
 * ("CaUsedAsEndEntity"), the kind a backend makes for itself and an operator gives the station
 * as the CA; Node's accepts it, and so did the station before it had its own client.
 */
async function tlsTransport(hostname: string, port: number, ca?: string): Promise<Transport> {
  const tls = await import("node:tls");
  const socket = tls.connect({ host: hostname, port, servername: hostname, ...(ca ? { ca } : {}) });
  await new Promise<void>((resolve, reject) => {
    socket.once("secureConnect", resolve);
    socket.once("error", reject);
  });
  socket.setNoDelay(true);
  // Errors reach the reader and the writer; without a listener a late one would throw.
  socket.on("error", () => {});
  return {
    chunks: socket[Symbol.asyncIterator](),
    write: (bytes) =>
      new Promise((resolve, reject) => socket.write(bytes, (e) => e ? reject(e) : resolve())),
    close: () => void socket.destroy(),
  };
}

/** Reads the handshake's answer head; returns it and the bytes read after it. */
async function readHead(chunks: AsyncIterator<Uint8Array>): Promise<[string, Uint8Array]> {
  let received: Uint8Array = new Uint8Array(0);
  for (;;) {
    const end = findHeadEnd(received);
    if (end >= 0) {
      return [lenientUtf8.decode(received.subarray(0, end)), received.slice(end + 4)];
    }
    if (received.length > MAX_HEAD_BYTES) {
      throw new Error(`The handshake answer is longer than ${MAX_HEAD_BYTES} bytes`);
    }
    const next = await chunks.next();
    if (next.done) throw new Error("Socket hang up: the server closed during the handshake");
    received = concatBytes(received, next.value);
  }
}

function findHeadEnd(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}

/** Parses an HTTP/1.1 response head. */
export function parseHead(head: string): HandshakeResponse {
  const [statusLine = "", ...lines] = head.split("\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!status) throw new Error(`Not an HTTP response: ${statusLine.slice(0, 80)}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) {
      throw new Error(`Bad header line in the handshake answer: ${line.slice(0, 80)}`);
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { statusCode: Number(status[1]), statusMessage: status[2] ?? "", headers };
}

/** A `ws`-compatible WebSocket client; see the module documentation. */
export class OcppWebSocket extends EventEmitter {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;

  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readyState = CONNECTING;
  /** The subprotocol the server chose ("" for none). */
  protocol = "";

  readonly #maxPayload: number;
  #conn: Transport | undefined;
  #received: Uint8Array = new Uint8Array(0);
  #fragments: Uint8Array[] = [];
  #fragmentBytes = 0;
  #fragmentOpcode = 0;
  #writing: Promise<void> = Promise.resolve();
  #queuedBytes = 0;
  #closeSent = false;
  #closeCode = 1006;
  #closeReason = "";
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  #finished = false;
  /** Set by `terminate()`/`close()` while connecting: stops the handshake. */
  #aborted = false;

  constructor(
    url: string | URL,
    protocols: string | string[] = [],
    options: WebSocketOptions = {},
  ) {
    super();
    this.#maxPayload = options.maxPayload ?? 1024 * 1024;
    const wanted = typeof protocols === "string" ? [protocols] : protocols;
    // Events are emitted after the caller has attached its listeners.
    this.#open(new URL(url), wanted, options).catch((e) => this.#fail(e));
  }

  /** Sends a text message. Throws while connecting; ignored once closing. */
  send(data: string | Uint8Array): void {
    if (this.readyState === CONNECTING) {
      throw new Error("WebSocket is not open: readyState 0 (CONNECTING)");
    }
    if (this.readyState !== OPEN) return;
    const text = typeof data === "string";
    this.#write(encodeFrame(text ? OP_TEXT : OP_BINARY, text ? encoder.encode(data) : data));
  }

  /** Sends a ping; the answer arrives as a `pong` event. */
  ping(): void {
    if (this.readyState === CONNECTING) {
      throw new Error("WebSocket is not open: readyState 0 (CONNECTING)");
    }
    if (this.readyState === OPEN) this.#write(encodeFrame(OP_PING, new Uint8Array(0)));
  }

  /** Starts the closing handshake; the socket goes when the server answers, or after
   * {@linkcode CLOSE_TIMEOUT_MS}. */
  close(code?: number, reason = ""): void {
    if (this.readyState === CLOSED) return;
    if (this.readyState === CONNECTING) {
      this.#abortHandshake("WebSocket was closed before the connection was established");
      return;
    }
    if (code !== undefined && !isValidCloseCode(code)) {
      throw new TypeError(`Invalid close code: ${code}`);
    }
    this.#sendClose(code, reason);
  }

  /** Drops the connection at once. */
  terminate(): void {
    if (this.readyState === CLOSED) return;
    if (this.readyState === CONNECTING) {
      this.#abortHandshake("WebSocket was closed before the connection was established");
      return;
    }
    this.#finish();
  }

  async #open(url: URL, protocols: string[], options: WebSocketOptions): Promise<void> {
    const timeoutMs = options.handshakeTimeout ?? 30_000;
    const timer = setTimeout(
      () => this.#abortHandshake(`Opening handshake has timed out after ${timeoutMs} ms`),
      timeoutMs,
    );
    const onAbort = () => this.#abortHandshake("The operation was aborted");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    let conn: Transport | undefined;
    try {
      if (options.signal?.aborted) throw new Error("The operation was aborted");
      conn = await this.#handshake(url, protocols, options);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    }
    if (conn && this.#parse()) await this.#readLoop(conn);
  }

  /** Connects and upgrades; the open socket, or undefined when it is done with already. */
  async #handshake(
    url: URL,
    protocols: string[],
    options: WebSocketOptions,
  ): Promise<Transport | undefined> {
    const secure = url.protocol === "wss:";
    if (!secure && url.protocol !== "ws:") {
      throw new SyntaxError(`The URL's protocol must be "ws:" or "wss:": ${url.protocol}`);
    }
    const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
    const port = Number(url.port) || (secure ? 443 : 80);
    const conn = secure
      ? await tlsTransport(hostname, port, options.ca)
      : await tcpTransport(hostname, port);
    if (this.#aborted) {
      conn.close();
      return undefined;
    }
    this.#conn = conn;
    const key = base64(crypto.getRandomValues(new Uint8Array(16)));
    const lines = [
      `GET ${url.pathname}${url.search} HTTP/1.1`,
      `Host: ${url.host}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Key: ${key}`,
      "Sec-WebSocket-Version: 13",
      ...(protocols.length ? [`Sec-WebSocket-Protocol: ${protocols.join(", ")}`] : []),
      ...Object.entries(options.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
    ];
    await conn.write(encoder.encode(lines.join("\r\n") + "\r\n\r\n"));
    const [head, rest] = await readHead(conn.chunks);
    if (this.#aborted) return undefined;
    const response = parseHead(head);
    if (response.statusCode !== 101) {
      if (this.listenerCount("unexpected-response")) {
        this.emit("unexpected-response", { method: "GET", path: url.pathname }, response);
      } else this.#emitError(new Error(`Unexpected server response: ${response.statusCode}`));
      this.#finish();
      return undefined;
    }
    this.emit("upgrade", response);
    const problem = await this.#checkUpgrade(response, key, protocols);
    if (problem) throw new Error(problem);
    this.protocol = response.headers["sec-websocket-protocol"] ?? "";
    this.readyState = OPEN;
    this.#received = rest;
    this.emit("open");
    return conn;
  }

  async #checkUpgrade(
    response: HandshakeResponse,
    key: string,
    protocols: string[],
  ): Promise<string | undefined> {
    const h = response.headers;
    if (h["upgrade"]?.toLowerCase() !== "websocket") return "Invalid Upgrade header";
    if (h["sec-websocket-accept"] !== await acceptKey(key)) {
      return "Invalid Sec-WebSocket-Accept header";
    }
    const chosen = h["sec-websocket-protocol"];
    if (chosen !== undefined) {
      if (!protocols.length) return "Server sent a subprotocol but none was requested";
      if (!protocols.includes(chosen)) return "Server sent an invalid subprotocol";
    } else if (protocols.length) return "Server sent no subprotocol";
    if (h["sec-websocket-extensions"] !== undefined) {
      return "Server indicated an extension that was not requested";
    }
    return undefined;
  }

  async #readLoop(conn: Transport): Promise<void> {
    try {
      for (;;) {
        const next = await conn.chunks.next();
        if (next.done || this.#finished) break;
        // Each chunk is the reader's own copy (`readChunks`, or a Node socket's chunk): nothing
        // is left over, so it is taken as it is rather than copied again.
        this.#received = this.#received.length
          ? concatBytes(this.#received, next.value)
          : next.value;
        if (!this.#parse()) return;
      }
    } catch (e) {
      if (!this.#finished) this.#emitError(e);
    }
    this.#finish();
  }

  /** Handles the complete frames received; false once the connection is done with. */
  #parse(): boolean {
    try {
      while (this.#nextFrame());
      return !this.#finished;
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      this.#emitError(e);
      this.#closeCode = e.status;
      this.#sendClose(e.status, "");
      // The close frame goes out first; the close timer covers a peer that does not read.
      void this.#writing.finally(() => this.#finish());
      return false;
    }
  }

  /** Takes one frame off the received bytes; false when none is complete yet. */
  #nextFrame(): boolean {
    const b = this.#received;
    if (b.length < 2 || this.#finished) return false;
    const fin = (b[0]! & 0x80) !== 0;
    const opcode = b[0]! & 0x0f;
    if (b[0]! & 0x70) throw new ProtocolError(1002, "Invalid WebSocket frame: RSV bits set");
    if (b[1]! & 0x80) {
      throw new ProtocolError(1002, "Invalid WebSocket frame: a server frame is masked");
    }
    let length = b[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return false;
      length = (b[2]! << 8) | b[3]!;
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return false;
      const big = new DataView(b.buffer, b.byteOffset + 2, 8).getBigUint64(0);
      length = big > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(big);
      offset = 10;
    }
    const control = opcode >= 8;
    if (![OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG].includes(opcode)) {
      throw new ProtocolError(1002, `Invalid WebSocket frame: opcode ${opcode}`);
    }
    if (control && (!fin || length > 125)) {
      throw new ProtocolError(1002, "Invalid WebSocket frame: bad control frame");
    }
    if (!control && this.#fragmentBytes + length > this.#maxPayload) {
      throw new ProtocolError(1009, "Max payload size exceeded");
    }
    if (b.length < offset + length) return false;
    const payload = b.subarray(offset, offset + length);
    this.#received = b.subarray(offset + length);
    if (control) this.#control(opcode, payload);
    else this.#data(opcode, fin, payload);
    return true;
  }

  #data(opcode: number, fin: boolean, payload: Uint8Array): void {
    if (opcode === OP_CONTINUATION) {
      if (!this.#fragmentOpcode) {
        throw new ProtocolError(1002, "Invalid WebSocket frame: continuation of nothing");
      }
    } else if (this.#fragmentOpcode) {
      throw new ProtocolError(1002, "Invalid WebSocket frame: a fragmented message is unfinished");
    } else this.#fragmentOpcode = opcode;
    // A copy, so a fragment holds no socket buffer; an empty one adds nothing. The fragments kept
    // are thus bounded by maxPayload, however many frames a message comes in.
    if (payload.length > 0) {
      this.#fragments.push(fin && !this.#fragments.length ? payload : payload.slice());
    }
    this.#fragmentBytes += payload.length;
    if (!fin) return;
    const kind = this.#fragmentOpcode;
    const whole = this.#fragments.length === 1 ? this.#fragments[0]! : concatAll(this.#fragments);
    this.#fragments = [];
    this.#fragmentBytes = 0;
    this.#fragmentOpcode = 0;
    if (this.readyState !== OPEN) return;
    let text: string;
    try {
      text = (kind === OP_TEXT ? strictUtf8 : lenientUtf8).decode(whole);
    } catch {
      throw new ProtocolError(1007, "Invalid UTF-8 sequence");
    }
    this.emit("message", text, kind === OP_BINARY);
  }

  #control(opcode: number, payload: Uint8Array): void {
    if (opcode === OP_PING) {
      if (this.readyState === OPEN) this.#write(encodeFrame(OP_PONG, payload.slice()));
      this.emit("ping", payload.slice());
    } else if (opcode === OP_PONG) {
      this.emit("pong", payload.slice());
    } else {
      if (payload.length === 1) throw new ProtocolError(1002, "Invalid close frame length");
      let code = 1005;
      let reason = "";
      if (payload.length >= 2) {
        code = (payload[0]! << 8) | payload[1]!;
        if (!isValidCloseCode(code)) {
          throw new ProtocolError(1002, `Invalid close code: ${code}`);
        }
        try {
          reason = strictUtf8.decode(payload.subarray(2));
        } catch {
          throw new ProtocolError(1007, "Invalid UTF-8 sequence");
        }
      }
      this.#closeCode = code;
      this.#closeReason = reason;
      // Answer with the same code, then leave: the server has said it is done.
      this.#sendClose(code === 1005 ? undefined : code, "");
      void this.#writing.finally(() => this.#finish());
    }
  }

  #sendClose(code: number | undefined, reason: string): void {
    if (this.#closeSent || !this.#conn) return;
    this.#closeSent = true;
    this.readyState = CLOSING;
    this.#write(encodeFrame(OP_CLOSE, closePayload(code, reason)));
    this.#closeTimer = setTimeout(() => this.#finish(), CLOSE_TIMEOUT_MS);
  }

  #write(bytes: Uint8Array): void {
    const conn = this.#conn;
    if (!conn || this.#finished) return;
    this.#queuedBytes += bytes.length;
    if (this.#queuedBytes > MAX_QUEUED_BYTES) {
      this.#emitError(new Error(`More than ${MAX_QUEUED_BYTES} bytes wait to be sent`));
      this.#finish();
      return;
    }
    this.#writing = this.#writing.then(() => this.#finished ? undefined : conn.write(bytes))
      .then(() => void (this.#queuedBytes -= bytes.length), (e) => {
        if (!this.#finished) this.#emitError(e);
        this.#finish();
      });
  }

  #abortHandshake(message: string): void {
    if (this.#aborted || this.readyState !== CONNECTING) return;
    this.#aborted = true;
    this.#fail(new Error(message));
  }

  #fail(e: unknown): void {
    if (this.#finished) return;
    this.#emitError(e);
    this.#finish();
  }

  #emitError(e: unknown): void {
    // With no listener an EventEmitter throws "error" events.
    if (this.listenerCount("error")) this.emit("error", e);
  }

  /** Closes the socket (once) and then emits `close`: never from within `close()` or
   * `terminate()`, whose caller listens for it after the call, as with `ws`. */
  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#aborted = true;
    clearTimeout(this.#closeTimer);
    this.#conn?.close();
    this.readyState = CLOSED;
    setTimeout(() => this.emit("close", this.#closeCode, this.#closeReason), 0);
  }
}
