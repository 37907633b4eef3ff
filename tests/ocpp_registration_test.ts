/**
 * The connection as a hostile or unready backend sees it: back-off until a BootNotification is
 * Accepted, the registration states Pending and Rejected (OCPP 1.6 §4.2), and the WebSocket
 * limits (frame size, bad frames). Against the raw-WebSocket central system, which can do what
 * a well-behaved library refuses to.
 */
import assert from "node:assert/strict";
import { eventually, type Json, ocppStation } from "./helpers/ocpp_station.ts";
import { RawBackend, StationCallError } from "./helpers/raw_backend.ts";

const boot = (status: string, interval: number) => () => ({
  status,
  interval,
  currentTime: new Date().toISOString(),
});

Deno.test("a backend that opens the socket and drops it before the boot meets a growing back-off", async () => {
  const opened: number[] = [];
  await using t = await ocppStation({
    backend: "raw",
    connectors: 1,
    setup: (b) =>
      (b as RawBackend).onOpen = (socket) => {
        opened.push(Date.now());
        socket.close(1011, "go away");
      },
  });
  await eventually(() => opened.length >= 4 || undefined, "four connections", 15_000);
  const gaps = opened.slice(1).map((at, i) => at - opened[i]!);
  // Waits of the 1st, 2nd, 3rd retry lie in [0.5, 1], [1, 2], [2, 4] s: they grow.
  assert.ok(gaps[2]! >= 1800, `third wait ${gaps[2]} ms (gaps ${gaps})`);
  assert.ok(gaps[1]! >= 900, `second wait ${gaps[1]} ms`);
  const s = await t.st.waitFor((s: Json) => s.ocpp.reconnectAttempt >= 4);
  assert.equal(s.ocpp.registration, "none");
  assert.equal(t.backend.calls.filter((c) => c.action !== "BootNotification").length, 0);
});

Deno.test("the back-off counter is reset by an Accepted BootNotification, not by an open socket", async () => {
  let boots = 0;
  await using t = await ocppStation({
    backend: "raw",
    connectors: 1,
    setup: (b) => {
      // Two connections dropped at once, then a normal backend.
      (b as RawBackend).onOpen = (socket) => {
        if (b.handshakes.length <= 2) socket.close(1011, "not yet");
      };
      b.handlers.BootNotification = () => (boots++, boot("Accepted", 300)());
    },
  });
  await t.booted();
  assert.equal(boots, 1);
  const s = await t.st.waitFor((s: Json) => s.ocpp.registration === "Accepted");
  assert.equal(s.ocpp.reconnectAttempt, 0);
  assert.equal(t.backend.handshakes.length, 3);
});

Deno.test("BootNotification Pending: RemoteStart and RemoteStopTransaction are Rejected, other calls answered", async () => {
  await using t = await ocppStation({
    backend: "raw",
    connectors: 1,
    setup: (b) => b.handlers.BootNotification = boot("Pending", 30),
  });
  await t.backend.waitFor((c) => c.some((x) => x.action === "BootNotification"));
  await t.st.waitFor((s: Json) => s.ocpp.registration === "Pending");
  await t.post("/api/sim/connectors/1/plug");
  const start = await t.backend.call<Json>("RemoteStartTransaction", {
    connectorId: 1,
    idTag: "REMOTE1",
  });
  assert.equal(start.status, "Rejected");
  const stop = await t.backend.call<Json>("RemoteStopTransaction", { transactionId: 1 });
  assert.equal(stop.status, "Rejected");
  const config = await t.backend.call<Json>("GetConfiguration", { key: ["HeartbeatInterval"] });
  assert.equal(config.configurationKey[0].key, "HeartbeatInterval");
  const s = await t.st.api<Json>("/api/status");
  assert.equal(s.body.connectors[0].session, null, "no session from a refused remote start");
  assert.deepEqual(new Set(t.backend.calls.map((c) => c.action)), new Set(["BootNotification"]));
  assert.deepEqual(t.backend.problems, []);
});

Deno.test("BootNotification Rejected: calls get CALLERROR SecurityError, nothing but the boot is sent", async () => {
  await using t = await ocppStation({
    backend: "raw",
    connectors: 1,
    setup: (b) => b.handlers.BootNotification = boot("Rejected", 1),
  });
  await t.st.waitFor((s: Json) => s.ocpp.registration === "Rejected");
  await assert.rejects(
    t.backend.call("GetConfiguration", {}),
    (e: unknown) => e instanceof StationCallError && e.code === "SecurityError",
  );
  await assert.rejects(
    t.backend.call("RemoteStartTransaction", { idTag: "REMOTE1" }),
    (e: unknown) => e instanceof StationCallError && e.code === "SecurityError",
  );
  await t.post("/api/sim/connectors/1/plug");
  await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
  await t.backend.waitFor((c) => c.filter((x) => x.action === "BootNotification").length >= 3, {
    timeoutMs: 8000,
  });
  assert.deepEqual(new Set(t.backend.calls.map((c) => c.action)), new Set(["BootNotification"]));
});

Deno.test("a backend that keeps sending bad frames is dropped after 10 and dialled again with back-off", async () => {
  await using t = await ocppStation({ backend: "raw", connectors: 1 });
  await t.booted();
  const raw = t.backend as RawBackend;
  for (let i = 0; i < 12; i++) raw.sendRaw(`garbage ${i}`);
  await eventually(() => raw.handshakes.length >= 2 || undefined, "a new connection", 10_000);
  await t.booted();
  assert.match(t.st.output(), /Bad message/);
});

Deno.test("a frame over the 1 MiB limit closes the connection; SendLocalList of 1000 entries fits", async () => {
  await using t = await ocppStation({ backend: "raw", connectors: 1 });
  await t.booted();
  const list = Array.from({ length: 1000 }, (_, i) => ({
    idTag: `CARD-${String(i).padStart(14, "0")}`,
    idTagInfo: {
      status: "Accepted",
      expiryDate: "2030-01-01T00:00:00.000Z",
      parentIdTag: `GROUP-${String(i % 17).padStart(10, "0")}`,
    },
  }));
  const res = await t.backend.call<Json>("SendLocalList", {
    listVersion: 1,
    updateType: "Full",
    localAuthorizationList: list,
  });
  assert.equal(res.status, "Accepted");
  const raw = t.backend as RawBackend;
  raw.sendRaw(JSON.stringify([2, "huge1", "DataTransfer", {
    vendorId: "x",
    data: "A".repeat(2 * 1024 * 1024),
  }]));
  await eventually(() => raw.handshakes.length >= 2 || undefined, "reconnected", 10_000);
  assert.equal(
    raw.received.some((f) => Array.isArray(f) && f[1] === "huge1"),
    false,
    "the huge call was never handled",
  );
});
