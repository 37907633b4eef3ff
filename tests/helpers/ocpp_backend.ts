/**
 * A real OCPP-J 1.6 backend for tests: ocpp-rpc's RPCServer in strict mode, recording every
 * call of every charge point, answering with configurable handlers, able to go away and come
 * back on the same port. ocpp-rpc itself takes any path's last segment as the identity; the
 * handshake is checked as a real central system does (see `BackendBase`).
 */
import process from "node:process";
import { RPCServer } from "ocpp-rpc";
import { BackendBase, type BackendOptions } from "./backend_base.ts";

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

export type { BackendOptions, RecordedCall } from "./backend_base.ts";

// deno-lint-ignore no-explicit-any
type ServerClient = any;

/** The test backend on ocpp-rpc's RPCServer, with the handshake checks of a real one. */
export class OcppBackend extends BackendBase {
  readonly clients = new Map<string, ServerClient>();
  #server: ServerClient;

  constructor(options: BackendOptions = {}) {
    super(options);
  }

  get connectedCount(): number {
    return this.clients.size;
  }

  async start(): Promise<void> {
    this.#server = new RPCServer({ protocols: ["ocpp1.6"], strictMode: true });
    this.#server.auth(
      (
        accept: (s?: unknown) => void,
        reject: (code: number, message: string) => void,
        hs: ServerClient,
      ) => {
        const check = this.checkHandshake({
          path: new URL(hs.request.url ?? "/", "http://localhost").pathname,
          protocols: hs.headers["sec-websocket-protocol"] ?? null,
          authorization: hs.headers.authorization ?? null,
        });
        if ("status" in check) return reject(check.status, check.reason);
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
      client.handle(({ method, params }: { method: string; params: Record<string, unknown> }) =>
        this.answer(identity, method, params)
      );
      client.on("close", () => {
        if (this.clients.get(identity) === client) this.clients.delete(identity);
        this.notify();
      });
      this.notify();
    });
    const http = await this.#server.listen(this.port, "127.0.0.1");
    this.port = http.address().port;
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
}
