/**
 * System test: the real program on free ports with a temporary data directory, driven through
 * the simulator API and `GET /api/status`.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { seedSettings } from "./helpers/seed.ts";
import { startStation } from "./helpers/station_process.ts";

// deno-lint-ignore no-explicit-any
type Status = any;

function readDb<T>(dataDir: string, sql: string, ...params: (string | number)[]): T[] {
  const db = new DatabaseSync(join(dataDir, "ladewerk.sqlite"), { readOnly: true });
  try {
    return db.prepare(sql).all(...params).map((r) => ({ ...r })) as T[];
  } finally {
    db.close();
  }
}

const post = (body?: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

Deno.test("a whole session: plug, card, charge, unplug; the session row holds readings and reason", async () => {
  await using st = await startStation();
  const initial = await st.api<Status>("/api/status");
  assert.equal(initial.status, 200);
  assert.deepEqual(initial.body.connectors.map((c: Status) => c.status), [
    "Available",
    "Available",
  ]);

  const plugged = await st.api<Status>("/api/sim/connectors/1/plug", post({ phases: 3 }));
  assert.equal(plugged.status, 200);
  assert.equal(plugged.body.connectors[0].status, "Preparing");

  await st.api("/api/sim/rfid", post({ idTag: "MASTERKEY" }));
  const charging = await st.waitFor((s: Status) => s.connectors[0].status === "Charging");
  assert.equal(charging.connectors[0].offeredA, 32);
  assert.equal(charging.connectors[0].session.idTag, "MASTERKEY");
  const startWh = charging.connectors[0].session.meterStartWh;
  const risen = await st.waitFor((s: Status) => s.connectors[0].energyWh > startWh + 2, {
    timeoutMs: 10_000,
  });
  assert.ok(risen.connectors[0].powerW > 20_000, "three phases at 32 A draw about 22 kW");

  const unplugged = await st.api<Status>("/api/sim/connectors/1/unplug", post());
  assert.equal(unplugged.status, 200);
  const after = await st.waitFor((s: Status) => s.connectors[0].status === "Available");
  assert.equal(after.connectors[0].session, null);

  const sessions = readDb<Status>(st.dataDir, "SELECT * FROM sessions");
  assert.equal(sessions.length, 1);
  const [row] = sessions;
  assert.equal(row.id_tag, "MASTERKEY");
  assert.equal(row.stop_reason, "EVDisconnected");
  assert.equal(row.meter_start_wh, Math.floor(startWh));
  assert.ok(row.meter_stop_wh > row.meter_start_wh, "energy was charged");
  assert.ok(row.stopped_at >= row.started_at);

  const statuses = readDb<{ code: string }>(
    st.dataDir,
    "SELECT code FROM events WHERE kind = 'status' AND connector_id = 1 ORDER BY id",
  ).map((e) => e.code);
  assert.deepEqual(statuses, ["Available", "Preparing", "Charging", "Finishing", "Available"]);
});

Deno.test("card first, then plug; the same card again stops with Local; unplug ends Finishing", async () => {
  await using st = await startStation({ args: ["--connectors", "1"] });
  await st.api("/api/sim/rfid", post({ idTag: "MASTERKEY" }));
  const waiting = await st.api<Status>("/api/status");
  assert.equal(waiting.body.connectors[0].status, "Preparing");
  assert.equal(waiting.body.station.pendingAuthorization.idTag, "MASTERKEY");

  await st.api("/api/sim/connectors/1/plug", post({ phases: 1, maxCurrentA: 16 }));
  const charging = await st.waitFor((s: Status) =>
    s.connectors[0].status === "Charging" && s.connectors[0].currentA > 0
  );
  assert.equal(charging.connectors[0].offeredA, 32);
  assert.deepEqual(charging.connectors[0].currentsA, [16, 0, 0], "a 16 A one-phase vehicle");

  await st.api("/api/sim/rfid", post({ idTag: "masterkey" }));
  const finishing = await st.waitFor((s: Status) => s.connectors[0].status === "Finishing");
  assert.equal(finishing.connectors[0].contactorClosed, false);
  assert.equal(finishing.connectors[0].cableLocked, false);
  await st.api("/api/sim/connectors/1/unplug", post());
  await st.waitFor((s: Status) => s.connectors[0].status === "Available");
  const [row] = readDb<Status>(st.dataDir, "SELECT * FROM sessions");
  assert.equal(row.stop_reason, "Local");
  assert.equal(row.stop_id_tag, "masterkey");
});

Deno.test("an unknown card is refused in the default valid-card mode", async () => {
  await using st = await startStation();
  await st.api("/api/sim/connectors/2/plug", post());
  await st.api("/api/sim/rfid", post({ idTag: "DEADBEEF" }));
  const s = await st.api<Status>("/api/status");
  assert.equal(s.body.connectors[1].status, "Preparing");
  assert.equal(s.body.connectors[1].session, null);
  const refused = readDb<Status>(st.dataDir, "SELECT * FROM events WHERE kind = 'auth'");
  assert.equal(refused.length, 1);
  assert.equal(refused[0].code, "Invalid");
});

Deno.test("two sessions share the station limit; a fault stops one with its error code", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-test-" });
  await seedSettings(dataDir, {
    "auth.identification": "anyCard",
    "power.stationMaxCurrentMa": 20_000,
  });
  try {
    await using st = await startStation({ dataDir });
    for (const id of [1, 2]) await st.api(`/api/sim/connectors/${id}/plug`, post());
    await st.api("/api/sim/rfid", post({ idTag: "CARD-A" }));
    const one = await st.waitFor((s: Status) => s.connectors[0].status === "Charging");
    assert.equal(one.connectors[0].offeredA, 20, "one session gets the whole station limit");
    await st.api("/api/sim/rfid", post({ idTag: "CARD-B" }));
    const two = await st.waitFor((s: Status) =>
      s.connectors[1].status === "Charging" && s.connectors[0].offeredA === 10
    );
    assert.deepEqual(two.connectors.map((c: Status) => c.offeredA), [10, 10]);

    await st.api("/api/sim/faults", post({ code: "GroundFailure", connectorId: 1 }));
    const faulted = await st.waitFor((s: Status) => s.connectors[0].status === "Faulted");
    assert.equal(faulted.connectors[0].errorCode, "GroundFailure");
    assert.equal(faulted.connectors[0].session, null);
    assert.equal(faulted.connectors[1].offeredA, 20, "the other session gets the freed current");
    const rows = readDb<Status>(st.dataDir, "SELECT * FROM sessions ORDER BY id");
    assert.equal(rows[0].stop_reason, "Other");
    assert.equal(rows[1].stopped_at, null);
    const cleared = await st.api<Status>("/api/sim/faults/GroundFailure", { method: "DELETE" });
    assert.equal(cleared.status, 200);
    assert.equal(cleared.body.connectors[0].status, "Finishing");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("simulator API refuses bad bodies with the field and the reason", async () => {
  await using st = await startStation();
  const cases: [string, RequestInit, number, string][] = [
    ["/api/sim/connectors/1/plug", post({ phases: 2 }), 400, "phases"],
    ["/api/sim/connectors/1/plug", post({ maxCurrentA: "16" }), 400, "maxCurrentA"],
    ["/api/sim/connectors/1/plug", post({ colour: "red" }), 400, ""],
    ["/api/sim/connectors/3/plug", post(), 400, "id"],
    ["/api/sim/connectors/x/plug", post(), 400, "id"],
    ["/api/sim/connectors/1/ev", post({}), 400, "charging"],
    ["/api/sim/rfid", post({ idTag: "" }), 400, "idTag"],
    ["/api/sim/rfid", { method: "POST", body: "{not json" }, 400, "body"],
    ["/api/sim/faults", post({ code: "Nope", connectorId: 1 }), 400, "state"],
    ["/api/sim/faults", post({ code: "GroundFailure", connectorId: 0 }), 400, "state"],
    ["/api/sim/faults", post({ code: "GroundFailure" }), 400, "connectorId"],
    ["/api/sim/faults/GroundFailure", { method: "DELETE" }, 404, "code"],
    ["/api/sim/connectors/1/unplug", post(), 409, "state"],
  ];
  for (const [path, init, status, field] of cases) {
    const res = await st.api<Status>(path, init);
    assert.equal(res.status, status, `${path} ${init.body}: ${JSON.stringify(res.body)}`);
    assert.equal(typeof res.body.error, "string");
    assert.equal(typeof res.body.reason, "string", `${path}: a reason is given`);
    if (field) assert.equal(res.body.field, field, `${path} names ${field}`);
  }
});

Deno.test("SIGTERM shuts down cleanly with exit code 0 and closes a running session as Reboot", async () => {
  const st = await startStation();
  await st.api("/api/sim/connectors/1/plug", post());
  await st.api("/api/sim/rfid", post({ idTag: "MASTERKEY" }));
  await st.waitFor((s: Status) => s.connectors[0].status === "Charging");
  st.kill("SIGTERM");
  const status = await st.exited;
  assert.equal(status.code, 0, st.output());
  const [row] = readDb<Status>(st.dataDir, "SELECT * FROM sessions");
  assert.equal(row.stop_reason, "Reboot");
  await st[Symbol.asyncDispose]();
});
