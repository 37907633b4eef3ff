/**
 * Figures of the home and site interfaces (issue 13): the session history over 100 000
 * sessions (five years of a busy station) in a real SQLite file, `GET /metrics` of the real
 * program, and the MQTT API's telemetry latency: a state change (a vehicle plugged in through
 * the simulator) until the message reaches a subscriber at a real Mosquitto.
 * @module
 */
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import mqtt from "mqtt";
import { openStore } from "../station/store/mod.ts";
import { startMosquitto } from "../tests/helpers/mosquitto.ts";
import { seedSettings } from "../tests/helpers/seed.ts";
import { startStation } from "../tests/helpers/station_process.ts";
import { type Figure, median } from "./figure.ts";

const SESSIONS = 100_000;
const DAY = 86_400_000;
const END_MS = Date.parse("2026-12-01T00:00:00Z");
const START_MS = END_MS - 5 * 365 * DAY;

async function timed(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

async function history(): Promise<Figure[]> {
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-bench-history-" });
  try {
    await (await openStore(dir))[Symbol.asyncDispose]();
    const db = new DatabaseSync(join(dir, "ladewerk.sqlite"));
    const insert = db.prepare(`INSERT INTO sessions (connector_id, id_tag, auth_source,
      started_at, meter_start_wh, last_meter_wh, last_meter_at, stopped_at, meter_stop_wh,
      stop_reason) VALUES (?, ?, 'whitelist', ?, ?, ?, ?, ?, ?, 'EVDisconnected')`);
    db.exec("BEGIN");
    const step = (END_MS - START_MS) / SESSIONS;
    for (let i = 0; i < SESSIONS; i++) {
      const at = Math.floor(START_MS + i * step);
      const wh = 5_000 + (i % 17) * 1_000;
      insert.run(
        1 + (i % 2),
        `CARD-${i % 40}`,
        at,
        i * 10,
        i * 10 + wh,
        at + 3_600_000,
        at + 3_600_000,
        i * 10 + wh,
      );
    }
    db.exec("COMMIT");
    db.close();
    await using store = await openStore(dir);
    const h = store.history;
    const nowMs = END_MS;
    const all = { fromMs: START_MS, toMs: END_MS };
    const month = { fromMs: END_MS - 30 * DAY, toMs: END_MS };
    const card = { ...all, idTag: "CARD-7" };
    const runs = 7;
    const page = await timed(runs, () => h.page(month, { limit: 50, offset: 0, nowMs }));
    const lastPage = await timed(
      runs,
      () => h.page(all, { limit: 50, offset: SESSIONS - 50, nowMs }),
    );
    const totals = await timed(runs, () => h.totals(all, nowMs));
    const perCard = await timed(runs, () => h.perCardMonth(all, "Europe/Berlin", nowMs));
    const ofCard = await timed(runs, () => h.totals(card, nowMs));
    const perDay = await timed(
      runs,
      () => h.perDay({ fromMs: END_MS - 400 * DAY, toMs: END_MS }, "Europe/Berlin", nowMs),
    );
    const note = `${SESSIONS} sessions over 5 years, median of ${runs}`;
    return [
      { name: "history page (30 days, 50 rows)", value: median(page), unit: "ms", note },
      { name: "history last page (5 years)", value: median(lastPage), unit: "ms", note },
      { name: "history totals (5 years)", value: median(totals), unit: "ms", note },
      { name: "history per card and month (5 years)", value: median(perCard), unit: "ms", note },
      { name: "history totals of one card (5 years)", value: median(ofCard), unit: "ms", note },
      { name: "history per day (400 days)", value: median(perDay), unit: "ms", note },
    ];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function metricsAndMqtt(): Promise<Figure[]> {
  await using broker = await startMosquitto();
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-bench-site-" });
  try {
    const token = "bench-metrics-token-0123";
    await seedSettings(dataDir, {
      "metrics.token": token,
      "mqtt.enabled": true,
      "mqtt.broker": broker.url,
    });
    await using st = await startStation({ dataDir });
    const url = new URL("/metrics", st.baseUrl);
    const scrape = async () => {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      await res.text();
    };
    await timed(5, scrape);
    const scrapes = await timed(100, scrape);

    // Subscriber as Home Assistant would be; plug and unplug, time the Preparing/Available.
    const client = await mqtt.connectAsync(broker.url, { clientId: "bench-subscriber" });
    const topic = "ladewerk/24110001/cp/1/state";
    const waiters: ((status: string) => void)[] = [];
    client.on("message", (_t, payload) => {
      const status = JSON.parse(payload.toString() || "{}").status;
      for (const w of waiters.splice(0)) w(status);
    });
    await client.subscribeAsync(topic, { qos: 1 });
    const until = (want: string) =>
      new Promise<number>((resolve) => {
        const check = (status: string) =>
          status === want ? resolve(performance.now()) : waiters.push(check);
        waiters.push(check);
      });
    await new Promise((r) => setTimeout(r, 500));
    const latencies: number[] = [];
    const quiet = () => new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 20; i++) {
      // Changes 300 ms apart: a topic sends at most every 250 ms (MIN_GAP_MS).
      await quiet();
      const plugged = until("Preparing");
      const t0 = performance.now();
      await st.api("/api/sim/connectors/1/plug", { json: {} });
      latencies.push((await plugged) - t0);
      await quiet();
      const unplugged = until("Available");
      const t1 = performance.now();
      await st.api("/api/sim/connectors/1/unplug", { json: {} });
      latencies.push((await unplugged) - t1);
    }
    await client.endAsync();
    const sorted = scrapes.toSorted((a, b) => a - b);
    return [
      {
        name: "GET /metrics median",
        value: median(scrapes),
        unit: "ms",
        note: "real program, bearer token, 100 scrapes",
      },
      {
        name: "GET /metrics p99",
        value: sorted[Math.floor(sorted.length * 0.99) - 1]!,
        unit: "ms",
      },
      {
        name: "MQTT state change to subscriber, median",
        value: median(latencies),
        unit: "ms",
        note:
          "plug/unplug through /api/sim to the message at a subscriber, Mosquitto, 40 changes 300 ms apart",
      },
      { name: "MQTT state change to subscriber, max", value: Math.max(...latencies), unit: "ms" },
    ];
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}

/** The figures. */
export async function run(): Promise<Figure[]> {
  return [...await history(), ...await metricsAndMqtt()];
}
