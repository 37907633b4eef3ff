/**
 * The second, independent test backend: a central system written on a plain WebSocket
 * (`Deno.upgradeWebSocket`), nothing of ocpp-rpc. Every frame the station sends is validated
 * against the official OCPP 1.6 JSON schemas by `typed-ocpp` (calls by their action, results
 * against the call they answer); a frame that fails, a result to no call and an answer late by
 * more than the timeout are recorded as problems and fail the tests that check them.
 * @module
 */
import { OCPP16 } from "typed-ocpp";
import { BackendBase, type BackendOptions } from "./backend_base.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

interface Pending {
  call: Json[];
  resolve: (payload: Json) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** An error answer of the station, with its OCPP error code. */
export class StationCallError extends Error {
  constructor(readonly code: string, description: string) {
    super(`${code}: ${description}`);
  }
}

/** A strict raw-WebSocket OCPP-J 1.6 central system. */
export class RawBackend extends BackendBase {
  readonly clients = new Map<string, WebSocket>();
  /** Every frame received, parsed (or the text when it was not JSON). */
  readonly received: Json[] = [];
  #server: Deno.HttpServer<Deno.NetAddr> | undefined;
  #pending = new Map<string, Pending>();
  #seq = 0;
  /** How long the station has to answer a call. @default 10000 */
  callTimeoutMs = 10_000;
  /** Called when a charge point's socket opens (a test may drop it at once). */
  onOpen: ((socket: WebSocket, identity: string) => void) | undefined;

  constructor(options: BackendOptions = {}) {
    super(options);
  }

  get connectedCount(): number {
    return this.clients.size;
  }

  start(): Promise<void> {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: this.port, onListen: () => {} },
      (req) => this.#upgrade(req),
    );
    this.port = this.#server.addr.port;
    return Promise.resolve();
  }

  #upgrade(req: Request): Response {
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      this.refusals.push(`${new URL(req.url).pathname}: not a WebSocket upgrade`);
      return new Response("WebSocket upgrade expected", { status: 426 });
    }
    const check = this.checkHandshake({
      path: new URL(req.url).pathname,
      protocols: req.headers.get("sec-websocket-protocol"),
      authorization: req.headers.get("authorization"),
    });
    if ("status" in check) return new Response(check.reason, { status: check.status });
    const { identity } = check;
    const { socket, response } = Deno.upgradeWebSocket(req, { protocol: "ocpp1.6" });
    socket.onopen = () => {
      this.clients.get(identity)?.close(1000, "replaced by a new connection");
      this.clients.set(identity, socket);
      this.notify();
      this.onOpen?.(socket, identity);
    };
    socket.onmessage = (e) => void this.#onFrame(identity, socket, e.data);
    socket.onclose = () => {
      if (this.clients.get(identity) === socket) this.clients.delete(identity);
      for (const [id, p] of this.#pending) {
        clearTimeout(p.timer);
        p.reject(new Error(`Connection closed before the answer to ${p.call[2]}`));
        this.#pending.delete(id);
      }
      this.notify();
    };
    return response;
  }

  async #onFrame(identity: string, socket: WebSocket, data: unknown): Promise<void> {
    if (typeof data !== "string") return void this.problems.push("binary frame");
    let frame: Json;
    try {
      frame = JSON.parse(data);
    } catch {
      this.received.push(data);
      return void this.problems.push(`not JSON: ${data.slice(0, 80)}`);
    }
    this.received.push(frame);
    if (!OCPP16.validate(frame)) {
      this.problems.push(`invalid frame ${data.slice(0, 120)}: ${OCPP16.validate.errors}`);
      if (Array.isArray(frame) && frame[0] === 2 && typeof frame[1] === "string") {
        socket.send(JSON.stringify([4, frame[1], "FormationViolation", "Invalid frame", {}]));
      }
      return;
    }
    if (frame[0] === 2) return await this.#onCall(identity, socket, frame);
    const pending = this.#pending.get(frame[1]);
    if (!pending) return void this.problems.push(`answer to no call: ${data.slice(0, 80)}`);
    this.#pending.delete(frame[1]);
    clearTimeout(pending.timer);
    if (frame[0] === 4) return pending.reject(new StationCallError(frame[2], frame[3]));
    if (!OCPP16.checkCallResult(frame as never, pending.call as never)) {
      const errors = (OCPP16.checkCallResult as unknown as { errors?: string[] }).errors;
      this.problems.push(`${pending.call[2]} answered against its schema: ${errors}`);
    }
    pending.resolve(frame[2]);
  }

  async #onCall(identity: string, socket: WebSocket, frame: Json[]): Promise<void> {
    const [, id, action, params] = frame;
    let reply: Json[];
    try {
      reply = [3, id, await this.answer(identity, action, params)];
    } catch (e) {
      reply = [4, id, "InternalError", e instanceof Error ? e.message : String(e), {}];
    }
    if (reply[0] === 3 && !OCPP16.checkCallResult(reply as never, frame as never)) {
      this.problems.push(`the test's own answer to ${action} breaks the schema`);
    }
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(reply));
  }

  async stop(): Promise<void> {
    for (const socket of this.clients.values()) socket.close(1001, "backend stops");
    this.clients.clear();
    const server = this.#server;
    this.#server = undefined;
    // Connections still upgrading are cut, not waited for.
    await server?.shutdown().catch(() => {});
  }

  call<T = Record<string, unknown>>(
    action: string,
    params: unknown,
    identity?: string,
  ): Promise<T> {
    const socket = identity ? this.clients.get(identity) : [...this.clients.values()][0];
    if (!socket) {
      return Promise.reject(
        new Error(`No charge point connected${identity ? ` as ${identity}` : ""}`),
      );
    }
    const id = `cs-${++this.#seq}`;
    const call = [2, id, action, params];
    if (!OCPP16.validateCall(call)) {
      return Promise.reject(new Error(`Test bug: ${action} breaks the schema`));
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        this.problems.push(`${action} not answered within ${this.callTimeoutMs} ms`);
        reject(new Error(`${action} timed out`));
      }, this.callTimeoutMs);
      this.#pending.set(id, { call, resolve, reject, timer });
      socket.send(JSON.stringify(call));
    });
  }

  /** Sends a raw frame (for tests of bad input); the answer arrives in `received`. */
  sendRaw(text: string, identity?: string): void {
    const socket = identity ? this.clients.get(identity) : [...this.clients.values()][0];
    if (!socket) throw new Error("No charge point connected");
    socket.send(text);
  }
}
