/**
 * Calls the station cannot or must not handle: unknown actions and payloads that break the
 * OCPP 1.6 schemas, answered with the matching CALLERROR of OCPP-J 1.6. A strict backend
 * refuses to send such frames, so these tests speak raw OCPP-J over a plain WebSocket.
 */
import assert from "node:assert/strict";
import { type Json } from "./helpers/ocpp_station.ts";
import { startStation } from "./helpers/station_process.ts";

/** A minimal OCPP-J central system over `Deno.upgradeWebSocket`: answers the station's calls
 * and sends whatever frame a test writes. */
class RawBackend implements AsyncDisposable {
  readonly received: Json[] = [];
  #server: Deno.HttpServer<Deno.NetAddr>;
  #socket: WebSocket | undefined;
  #waiters = new Set<() => void>();

  constructor() {
    this.#server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
      const { socket, response } = Deno.upgradeWebSocket(req, { protocol: "ocpp1.6" });
      socket.onopen = () => this.#socket = socket;
      socket.onmessage = (e) => this.#onMessage(socket, JSON.parse(e.data as string));
      return response;
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${this.#server.addr.port}/ocpp`;
  }

  #onMessage(socket: WebSocket, frame: Json[]): void {
    this.received.push(frame);
    if (frame[0] === 2) {
      const now = new Date().toISOString();
      const answers: Record<string, Json> = {
        BootNotification: { status: "Accepted", interval: 300, currentTime: now },
        Heartbeat: { currentTime: now },
      };
      socket.send(JSON.stringify([3, frame[1], answers[frame[2]] ?? {}]));
    }
    for (const w of this.#waiters) w();
  }

  /** Waits until a received frame matches. */
  async waitFor(match: (frame: Json[]) => boolean, what: string): Promise<Json[]> {
    const find = () => this.received.find(match);
    const deadline = Date.now() + 10_000;
    while (!find()) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, 100);
        this.#waiters.add(done);
      });
    }
    return find()!;
  }

  /** Sends `text` as one frame and waits for the answer to message id `id`. */
  async send(text: string, id: string): Promise<Json[]> {
    assert.ok(this.#socket, "the station is connected");
    this.#socket.send(text);
    return await this.waitFor((f) => (f[0] === 3 || f[0] === 4) && f[1] === id, `answer ${id}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#socket?.close();
    await this.#server.shutdown();
  }
}

async function connected() {
  const backend = new RawBackend();
  try {
    const st = await startStation({ args: ["--connectors", "1", "--ocpp-url", backend.url] });
    await backend.waitFor((f) => f[0] === 2 && f[2] === "StatusNotification", "the boot")
      .catch(async (e) => {
        await st[Symbol.asyncDispose]();
        throw e;
      });
    return { backend, st };
  } catch (e) {
    await backend[Symbol.asyncDispose]();
    throw e;
  }
}

Deno.test("an unknown action is answered NotImplemented", async () => {
  const { backend, st } = await connected();
  await using _b = backend;
  await using _s = st;
  const answer = await backend.send(JSON.stringify([2, "u1", "FooBar", { a: 1 }]), "u1");
  assert.deepEqual(answer.slice(0, 3), [4, "u1", "NotImplemented"]);
});

Deno.test("schema-invalid payloads get the matching OCPP 1.6 CALLERROR and change nothing", async () => {
  const { backend, st } = await connected();
  await using _b = backend;
  await using _s = st;
  const cases: [string, unknown[], string][] = [
    ["missing required field", ["Reset", {}], "OccurenceConstraintViolation"],
    ["value outside the enum", ["Reset", { type: "Medium" }], "FormationViolation"],
    [
      "idTag longer than 20",
      ["RemoteStartTransaction", { idTag: "X".repeat(21) }],
      "FormationViolation",
    ],
    ["unknown field", ["Reset", { type: "Soft", when: "now" }], "PropertyConstraintViolation"],
    [
      "string for an integer",
      ["RemoteStopTransaction", { transactionId: "7" }],
      "TypeConstraintViolation",
    ],
    ["payload not an object", ["ClearCache", "please"], "TypeConstraintViolation"],
  ];
  for (const [i, [what, call, expected]] of cases.entries()) {
    const id = `bad${i}`;
    const answer = await backend.send(JSON.stringify([2, id, ...call]), id);
    assert.equal(answer[0], 4, `${what}: a CALLERROR`);
    assert.equal(answer[2], expected, what);
    assert.equal(typeof answer[3], "string");
    assert.equal(typeof answer[4], "object");
  }
  const frame = await backend.send(JSON.stringify([2, "bad9", 42, {}]), "bad9");
  assert.deepEqual(frame.slice(0, 3), [4, "bad9", "FormationViolation"], "not a CALL frame");

  const ok = await backend.send(
    JSON.stringify([2, "good", "GetConfiguration", { key: ["NumberOfConnectors"] }]),
    "good",
  );
  assert.deepEqual(ok, [3, "good", {
    configurationKey: [{ key: "NumberOfConnectors", readonly: true, value: "1" }],
  }]);
  const boots = backend.received.filter((f) => f[0] === 2 && f[2] === "BootNotification");
  assert.equal(boots.length, 1, "the invalid Reset did not reset");
});
