/**
 * `GET /metrics` of the real program with a real OCPP backend and a real Modbus client: never
 * open (a bearer token or the web login), the Prometheus text format checked by Prometheus's
 * own `promtool check metrics`, and the counters following what happened: the backend's calls,
 * Modbus reads and exceptions, a session, a fault.
 * @module
 */
import assert from "node:assert/strict";
import { closeClient, connectClient, modbusError } from "./helpers/modbus_station.ts";
import { type Json, ocppStation } from "./helpers/ocpp_station.ts";

const TOKEN = "scrape-token-0123456789";

async function promtool(text: string): Promise<string> {
  const child = new Deno.Command("promtool", {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(text));
  await w.close();
  const out = await child.output();
  const said = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `promtool check metrics refused the exposition:\n${said}`);
  return said;
}

/** The value of one sample line `name{labels}`, or undefined. */
function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

Deno.test("GET /metrics: never open; a token or the login; promtool accepts it; counters follow OCPP, Modbus, sessions and faults", async () => {
  await using t = await ocppStation({
    seed: { "metrics.token": TOKEN, "modbus.enabled": true, "modbus.access": "readWrite" },
  });
  await t.booted();
  const url = new URL("/metrics", t.st.baseUrl);
  const scrape = async (init: RequestInit = { headers: { authorization: `Bearer ${TOKEN}` } }) => {
    const res = await fetch(url, init);
    return { res, text: await res.text() };
  };

  const open = await scrape({});
  assert.equal(open.res.status, 401);
  assert.match(open.res.headers.get("www-authenticate") ?? "", /^Bearer /);
  assert.equal(JSON.parse(open.text).issues[0].code, "no_session");
  const wrong = await scrape({ headers: { authorization: "Bearer not-the-token-at-all" } });
  assert.equal(wrong.res.status, 401);
  assert.equal(JSON.parse(wrong.text).issues[0].code, "wrong_token");

  const first = await scrape();
  assert.equal(first.res.status, 200);
  assert.equal(first.res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  await promtool(first.text);
  assert.equal(value(first.text, "ladewerk_up"), 1);
  assert.equal(value(first.text, "ladewerk_ocpp_connected"), 1);
  assert.equal(value(first.text, "ladewerk_ocpp_accepted"), 1);
  assert.equal(value(first.text, "ladewerk_ocpp_connects_total"), 1);
  assert.equal(
    value(first.text, 'ladewerk_ocpp_calls_total{action="BootNotification",outcome="ok"}'),
    1,
  );
  assert.ok(value(first.text, 'ladewerk_ocpp_call_duration_seconds_bucket{le="+Inf"}')! >= 1);
  assert.ok(value(first.text, "ladewerk_process_resident_memory_bytes")! > 10_000_000);

  // A Modbus client reads the map, once outside it (illegal data address, code 2).
  const status = await t.st.api<Json>("/api/status");
  const client = await connectClient(status.body.modbus.port);
  try {
    await client.readHoldingRegisters(0, 10);
    await assert.rejects(client.readHoldingRegisters(60_000, 10), modbusError(2));
  } finally {
    await closeClient(client);
  }

  // A session through the backend, and a fault on the other point.
  await t.post("/api/sim/connectors/1/plug");
  const start = await t.backend.call<Json>("RemoteStartTransaction", {
    connectorId: 1,
    idTag: "MASTERKEY",
  });
  assert.equal(start.status, "Accepted");
  await t.st.waitFor((s: Json) => s.connectors[0].status === "Charging");
  await t.post("/api/sim/faults", { connectorId: 2, code: "GroundFailure" });
  await t.st.waitFor((s: Json) => s.connectors[1].status === "Faulted");

  const later = await scrape();
  await promtool(later.text);
  assert.ok(value(later.text, 'ladewerk_modbus_requests_total{kind="read"}')! >= 2);
  assert.equal(value(later.text, 'ladewerk_modbus_exceptions_total{kind="read",code="2"}'), 1);
  assert.equal(
    value(
      later.text,
      'ladewerk_ocpp_incoming_calls_total{action="RemoteStartTransaction",outcome="ok"}',
    ),
    1,
  );
  assert.equal(value(later.text, "ladewerk_sessions_started_total"), 1);
  assert.equal(value(later.text, 'ladewerk_connector_status{connector="1",status="Charging"}'), 1);
  assert.equal(value(later.text, 'ladewerk_connector_status{connector="1",status="Available"}'), 0);
  assert.equal(value(later.text, 'ladewerk_connector_session_active{connector="1"}'), 1);
  assert.equal(value(later.text, 'ladewerk_faults_active{connector="2"}'), 1);
  assert.ok(value(later.text, 'ladewerk_connector_power_watts{connector="1"}')! > 1000);

  // A logged-in browser may read them too.
  const login = await fetch(new URL("/api/login", t.st.baseUrl), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: "admin", password: "24110001" }),
  });
  assert.equal(login.status, 200);
  await login.body?.cancel();
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
  const byLogin = await scrape({ headers: { cookie } });
  assert.equal(byLogin.res.status, 200);
});
