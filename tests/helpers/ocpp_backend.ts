/**
 * A real OCPP-J 1.6 backend for tests: ocpp-rpc's RPCServer in strict mode, recording every
 * call of every charge point, answering with configurable handlers, able to go away and come
 * back on the same port.
 */
import process from "node:process";
import { RPCServer } from "ocpp-rpc";

/**
 * Keeps the first frame of a fresh connection at every RPCServer of the test process.
 * ocpp-rpc's server side attaches its "message" listener in `process.nextTick`; under Deno a
 * frame that arrives with the upgrade can be emitted before that and is dropped silently (a
 * BootNotification then never arrives: 3 to 12 % of connections here). The client side (the
 * station) buffers such frames and is not affected. Frames emitted before ocpp-rpc listens
 * are caught here and handed over right after it does.
 */
function keepEarlyFrames(): void {
  // deno-lint-ignore no-explicit-any
  const proto = RPCServer.prototype as any;
  if (proto.emit.keepsEarlyFrames) return;
  const emit = proto.emit;
  const patched = function (this: unknown, event: string, ...args: unknown[]) {
    if (event === "client") {
      // deno-lint-ignore no-explicit-any
      const client = args[0] as any;
      const ws = client._ws;
      const early: unknown[] = [];
      const grab = (msg: unknown) => {
        if (ws.listenerCount("message") === 1) early.push(msg);
      };
      ws.on("message", grab);
      // Queued after ocpp-rpc's own nextTick, which attaches its listener.
      process.nextTick(() => {
        ws.off("message", grab);
        for (const msg of early) client._onMessage(msg);
      });
    }
    return emit.call(this, event, ...args);
  };
  patched.keepsEarlyFrames = true;
  proto.emit = patched;
}
keepEarlyFrames();

/** One call a charge point made. */
export interface RecordedCall {
  identity: string;
  action: string;
  params: Record<string, unknown>;
  atMs: number;
}

// deno-lint-ignore no-explicit-any
type Handler = (params: any, identity: string) => unknown;
// deno-lint-ignore no-explicit-any
type ServerClient = any;

/** Options of the test backend. */
export interface BackendOptions {
  port?: number;
  /** Accepts only this basic-auth password, if set. */
  password?: string;
}

/** The test backend. */
export class OcppBackend implements AsyncDisposable {
  readonly calls: RecordedCall[] = [];
  readonly handlers: Record<string, Handler> = {};
  readonly clients = new Map<string, ServerClient>();
  readonly problems: string[] = [];
  readonly handshakes: { identity: string; password?: string }[] = [];
  port = 0;
  #server: ServerClient;
  #options: BackendOptions;
  #txSeq = 1000;
  #waiters = new Set<() => void>();

  constructor(options: BackendOptions = {}) {
    this.#options = options;
    this.handlers.BootNotification = () => ({
      status: "Accepted",
      interval: 300,
      currentTime: new Date().toISOString(),
    });
    this.handlers.Heartbeat = () => ({ currentTime: new Date().toISOString() });
    this.handlers.StatusNotification = () => ({});
    this.handlers.Authorize = () => ({ idTagInfo: { status: "Accepted" } });
    this.handlers.StartTransaction = () => ({
      transactionId: this.#txSeq++,
      idTagInfo: { status: "Accepted" },
    });
    this.handlers.StopTransaction = () => ({ idTagInfo: { status: "Accepted" } });
    this.handlers.MeterValues = () => ({});
    this.handlers.DiagnosticsStatusNotification = () => ({});
    this.handlers.FirmwareStatusNotification = () => ({});
    this.handlers.DataTransfer = () => ({ status: "Accepted" });
  }

  /** The ws:// URL a station should use. */
  get url(): string {
    return `ws://127.0.0.1:${this.port}/ocpp`;
  }

  /** Starts listening (again, on the same port after `stop()`). */
  async start(): Promise<void> {
    this.#server = new RPCServer({ protocols: ["ocpp1.6"], strictMode: true });
    this.#server.auth(
      (accept: (s?: unknown) => void, reject: (c: number) => void, hs: ServerClient) => {
        const password = hs.password ? new TextDecoder().decode(hs.password) : undefined;
        this.handshakes.push({ identity: hs.identity, ...(password ? { password } : {}) });
        if (this.#options.password !== undefined && password !== this.#options.password) {
          return reject(401);
        }
        accept();
      },
    );
    this.#server.on("client", (client: ServerClient) => {
      const identity: string = client.identity;
      this.clients.set(identity, client);
      client.on(
        "strictValidationFailure",
        (e: { error: Error; method: string }) =>
          this.problems.push(`${e.method}: ${e.error.message}`),
      );
      client.handle(({ method, params }: { method: string; params: Record<string, unknown> }) => {
        this.calls.push({ identity, action: method, params, atMs: Date.now() });
        for (const w of this.#waiters) w();
        const handler = this.handlers[method];
        if (!handler) throw new Error(`No handler for ${method}`);
        return handler(params, identity);
      });
      client.on("close", () => {
        if (this.clients.get(identity) === client) this.clients.delete(identity);
        for (const w of this.#waiters) w();
      });
    });
    const http = await this.#server.listen(this.#options.port ?? this.port, "127.0.0.1");
    this.port = http.address().port;
    this.#options.port = this.port;
  }

  /** Stops listening and drops every connection. */
  async stop(): Promise<void> {
    await this.#server?.close({ force: true, awaitPending: false });
    this.clients.clear();
  }

  /** Calls the charge point `identity` (the first connected one when omitted). */
  async call<T = Record<string, unknown>>(
    action: string,
    params: unknown,
    identity?: string,
  ): Promise<T> {
    const client = identity ? this.clients.get(identity) : [...this.clients.values()][0];
    if (!client) throw new Error(`No charge point connected${identity ? ` as ${identity}` : ""}`);
    return await client.call(action, params);
  }

  /** Recorded calls of one action. */
  of(action: string): RecordedCall[] {
    return this.calls.filter((c) => c.action === action);
  }

  /** Waits until `predicate` holds for the recorded calls (checked on every new call). */
  async waitFor(
    predicate: (calls: RecordedCall[]) => boolean,
    options: { timeoutMs?: number; what?: string } = {},
  ): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (predicate(this.calls)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(
          new Error(
            `Timed out after ${timeoutMs} ms waiting for ${options.what ?? "calls"}; got: ` +
              this.calls.map((c) => c.action).join(", "),
          ),
        );
      }, timeoutMs);
      const check = () => {
        if (!predicate(this.calls)) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      this.#waiters.add(check);
    });
  }

  /** Waits for a connection of a charge point. */
  async waitForClient(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.clients.size === 0) {
      if (Date.now() > until) throw new Error("No charge point connected in time");
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
