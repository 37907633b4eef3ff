/**
 * Crash test: SIGKILL the station while it charges, restart it on the same data directory,
 * and find the interrupted session closed consistently: reason PowerLoss, stop reading = the
 * last stored reading, nothing lost, nothing doubled.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { seedSettings } from "./helpers/seed.ts";
import { startStation, type StationProcess } from "./helpers/station_process.ts";

// deno-lint-ignore no-explicit-any
type Row = any;

const ROUNDS = 20;

function rows(dataDir: string, sql: string): Row[] {
  const db = new DatabaseSync(join(dataDir, "ladewerk.sqlite"), { readOnly: true });
  try {
    return db.prepare(sql).all().map((r) => ({ ...r }));
  } finally {
    db.close();
  }
}

const post = (body?: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

async function chargeOn(st: StationProcess, connectorId: number): Promise<void> {
  await st.api(`/api/sim/connectors/${connectorId}/plug`, post());
  await st.api("/api/sim/rfid", post({ idTag: "MASTERKEY" }));
  await st.waitFor((s: Row) => s.connectors[connectorId - 1].status === "Charging");
}

function checkSessions(dataDir: string, expected: number): void {
  const sessions = rows(dataDir, "SELECT * FROM sessions ORDER BY id");
  assert.equal(sessions.length, expected, "one row per session: nothing lost, nothing doubled");
  const registerWh = new Map<number, number>();
  for (const s of sessions) {
    assert.notEqual(s.stopped_at, null, `session ${s.id} is closed`);
    assert.equal(s.stop_reason, "PowerLoss", `session ${s.id} was interrupted`);
    assert.equal(s.meter_stop_wh, s.last_meter_wh, `session ${s.id} stops at the last reading`);
    assert.equal(s.stopped_at, s.last_meter_at, `session ${s.id} stops at the last reading's time`);
    assert.ok(s.meter_stop_wh >= s.meter_start_wh, `session ${s.id} never runs backwards`);
    assert.ok(
      s.meter_start_wh >= (registerWh.get(s.connector_id) ?? 0),
      `session ${s.id} starts at or above the last stop of its meter`,
    );
    registerWh.set(s.connector_id, s.meter_stop_wh);
    const samples = rows(
      dataDir,
      `SELECT max(energy_wh) AS wh, count(*) AS n FROM meter_samples WHERE session_id = ${s.id}`,
    )[0];
    if (Number(samples.n) > 0) {
      assert.equal(s.meter_stop_wh, samples.wh, `session ${s.id} stops at its last sample`);
    }
  }
}

Deno.test(`SIGKILL while charging, ${ROUNDS} times in a row: each interrupted session closes with PowerLoss at its last stored reading`, async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-crash-" });
  try {
    await seedSettings(dataDir, { "meter.storeIntervalS": 1 });
    for (let round = 1; round <= ROUNDS; round++) {
      const st = await startStation({ dataDir });
      try {
        checkSessions(dataDir, round - 1);
        const connectorId = 1 + (round % 2);
        await chargeOn(st, connectorId);
        // A random kill point between 0 and 2.5 s into charging: before, at and after samples.
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 2500)));
      } finally {
        st.kill("SIGKILL");
        await st.exited;
        await st[Symbol.asyncDispose]();
      }
      const open = rows(dataDir, "SELECT * FROM sessions WHERE stopped_at IS NULL");
      assert.equal(open.length, 1, `round ${round}: the killed session is still open on disk`);
    }
    const st = await startStation({ dataDir });
    try {
      checkSessions(dataDir, ROUNDS);
      const events = rows(dataDir, "SELECT * FROM events WHERE code = 'PowerLoss'");
      assert.equal(events.length, ROUNDS, "each recovery is in the event log once");
    } finally {
      await st.stop();
      await st[Symbol.asyncDispose]();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
