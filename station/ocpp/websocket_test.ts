/**
 * The station's WebSocket client against Deno's WebSocket server (another implementation) and
 * against a raw TCP peer that answers the handshake wrongly on purpose.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { acceptKey, encodeFrame, OcppWebSocket, parseHead } from "./websocket.ts";

type Recorded = { socket: WebSocket };
type Seen = { path: string; headers: Record<string, string> };

/** The next close event, without `once()`'s rejection on an "error" event before it. */
const closed = (ws: OcppWebSocket) =>
  new Promise<[number, string]>((resolve) => ws.once("close", (...a) => resolve(a as never)));

/** A Deno.serve WebSocket server choosing "ocpp1.6"; records each upgrade request. */
function denoServer(onSocket: (r: Recorded) => void = () => {}) {
  const seen: Seen[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    seen.push({ path: url.pathname + url.search, headers: Object.fromEntries(req.headers) });
    if (req.headers.get("authorization") === "Basic bm9wZQ==") {
      return new Response("no", { status: 401 });
    }
    const { socket, response } = Deno.upgradeWebSocket(req, { protocol: "ocpp1.6" });
    onSocket({ socket });
    return response;
  });
  return {
    url: `ws://127.0.0.1:${server.addr.port}`,
    seen,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** A TCP peer that answers every request with `answer(key)` and then sends `after`. */
function rawServer(answer: (key: string) => Promise<string> | null, after?: Uint8Array) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      const buf = new Uint8Array(4096);
      const n = await conn.read(buf);
      const head = new TextDecoder().decode(buf.subarray(0, n ?? 0));
      const key = /Sec-WebSocket-Key: (\S+)/.exec(head)?.[1] ?? "";
      const text = answer(key);
      if (!text) continue;
      await conn.write(new TextEncoder().encode(await text));
      if (after) await conn.write(after);
    }
  })().catch(() => {});
  return {
    url: `ws://127.0.0.1:${listener.addr.port}/ocpp/CP1`,
    [Symbol.asyncDispose]: () => {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      return Promise.resolve();
    },
  };
}

const upgrade = (key: string, extra = "") =>
  acceptKey(key).then((accept) =>
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    `Sec-WebSocket-Accept: ${accept}\r\n${extra}\r\n`
  );

Deno.test("OcppWebSocket: handshake with path, query, headers and subprotocol; messages of every length encoding both ways; ping; close", async () => {
  const received: string[] = [];
  let serverSide: WebSocket | undefined;
  await using server = denoServer(({ socket }) => {
    serverSide = socket;
    socket.onmessage = (e) => {
      received.push(e.data);
      socket.send(`echo ${e.data}`);
    };
  });
  const ws = new OcppWebSocket(`${server.url}/ocpp/CP%201?x=1`, ["ocpp1.6"], {
    headers: { authorization: "Basic Q1A6c2VjcmV0", "user-agent": "test" },
  });
  const messages: string[] = [];
  ws.on("message", (m: string) => messages.push(m));
  await once(ws, "open");
  assert.equal(ws.protocol, "ocpp1.6");
  assert.equal(ws.readyState, OcppWebSocket.OPEN);
  const req = server.seen[0]!;
  assert.equal(req.path, "/ocpp/CP%201?x=1");
  assert.equal(req.headers["authorization"], "Basic Q1A6c2VjcmV0");
  assert.equal(req.headers["sec-websocket-protocol"], "ocpp1.6");
  assert.equal(req.headers["sec-websocket-version"], "13");

  const long = "ü".repeat(40_000); // 80 000 bytes: a 64-bit length
  for (const text of ["short", "m".repeat(300), long]) ws.send(text);
  while (messages.length < 3) await once(ws, "message");
  assert.deepEqual(received, ["short", "m".repeat(300), long]);
  assert.deepEqual(messages, ["echo short", `echo ${"m".repeat(300)}`, `echo ${long}`]);

  ws.ping();
  await once(ws, "pong");

  serverSide!.close(4000, "bye");
  const [code, reason] = await once(ws, "close");
  assert.deepEqual([code, reason], [4000, "bye"]);
  assert.equal(ws.readyState, OcppWebSocket.CLOSED);
});

Deno.test("OcppWebSocket: close() ends with the server's answer; terminate() emits close after the call", async () => {
  const closed: number[] = [];
  await using server = denoServer(({ socket }) => {
    socket.onclose = (e) => closed.push(e.code);
  });
  const a = new OcppWebSocket(server.url, ["ocpp1.6"]);
  await once(a, "open");
  a.close(1000);
  assert.equal(a.readyState, OcppWebSocket.CLOSING);
  const [code] = await once(a, "close");
  assert.equal(code, 1000);

  const b = new OcppWebSocket(server.url, ["ocpp1.6"]);
  await once(b, "open");
  b.terminate();
  // Listening after the call still sees it, as ocpp-rpc does.
  const [dropped] = await once(b, "close");
  assert.equal(dropped, 1006);
  while (closed.length < 2) await new Promise((r) => setTimeout(r, 10));
  assert.equal(closed[0], 1000);
});

Deno.test("OcppWebSocket: a message over maxPayload closes the connection with 1009", async () => {
  let serverClose: number | undefined;
  await using server = denoServer(({ socket }) => {
    socket.onopen = () => socket.send("x".repeat(2000));
    socket.onclose = (e) => serverClose = e.code;
  });
  const ws = new OcppWebSocket(server.url, ["ocpp1.6"], { maxPayload: 1000 });
  const errors: Error[] = [];
  ws.on("error", (e: Error) => errors.push(e));
  ws.on("message", () => assert.fail("no message"));
  const [code] = await closed(ws);
  assert.equal(code, 1009);
  assert.match(errors[0]!.message, /Max payload size exceeded/);
  while (serverClose === undefined) await new Promise((r) => setTimeout(r, 10));
  assert.equal(serverClose, 1009);
});

Deno.test("OcppWebSocket: a refused handshake is an unexpected response, not an open socket", async () => {
  await using server = denoServer();
  const ws = new OcppWebSocket(server.url, ["ocpp1.6"], {
    headers: { authorization: "Basic bm9wZQ==" },
  });
  ws.on("open", () => assert.fail("not open"));
  const [, response] = await once(ws, "unexpected-response");
  assert.equal(response.statusCode, 401);
  await once(ws, "close");
});

Deno.test("OcppWebSocket: a wrong accept key, a missing subprotocol, a masked frame and a silent server fail as ws fails", async () => {
  const failure = async (url: string, options = {}) => {
    const ws = new OcppWebSocket(url, ["ocpp1.6"], options);
    const errors: Error[] = [];
    ws.on("error", (e: Error) => errors.push(e));
    await closed(ws);
    return errors.map((e) => e.message).join("; ");
  };
  {
    await using s = rawServer(() => upgrade("wrong key", "Sec-WebSocket-Protocol: ocpp1.6\r\n"));
    assert.equal(await failure(s.url), "Invalid Sec-WebSocket-Accept header");
  }
  {
    await using s = rawServer((key) => upgrade(key));
    assert.equal(await failure(s.url), "Server sent no subprotocol");
  }
  {
    await using s = rawServer((key) => upgrade(key, "Sec-WebSocket-Protocol: ocpp2.0.1\r\n"));
    assert.equal(await failure(s.url), "Server sent an invalid subprotocol");
  }
  {
    // A server must not mask: encodeFrame masks, as a client does.
    const masked = encodeFrame(1, new TextEncoder().encode("[2]"));
    await using s = rawServer((key) => upgrade(key, "Sec-WebSocket-Protocol: ocpp1.6\r\n"), masked);
    const ws = new OcppWebSocket(s.url, ["ocpp1.6"]);
    ws.on("error", () => {});
    const [code] = await closed(ws);
    assert.equal(code, 1002);
  }
  {
    await using s = rawServer(() => null);
    const t0 = performance.now();
    assert.match(await failure(s.url, { handshakeTimeout: 300 }), /timed out after 300 ms/);
    assert.ok(performance.now() - t0 < 2_000);
  }
});

Deno.test("OcppWebSocket: a message in many fragments, empty ones among them, arrives whole", async () => {
  // Server frames are not masked: FIN and opcode, the length (< 126), the payload.
  const frame = (fin: boolean, opcode: number, text: string) => {
    const payload = new TextEncoder().encode(text);
    return Uint8Array.from([(fin ? 0x80 : 0) | opcode, payload.length, ...payload]);
  };
  const frames = [
    frame(false, 1, '[2,"1",'),
    ...Array.from({ length: 5000 }, (_, i) => frame(false, 0, i % 2 ? "" : " ")),
    frame(true, 0, '"Heartbeat",{}]'),
  ];
  const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  frames.reduce((at, f) => (all.set(f, at), at + f.length), 0);
  await using s = rawServer((key) => upgrade(key, "Sec-WebSocket-Protocol: ocpp1.6\r\n"), all);
  const ws = new OcppWebSocket(s.url, ["ocpp1.6"]);
  const [text] = await once(ws, "message");
  assert.equal(text, `[2,"1",${" ".repeat(2500)}"Heartbeat",{}]`);
  ws.terminate();
  await closed(ws);
});

Deno.test("parseHead() reads the status and joins repeated headers", () => {
  const r = parseHead("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nX-A: 1\r\nx-a: 2");
  assert.deepEqual(r, {
    statusCode: 101,
    statusMessage: "Switching Protocols",
    headers: { upgrade: "websocket", "x-a": "1, 2" },
  });
  assert.throws(() => parseHead("SSH-2.0-OpenSSH"), /Not an HTTP response/);
});
