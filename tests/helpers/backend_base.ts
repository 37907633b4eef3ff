/**
 * What every OCPP-J test backend shares, whatever implementation speaks the wire: the strict
 * handshake of a real central system (exact path, subprotocol, basic auth), default answers,
 * the record of every call and waiting for calls.
 * @module
 */

/** One call a charge point made. */
export interface RecordedCall {
  identity: string;
  action: string;
  params: Record<string, unknown>;
  atMs: number;
}

// deno-lint-ignore no-explicit-any
export type Handler = (params: any, identity: string) => unknown;

/** Options of a test backend. */
export interface BackendOptions {
  port?: number;
  /** Accepts only this basic-auth password, if set. */
  password?: string;
  /** The path charge points connect under: `<basePath>/<chargeBoxId>`. @default "/ocpp" */
  basePath?: string;
}

/** An accepted handshake, or why it was refused. */
export type HandshakeCheck =
  | { identity: string; password?: string }
  | { status: number; reason: string };

/** The parts of an upgrade request a central system looks at. */
export interface UpgradeRequest {
  path: string;
  /** `Sec-WebSocket-Protocol` header, as sent. */
  protocols: string | null;
  /** `Authorization` header, as sent. */
  authorization: string | null;
}

/** State and checks common to the test backends. */
export abstract class BackendBase implements AsyncDisposable {
  readonly calls: RecordedCall[] = [];
  readonly handlers: Record<string, Handler> = {};
  /** Frames that broke the OCPP 1.6 schemas, and other protocol problems seen. */
  readonly problems: string[] = [];
  readonly handshakes: { identity: string; password?: string }[] = [];
  /** Handshakes refused, with the reason: a real central system would refuse them too. */
  readonly refusals: string[] = [];
  port = 0;
  protected options: BackendOptions;
  #txSeq = 1000;
  #waiters = new Set<() => void>();

  constructor(options: BackendOptions = {}) {
    this.options = options;
    this.port = options.port ?? 0;
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

  /** The number of connected charge points. */
  abstract readonly connectedCount: number;
  /** Starts listening (again, on the same port after `stop()`). */
  abstract start(): Promise<void>;
  /** Stops listening and drops every connection. */
  abstract stop(): Promise<void>;
  /** Calls the charge point `identity` (the first connected one when omitted). */
  abstract call<T = Record<string, unknown>>(
    action: string,
    params: unknown,
    identity?: string,
  ): Promise<T>;

  /** The ws:// URL a station should be configured with (without its charge box id). */
  get url(): string {
    return `ws://127.0.0.1:${this.port}${this.options.basePath ?? "/ocpp"}`;
  }

  /**
   * The handshake as a real central system checks it: the path is exactly
   * `<basePath>/<chargeBoxId>`, `ocpp1.6` is offered as subprotocol, and basic auth (when sent
   * or required) names the charge box id as user with the right password.
   */
  protected checkHandshake(req: UpgradeRequest): HandshakeCheck {
    const refuse = (status: number, reason: string): HandshakeCheck => {
      this.refusals.push(`${req.path}: ${reason}`);
      return { status, reason };
    };
    const base = this.options.basePath ?? "/ocpp";
    if (!req.path.startsWith(`${base}/`)) return refuse(404, `not under ${base}/`);
    const rest = req.path.slice(base.length + 1);
    if (rest === "" || rest.includes("/")) {
      return refuse(404, `not ${base}/<chargeBoxId> but ${req.path}`);
    }
    let identity: string;
    try {
      identity = decodeURIComponent(rest);
    } catch {
      return refuse(400, "charge box id not percent-encoded properly");
    }
    const offered = (req.protocols ?? "").split(",").map((p) => p.trim());
    if (!offered.includes("ocpp1.6")) {
      return refuse(400, `subprotocol ocpp1.6 not offered (${req.protocols ?? "none"})`);
    }
    let password: string | undefined;
    if (req.authorization !== null) {
      const m = /^Basic ([A-Za-z0-9+/]+=*)$/.exec(req.authorization);
      if (!m) return refuse(401, `malformed Authorization header`);
      const decoded = new TextDecoder().decode(
        Uint8Array.from(atob(m[1]!), (ch) => ch.charCodeAt(0)),
      );
      const colon = decoded.indexOf(":");
      if (colon < 0 || decoded.slice(0, colon) !== identity) {
        return refuse(401, `basic-auth user is not the charge box id ${identity}`);
      }
      password = decoded.slice(colon + 1);
    }
    this.handshakes.push({ identity, ...(password !== undefined ? { password } : {}) });
    if (this.options.password !== undefined && password !== this.options.password) {
      return refuse(401, password === undefined ? "no basic auth" : "wrong password");
    }
    return { identity, ...(password !== undefined ? { password } : {}) };
  }

  /** Records an incoming call and answers it with its handler. */
  protected async answer(identity: string, action: string, params: Record<string, unknown>) {
    this.calls.push({ identity, action, params, atMs: Date.now() });
    this.notify();
    const handler = this.handlers[action];
    if (!handler) throw new Error(`No handler for ${action}`);
    return await handler(params, identity);
  }

  /** Wakes whoever waits for calls or connections. */
  protected notify(): void {
    for (const w of this.#waiters) w();
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
    while (this.connectedCount === 0) {
      if (Date.now() > until) throw new Error("No charge point connected in time");
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
