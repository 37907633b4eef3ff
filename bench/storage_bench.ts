/**
 * Storage figures: a year of a busy two-point station written into a real data directory
 * (two 3-hour sessions a day per point, samples every 10 s while charging and every 15 min
 * idle, MeterValues every 60 s delivered, the status events of each session), with the
 * retention policy applied every simulated day as the station does; then the size of the
 * data directory and the longest pruning call.
 * @module
 */
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { openStore } from "../station/store/mod.ts";
import { pruneBatch } from "../station/store/retention.ts";
import type { Figure } from "./figure.ts";

const DAY_MS = 86_400_000;
const START_MS = Date.parse("2026-01-01T00:00:00Z");
const DAYS = 365;
const POINTS = 2;

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) total += await dirBytes(path);
    else if (e.isFile) total += (await Deno.stat(path)).size;
  }
  return total;
}

/** One simulated day written through a prepared statement per table, in one transaction. */
function writeDay(db: DatabaseSync, day: number, energy: number[]): void {
  const sample = db.prepare(`INSERT INTO meter_samples (connector_id, session_id, at, energy_wh,
    power_w, current_l1_ma, current_l2_ma, current_l3_ma, voltage_l1_dv, voltage_l2_dv,
    voltage_l3_dv, offered_ma) VALUES (?, ?, ?, ?, 11000, 16000, 16000, 16000, 2300, 2300, 2300,
    16000)`);
  const session = db.prepare(`INSERT INTO sessions (connector_id, id_tag, auth_source,
    started_at, meter_start_wh, last_meter_wh, last_meter_at, stopped_at, meter_stop_wh,
    stop_reason, transaction_id, ocpp_start, ocpp_stop) VALUES (?, ?, 'whitelist', ?, ?, ?, ?,
    ?, ?, 'EVDisconnected', ?, 'done', 'done') RETURNING id`);
  const outbox = db.prepare(`INSERT INTO ocpp_outbox (session_id, connector_id, action,
    payload, created_at, done_at) VALUES (?, ?, 'MeterValues', ?, ?, ?)`);
  const event = db.prepare(`INSERT INTO events (at, kind, connector_id, code, message)
    VALUES (?, ?, ?, ?, ?)`);
  const dayMs = START_MS + day * DAY_MS;
  db.exec("BEGIN");
  for (let p = 1; p <= POINTS; p++) {
    for (const startH of [7, 18]) {
      const from = dayMs + startH * 3_600_000 + p * 60_000;
      const to = from + 3 * 3_600_000;
      const startWh = energy[p - 1]!;
      const row = session.get(
        p,
        `CARD-${day % 40}`,
        from,
        startWh,
        startWh + 33_000,
        to,
        to,
        startWh + 33_000,
        day * 10 + p,
      ) as { id: number };
      for (let at = from; at < to; at += 10_000) {
        energy[p - 1]! += 30.5;
        sample.run(p, row.id, at, Math.floor(energy[p - 1]!));
      }
      for (let at = from; at < to; at += 60_000) {
        const payload = JSON.stringify({
          connectorId: p,
          meterValue: [{
            timestamp: new Date(at).toISOString(),
            sampledValue: [
              { value: String(energy[p - 1]), measurand: "Energy.Active.Import.Register" },
              { value: "11000", measurand: "Power.Active.Import" },
              { value: "16.0", measurand: "Current.Offered" },
            ],
          }],
        });
        outbox.run(row.id, p, payload, at, at + 200);
      }
      for (const status of ["Preparing", "Charging", "SuspendedEV", "Charging", "Finishing"]) {
        event.run(from, "status", p, status, `Charge point ${p}: ${status}`);
      }
      event.run(from, "session", p, "Started", `Session ${row.id} started`);
      event.run(to, "session", p, "EVDisconnected", `Session ${row.id} stopped`);
    }
    for (let at = dayMs; at < dayMs + DAY_MS; at += 15 * 60_000) {
      sample.run(p, null, at, Math.floor(energy[p - 1]!));
    }
  }
  db.exec("COMMIT");
}

/** Measures and returns the figures. */
export async function run(): Promise<Figure[]> {
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-bench-year-" });
  try {
    await using store = await openStore(dataDir);
    const db = new DatabaseSync(join(dataDir, "ladewerk.sqlite"));
    db.exec("PRAGMA journal_mode = WAL");
    const energy = Array.from({ length: POINTS }, () => 1000);
    let pruneMaxMs = 0;
    const started = performance.now();
    try {
      for (let day = 0; day < DAYS; day++) {
        writeDay(db, day, energy);
        // As Store.prune() does, one batch at a time: the longest batch is the longest stall.
        for (let n = 1; n > 0;) {
          const t0 = performance.now();
          n = await pruneBatch(store.db, START_MS + (day + 1) * DAY_MS);
          pruneMaxMs = Math.max(pruneMaxMs, performance.now() - t0);
        }
      }
      db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } finally {
      db.close();
    }
    const seconds = (performance.now() - started) / 1000;
    const count = (table: string) => {
      const r = new DatabaseSync(join(dataDir, "ladewerk.sqlite"), { readOnly: true });
      try {
        return Number((r.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n);
      } finally {
        r.close();
      }
    };
    const bytes = await dirBytes(dataDir);
    return [
      {
        name: "data directory after a year",
        value: bytes / 1024 / 1024,
        unit: "MiB",
        note: `${count("sessions")} sessions, ${count("meter_samples")} samples kept ` +
          `(180 days), ${count("ocpp_outbox")} outbox rows (30 days), ` +
          `${count("events")} events; written in ${seconds.toFixed(0)} s`,
      },
      {
        name: "retention pruning, longest batch",
        value: pruneMaxMs,
        unit: "ms",
        note: "one DELETE of at most 200 rows per table; the event loop runs between batches",
      },
    ];
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}
