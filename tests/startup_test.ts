/**
 * Start-up on a damaged data directory: a stored setting that is not valid JSON falls back to
 * its default with a warning and an event, and never keeps the station from starting. The
 * status has the same keys from its first answer on, while OCPP and Modbus are still loading.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Json } from "./helpers/ocpp_station.ts";
import { seedSettings } from "./helpers/seed.ts";
import { startStation } from "./helpers/station_process.ts";

Deno.test("a stored setting that is not valid JSON falls back to its default; the station starts", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-startup-" });
  try {
    await seedSettings(dataDir, {
      "power.stationMaxCurrentMa": 20_000,
      "meter.storeIntervalS": 30,
    });
    const db = new DatabaseSync(join(dataDir, "ladewerk.sqlite"));
    db.prepare("UPDATE settings SET value = ? WHERE key = ?").run(
      "{not json",
      "power.stationMaxCurrentMa",
    );
    db.close();
    await using st = await startStation({ dataDir, args: ["--connectors", "2"] });
    const s = await st.api<Json>("/api/status");
    assert.equal(s.status, 200);
    assert.equal(s.body.station.stationMaxCurrentMa, 63_000, "the default");
    assert.match(st.output(), /power\.stationMaxCurrentMa refused, default used: .*not valid JSON/);
    await st.stop();
    const check = new DatabaseSync(join(dataDir, "ladewerk.sqlite"), { readOnly: true });
    try {
      const events = check.prepare("SELECT code, message FROM events WHERE kind = 'settings'")
        .all();
      assert.equal(events.length, 1);
      assert.match(String(events[0]!.message), /power\.stationMaxCurrentMa/);
      const kept = check.prepare("SELECT value FROM settings WHERE key = 'meter.storeIntervalS'")
        .get();
      assert.equal(kept?.value, "30", "the other settings are kept");
    } finally {
      check.close();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("GET /api/status has the adapters' keys from the first answer on: OCPP and Modbus null until started", async () => {
  await using st = await startStation({ readyAt: "http" });
  const answers: Json[] = [];
  for (;;) {
    const s = await st.api<Json>("/api/status");
    assert.equal(s.status, 200);
    answers.push(s.body);
    if (s.body.ocpp && s.body.modbus) break;
    assert.ok(answers.length < 10_000, "OCPP and Modbus never started");
  }
  for (const body of answers) {
    for (const key of ["ocpp", "modbus", "cluster", "mqtt", "update", "runtime"]) {
      assert.ok(key in body, `${key} in ${JSON.stringify(Object.keys(body))}`);
    }
    // Either not started yet, or started: never a half-made state.
    if (body.ocpp !== null) assert.equal(typeof body.ocpp.registration, "string");
    if (body.modbus !== null) assert.equal(typeof body.modbus.enabled, "boolean");
  }
  assert.equal(answers.at(-1).ocpp.configured, false, "no backend set");
});
