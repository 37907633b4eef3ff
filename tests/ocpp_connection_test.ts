/**
 * The OCPP connection: security profiles 0, 1 (basic auth with AuthorizationKey) and 2 (wss://
 * with the CA from the settings), reconnection when the backend goes away and comes back, the
 * state in `GET /api/status`, and blanks around URL or key refused.
 */
import assert from "node:assert/strict";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { RPCServer } from "ocpp-rpc";
import selfsigned from "selfsigned";
import { OcppBackend } from "./helpers/ocpp_backend.ts";
import { eventually, type Json, ocppStation } from "./helpers/ocpp_station.ts";
import { seedSettings } from "./helpers/seed.ts";
import { MAIN_PATH, REPO_ROOT, startStation } from "./helpers/station_process.ts";
import { startTcpProxy } from "./helpers/tcp_proxy.ts";

Deno.test("security profile 0: no credentials; GET /api/status shows the accepted connection", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  assert.deepEqual(t.backend.handshakes, [{ identity: "TE24110001" }]);
  const s = await t.st.waitFor((s: Json) => s.ocpp.lastMessageAt !== null);
  assert.equal(s.ocpp.configured, true);
  assert.equal(s.ocpp.url, t.backend.url);
  assert.equal(s.ocpp.chargeBoxId, "TE24110001");
  assert.equal(s.ocpp.connected, true);
  assert.equal(s.ocpp.registration, "Accepted");
  assert.equal(s.ocpp.reconnectAttempt, 0);
  assert.equal(s.ocpp.nextReconnectAt, null);
  assert.equal(s.ocpp.queue, 0);
  assert.ok(Date.parse(s.ocpp.connectedSince) > Date.UTC(2024, 0, 1));
});

Deno.test("without a backend URL GET /api/status shows OCPP as not configured", async () => {
  await using st = await startStation({ args: ["--connectors", "1"] });
  const s = await st.api<Json>("/api/status");
  assert.equal(s.body.ocpp.configured, false);
  assert.equal(s.body.ocpp.connected, false);
  assert.equal(s.body.ocpp.registration, "none");
});

Deno.test("security profile 1: basic auth with the AuthorizationKey as password", async () => {
  await using t = await ocppStation({
    connectors: 1,
    password: "Secret-Key-0042",
    seed: { "ocpp.authorizationKey": "Secret-Key-0042" },
  });
  await t.booted();
  assert.deepEqual(t.backend.handshakes, [{ identity: "TE24110001", password: "Secret-Key-0042" }]);
});

Deno.test("a wrong AuthorizationKey is refused; the station keeps retrying with back-off", async () => {
  await using t = await ocppStation({
    connectors: 1,
    password: "right-key-1",
    allowRefusals: true,
    seed: { "ocpp.authorizationKey": "wrong-key-1" },
  });
  await eventually(() => t.backend.handshakes.length >= 3 || undefined, "three attempts", 12_000);
  assert.ok(t.backend.handshakes.every((h) => h.password === "wrong-key-1"));
  assert.equal(t.backend.calls.length, 0, "never connected");
  const s = await t.st.waitFor((s: Json) => s.ocpp.reconnectAttempt >= 3);
  assert.equal(s.ocpp.connected, false);
  assert.equal(s.ocpp.registration, "none");
  assert.ok(Date.parse(s.ocpp.nextReconnectAt) > Date.now() - 1000, s.ocpp.nextReconnectAt);
});

Deno.test("AuthorizationKey set over OCPP: Accepted, then the station reconnects with it", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  const res = await t.backend.call<Json>("ChangeConfiguration", {
    key: "AuthorizationKey",
    value: "New-Key-2026",
  });
  assert.equal(res.status, "Accepted");
  await eventually(() => t.backend.handshakes[1], "a second connection");
  assert.equal(t.backend.handshakes[1]!.password, "New-Key-2026");
  await t.backend.waitFor((c) => c.filter((x) => x.action === "BootNotification").length === 2);
});

Deno.test("security profile 2: wss:// with the CA certificate from the settings", async () => {
  const pems = await selfsigned.generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }] },
    ],
  });
  const rpc = new RPCServer({ protocols: ["ocpp1.6"], strictMode: true });
  const calls: { action: string; password?: string }[] = [];
  rpc.auth((accept, _reject, hs) => {
    calls.push({
      action: "handshake",
      ...(hs.password ? { password: new TextDecoder().decode(hs.password) } : {}),
    });
    accept();
  });
  rpc.on("client", (client) => {
    client.handle(({ method }: { method: string }) => {
      calls.push({ action: method });
      if (method === "BootNotification") {
        return { status: "Accepted", interval: 300, currentTime: new Date().toISOString() };
      }
      return {};
    });
  });
  const https = createServer({ cert: pems.cert, key: pems.private });
  https.on("upgrade", rpc.handleUpgrade);
  await new Promise<void>((resolve) => https.listen(0, "127.0.0.1", resolve));
  const port = (https.address() as AddressInfo).port;
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-wss-" });
  try {
    await seedSettings(dataDir, {
      "ocpp.caCertificatePem": pems.cert,
      "ocpp.authorizationKey": "Tls-Key-7",
    }, { connectors: 1 });
    await using st = await startStation({
      dataDir,
      args: ["--connectors", "1", "--ocpp-url", `wss://localhost:${port}/ocpp`],
    });
    const s = await st.waitFor((s: Json) => s.ocpp.registration === "Accepted");
    assert.equal(s.ocpp.url, `wss://localhost:${port}/ocpp`);
    await eventually(
      () => calls.filter((c) => c.action === "StatusNotification").length >= 2 || undefined,
      "statuses over wss",
    );
    assert.deepEqual(calls[0], { action: "handshake", password: "Tls-Key-7" });
    assert.equal(calls[1]!.action, "BootNotification");
  } finally {
    await rpc.close({ force: true });
    await new Promise((resolve) => https.close(resolve));
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("wss:// with a certificate the station does not trust: no connection, retried", async () => {
  const pems = await selfsigned.generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    algorithm: "sha256",
    extensions: [{ name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }] }],
  });
  let handshakes = 0;
  const rpc = new RPCServer({ protocols: ["ocpp1.6"], strictMode: true });
  rpc.auth((accept) => {
    handshakes++;
    accept();
  });
  const https = createServer({ cert: pems.cert, key: pems.private });
  https.on("upgrade", rpc.handleUpgrade);
  await new Promise<void>((resolve) => https.listen(0, "127.0.0.1", resolve));
  const port = (https.address() as AddressInfo).port;
  try {
    await using st = await startStation({
      args: ["--connectors", "1", "--ocpp-url", `wss://localhost:${port}/ocpp`],
    });
    const s = await st.waitFor((s: Json) => s.ocpp.reconnectAttempt >= 2, { timeoutMs: 10_000 });
    assert.equal(s.ocpp.connected, false);
    assert.equal(handshakes, 0);
    assert.match(st.output(), /OCPP cannot connect/);
  } finally {
    await rpc.close({ force: true });
    await new Promise((resolve) => https.close(resolve));
  }
});

Deno.test("the backend goes away and comes back: boot, statuses and owed transaction messages follow", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  await t.backend.stop();
  const down = await t.st.waitFor((s: Json) => s.ocpp.connected === false);
  assert.equal(down.ocpp.registration, "none");
  await t.post("/api/sim/connectors/1/plug");
  await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
  await t.st.waitFor((s: Json) => s.connectors[0].status === "Charging");
  await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
  const owed = await t.st.waitFor((s: Json) => s.ocpp.queue === 2);
  assert.equal(owed.connectors[0].status, "Finishing");

  const from = t.backend.calls.length;
  await t.backend.start();
  // The station's back-off (full jitter, doubling) decides when it tries again: wait that long.
  const { ocpp } = await t.st.waitFor((s: Json) =>
    s.ocpp.nextReconnectAt !== null || s.ocpp.connected
  );
  const retryInMs = ocpp.connected ? 0 : Date.parse(ocpp.nextReconnectAt) - Date.now();
  await t.next("BootNotification", undefined, { from, timeoutMs: retryInMs + 5000 });
  const status = await t.next("StatusNotification", (p) => p.connectorId === 1, { from });
  assert.equal(status.params.status, "Finishing", "the status now, after the boot");
  const start = await t.next("StartTransaction", undefined, { from });
  const stop = await t.next("StopTransaction", undefined, { from });
  assert.equal(stop.params.transactionId, 1000);
  assert.equal(stop.params.reason, "Local");
  assert.ok(
    Date.parse(stop.params.timestamp) < t.backend.calls[from]!.atMs,
    "the stop is reported with the time it happened, before the backend came back",
  );
  assert.ok(Date.parse(start.params.timestamp) <= Date.parse(stop.params.timestamp));
  await t.st.waitFor((s: Json) => s.ocpp.queue === 0 && s.ocpp.registration === "Accepted");
});

Deno.test("a backend gone silent (no FIN, no pong) is found out by the ping and dialled again", async () => {
  await using backend = new OcppBackend();
  await backend.start();
  using proxy = startTcpProxy(backend.port);
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-silent-" });
  try {
    await seedSettings(dataDir, { "ocpp.webSocketPingIntervalS": 1 }, { connectors: 1 });
    await using st = await startStation({
      dataDir,
      args: ["--connectors", "1", "--ocpp-url", `ws://127.0.0.1:${proxy.port}/ocpp`],
    });
    await st.waitFor((s: Json) => s.ocpp.registration === "Accepted");
    const boots = () => backend.calls.filter((c) => c.action === "BootNotification").length;
    // Answered pings keep the link: three intervals pass on the one connection.
    await new Promise((r) => setTimeout(r, 3_500));
    const { body: kept } = await st.api<Json>("/api/status");
    assert.equal(kept.ocpp.connected, true);
    assert.equal(boots(), 1);
    proxy.freeze();
    const frozenAt = Date.now();
    await st.waitFor((s: Json) => s.ocpp.connected === false, { timeoutMs: 10_000 });
    const noticedMs = Date.now() - frozenAt;
    // One ping goes unanswered, the next finds it missing: within two intervals and a bit.
    assert.ok(noticedMs < 4_000, `lost after ${noticedMs} ms`);
    proxy.restore();
    await st.waitFor((s: Json) => s.ocpp.registration === "Accepted" && s.ocpp.connected, {
      timeoutMs: 15_000,
    });
    assert.equal(boots(), 2, "booted again on a new connection");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("blanks around the backend URL are refused at start: exit code 2 with a clear message", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-blank-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        MAIN_PATH,
        "--data-dir",
        dataDir,
        "--http-port",
        "0",
        "--ocpp-url",
        " ws://127.0.0.1:9/ocpp",
      ],
      cwd: REPO_ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 2);
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.match(text, /--ocpp-url: The backend URL must not start or end with blanks/);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
