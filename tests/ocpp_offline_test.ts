/**
 * The offline contract of the OCPP adapter (issue 3), against a real OCPP-J backend:
 * transaction messages stored while the backend is away are delivered in order with the
 * transactionId it assigns and the times of the original events; refused or unanswered
 * transaction messages are retried with a growing wait and delivered once; statuses and
 * heartbeats of the offline time are not replayed.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { systemClock } from "../drivers/clock.ts";
import { SimulatedHardware } from "../drivers/sim/mod.ts";
import { startOcpp } from "../station/ocpp/mod.ts";
import { Station } from "../station/runtime.ts";
import { Settings } from "../station/settings/mod.ts";
import { openStore } from "../station/store/mod.ts";
import { OcppBackend, type RecordedCall } from "./helpers/ocpp_backend.ts";
import { seedSettings } from "./helpers/seed.ts";
import { startStation, type StationProcess } from "./helpers/station_process.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

const TX_ACTIONS = ["StartTransaction", "MeterValues", "StopTransaction"];
const iso = (ms: number) => new Date(ms).toISOString();

function readDb(dataDir: string, sql: string): Any[] {
  const db = new DatabaseSync(join(dataDir, "ladewerk.sqlite"), { readOnly: true });
  try {
    return db.prepare(sql).all().map((r) => ({ ...r }));
  } finally {
    db.close();
  }
}

/** Polls `check` every 50 ms until it returns true; fails after `timeoutMs` with `what`. */
async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startSession(st: StationProcess, connectorId: number, idTag: string) {
  await st.api(`/api/sim/connectors/${connectorId}/plug`, { json: {} });
  await st.api("/api/sim/rfid", { json: { idTag } });
  await st.waitFor((s: Any) => s.connectors[connectorId - 1].session?.idTag === idTag);
}

async function stopSession(st: StationProcess, connectorId: number) {
  await st.api(`/api/sim/connectors/${connectorId}/unplug`, { json: {} });
  await st.waitFor((s: Any) => s.connectors[connectorId - 1].session === null);
}

/** Waits until the station's outbox holds `n` MeterValues of the session of `idTag`. */
async function outboxHolds(dataDir: string, idTag: string, n: number): Promise<void> {
  const sql = `SELECT count(*) AS n FROM ocpp_outbox o JOIN sessions s ON s.id = o.session_id
    WHERE s.id_tag = '${idTag}'`;
  await until(() => Number(readDb(dataDir, sql)[0].n) >= n, `${n} MeterValues of ${idTag}`);
}

/** Counts transactionIds the backend hands out, by the call's index in `backend.calls`. */
function recordTransactionIds(backend: OcppBackend): Map<RecordedCall, number> {
  const assigned = new Map<RecordedCall, number>();
  const answer = backend.handlers.StartTransaction!;
  backend.handlers.StartTransaction = (params, identity) => {
    const res = answer(params, identity) as { transactionId: number };
    assigned.set(backend.calls.at(-1)!, res.transactionId);
    return res;
  };
  return assigned;
}

/** What the backend must see for the station's stored journal, oldest event first. */
function expectedJournal(dataDir: string, sessionIds: number[]) {
  const rows = readDb(dataDir, `SELECT * FROM sessions WHERE id IN (${sessionIds}) ORDER BY id`);
  const outbox = readDb(
    dataDir,
    `SELECT * FROM ocpp_outbox WHERE session_id IN (${sessionIds}) ORDER BY id`,
  );
  const rank = { StartTransaction: 0, MeterValues: 1, StopTransaction: 2 } as const;
  const events: { atMs: number; action: keyof typeof rank; params: Any }[] = [];
  for (const s of rows) {
    events.push({
      atMs: s.started_at,
      action: "StartTransaction",
      params: {
        connectorId: s.connector_id,
        idTag: s.id_tag,
        meterStart: s.meter_start_wh,
        timestamp: iso(s.started_at),
      },
    }, {
      atMs: s.stopped_at,
      action: "StopTransaction",
      params: {
        transactionId: s.transaction_id,
        meterStop: s.meter_stop_wh,
        timestamp: iso(s.stopped_at),
        reason: s.stop_reason,
      },
    });
  }
  for (const o of outbox) {
    const s = rows.find((r) => r.id === o.session_id);
    events.push({
      atMs: o.created_at,
      action: "MeterValues",
      params: { ...JSON.parse(o.payload), transactionId: s.transaction_id },
    });
  }
  events.sort((a, b) => a.atMs - b.atMs || rank[a.action] - rank[b.action]);
  return { rows, outbox, events: events.map(({ action, params }) => ({ action, params })) };
}

async function withDataDir(fn: (dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-ocpp-offline-" });
  try {
    await fn(dataDir);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

const SEED = {
  "auth.identification": "anyCard",
  "meter.storeIntervalS": 1,
  "ocpp.meterValueSampleIntervalS": 1,
};

Deno.test("sessions started and stopped while the backend is down reach it in order once it is back: its transactionId, the original times, no replayed statuses or heartbeats", async () => {
  await withDataDir(async (dataDir) => {
    await using backend = new OcppBackend();
    await backend.start();
    backend.handlers.BootNotification = () => ({
      status: "Accepted",
      interval: 1,
      currentTime: new Date().toISOString(),
    });
    const assigned = recordTransactionIds(backend);
    await seedSettings(dataDir, SEED);
    await using st = await startStation({ dataDir, args: ["--ocpp-url", backend.url] });
    await st.waitFor((s: Any) => s.ocpp.registration === "Accepted" && s.ocpp.queue === 0);
    await backend.waitFor((c) => c.some((x) => x.action === "Heartbeat"), { what: "a Heartbeat" });

    await backend.stop();
    const downAtMs = Date.now();
    const seenBefore = backend.calls.length;
    await st.waitFor((s: Any) => !s.ocpp.connected);

    // Two overlapping sessions on both charge points, each long enough for MeterValues.
    await startSession(st, 1, "OFFLINE-1");
    await outboxHolds(dataDir, "OFFLINE-1", 1);
    await startSession(st, 2, "OFFLINE-2");
    await outboxHolds(dataDir, "OFFLINE-1", 3);
    await stopSession(st, 1);
    await outboxHolds(dataDir, "OFFLINE-2", 3);
    await stopSession(st, 2);

    const offline = readDb(dataDir, "SELECT * FROM sessions ORDER BY id");
    assert.equal(offline.length, 2);
    for (const s of offline) {
      assert.equal(s.ocpp_start, "pending", "StartTransaction stored before it is sent");
      assert.equal(s.ocpp_stop, "pending", "StopTransaction stored before it is sent");
      assert.equal(s.transaction_id, null, "no transactionId before the backend answers");
    }
    assert.equal(backend.calls.length, seenBefore, "nothing reached a stopped backend");
    const owed = Number(readDb(dataDir, "SELECT count(*) AS n FROM ocpp_outbox")[0].n);
    // The status page counts what is owed: two Starts, two Stops and the MeterValues.
    await st.waitFor((s: Any) => s.ocpp.queue === 4 + owed);

    const upAtMs = Date.now();
    await backend.start();
    await st.waitFor((s: Any) => s.ocpp.registration === "Accepted" && s.ocpp.queue === 0, {
      timeoutMs: 60_000,
    });
    // Let the boot statuses and a few heartbeats of the new connection arrive.
    await backend.waitFor(
      (c) => c.slice(seenBefore).filter((x) => x.action === "Heartbeat").length >= 2,
      { what: "two Heartbeats after the return", timeoutMs: 10_000 },
    );

    const ids = offline.map((s) => s.id);
    const { rows, outbox, events } = expectedJournal(dataDir, ids);
    const after = backend.calls.slice(seenBefore);
    const delivered = after.filter((c) => TX_ACTIONS.includes(c.action));
    assert.deepEqual(
      delivered.map((c) => ({ action: c.action, params: c.params })),
      events,
      "Start, MeterValues and Stop of both sessions, oldest event first, each once",
    );
    assert.ok(outbox.every((o) => o.done_at !== null), "every MeterValues is settled");
    for (const s of rows) {
      const start = delivered.find((c) =>
        c.action === "StartTransaction" && c.params.idTag === s.id_tag
      )!;
      assert.equal(s.transaction_id, assigned.get(start), `${s.id_tag} keeps the backend's id`);
      assert.equal(s.ocpp_start, "done");
      assert.equal(s.ocpp_stop, "done");
      for (const c of delivered.filter((c) => c.params.transactionId === s.transaction_id)) {
        const at = Date.parse(
          c.action === "MeterValues"
            ? (c.params.meterValue as Any)[0].timestamp
            : c.params.timestamp,
        );
        assert.ok(at >= downAtMs && at < upAtMs, `${c.action} carries its original time`);
      }
    }
    assert.ok(delivered.filter((c) => c.action === "MeterValues").length >= 6);

    const statuses = after.filter((c) => c.action === "StatusNotification");
    assert.deepEqual(
      statuses.map((c) => c.params.connectorId).toSorted(),
      [0, 1, 2],
      "one StatusNotification per point after boot, none replayed from the offline time",
    );
    for (const c of statuses) {
      assert.ok(Date.parse(c.params.timestamp as string) >= upAtMs, "statuses are current ones");
      assert.equal(c.params.status, "Available");
    }
    const firstStatus = after.indexOf(statuses[0]!);
    assert.ok(
      delivered.every((c) => after.indexOf(c) < firstStatus),
      "current statuses come after the older transaction messages",
    );
    const beats = after.filter((c) => c.action === "Heartbeat").map((c) => c.atMs);
    beats.forEach((atMs, i) => {
      if (i > 0) assert.ok(atMs - beats[i - 1]! >= 800, "heartbeats are not replayed in a burst");
    });
  });
});

Deno.test("StartTransaction and StopTransaction refused with CALLERROR are retried with a growing wait, delivered once, and later messages wait behind them", async () => {
  await withDataDir(async (dataDir) => {
    await using backend = new OcppBackend();
    await backend.start();
    const assigned = recordTransactionIds(backend);
    const failing = (action: string, times: number) => {
      const answer = backend.handlers[action]!;
      let calls = 0;
      backend.handlers[action] = (params, identity) => {
        if (++calls <= times) throw new Error(`${action} refused for the test (${calls})`);
        return answer(params, identity);
      };
    };
    failing("StartTransaction", 3);
    await seedSettings(dataDir, { ...SEED, "ocpp.transactionMessageRetryIntervalS": 1 });
    await using st = await startStation({ dataDir, args: ["--ocpp-url", backend.url] });
    await st.waitFor((s: Any) => s.ocpp.registration === "Accepted");

    await startSession(st, 1, "RETRY-1");
    const starts = () => backend.of("StartTransaction");
    // MeterValues are taken every second meanwhile: they must not hurry the retries.
    await until(() => starts().length >= 4, "the fourth StartTransaction", 20_000);
    failing("StopTransaction", 2);
    await until(
      () => backend.of("MeterValues").length >= 2,
      "MeterValues after the accepted StartTransaction",
    );
    await stopSession(st, 1);
    // A later session on the other point: its StartTransaction waits behind the refused Stop.
    await startSession(st, 2, "RETRY-2");
    await st.waitFor((s: Any) => s.ocpp.queue === 0 && s.ocpp.connected, { timeoutMs: 30_000 });
    await stopSession(st, 2);
    await until(
      () => backend.of("StopTransaction").length === 4,
      "the StopTransaction of the second session",
    );
    await st.waitFor((s: Any) => s.ocpp.queue === 0, { timeoutMs: 30_000 });

    const tx = backend.calls.filter((c) => TX_ACTIONS.includes(c.action));
    const first = starts().filter((c) => c.params.idTag === "RETRY-1");
    assert.equal(first.length, 4, "three refusals, then accepted, then never again");
    const same = JSON.stringify(first[0]!.params);
    assert.ok(first.every((c) => JSON.stringify(c.params) === same), "retries are identical");
    const growing = (calls: RecordedCall[], what: string) => {
      const gaps = calls.slice(1).map((c, i) => c.atMs - calls[i]!.atMs);
      gaps.forEach((gapMs, i) => {
        const wantMs = (i + 1) * 1000;
        assert.ok(
          gapMs >= wantMs - 50 && gapMs < wantMs + 1500,
          `${what} retry ${i + 1} after ${gapMs} ms, expected interval × attempt = ${wantMs} ms ` +
            `(gaps ${gaps.join(", ")})`,
        );
      });
    };
    growing(first, "StartTransaction");
    const txId = assigned.get(first[3]!);
    const accepted = tx.indexOf(first[3]!);
    assert.ok(
      tx.slice(0, accepted).every((c) => c.action === "StartTransaction"),
      "no MeterValues before the StartTransaction was accepted",
    );

    const stops = backend.of("StopTransaction").filter((c) => c.params.transactionId === txId);
    assert.equal(stops.length, 3, "two refusals, then accepted, then never again");
    assert.ok(stops.every((c) => JSON.stringify(c.params) === JSON.stringify(stops[0]!.params)));
    growing(stops, "StopTransaction");
    const stopAccepted = tx.indexOf(stops[2]!);
    const second = starts().filter((c) => c.params.idTag === "RETRY-2");
    assert.equal(second.length, 1);
    assert.ok(tx.indexOf(second[0]!) > stopAccepted, "the later StartTransaction waited behind");
    assert.ok(
      tx.slice(accepted + 1, stopAccepted).every((c) =>
        c.action !== "StartTransaction" && c.params.transactionId === txId
      ),
      "between its Start and its Stop only the session's own messages, with its transactionId",
    );

    const [row1, row2] = readDb(dataDir, "SELECT * FROM sessions ORDER BY id");
    assert.equal(row1.transaction_id, txId);
    assert.equal(row2.transaction_id, assigned.get(second[0]!));
    const mvs = backend.of("MeterValues");
    const keys = mvs.map((c) => JSON.stringify(c.params));
    assert.equal(new Set(keys).size, keys.length, "each MeterValues delivered once");
    const owed = readDb(dataDir, "SELECT count(*) AS n FROM ocpp_outbox")[0].n;
    assert.equal(mvs.length, Number(owed), "every stored MeterValues delivered");
  });
});

Deno.test("a StartTransaction without an answer in time is sent again after the retry interval; the answered one's transactionId is used", async () => {
  await withDataDir(async (dataDir) => {
    await using backend = new OcppBackend();
    await backend.start();
    const assigned = recordTransactionIds(backend);
    const answer = backend.handlers.StartTransaction!;
    let calls = 0;
    backend.handlers.StartTransaction = async (params, identity) => {
      // The first answer comes after the station's call timeout.
      if (++calls === 1) await new Promise((r) => setTimeout(r, 1200));
      return answer(params, identity);
    };
    {
      await seedSettings(dataDir, {
        ...SEED,
        "ocpp.transactionMessageRetryIntervalS": 1,
        "ocpp.url": backend.url,
      });
    }
    await using store = await openStore(dataDir);
    const { settings } = await Settings.open(store.settings, {
      serial: "24110001",
      connectors: 2,
      hardware: "sim",
      masterKey: "MASTERKEY",
    });
    await using hardware = new SimulatedHardware({ connectors: 2, clock: systemClock });
    await using station = await Station.start({ hardware, store, settings });
    const info = {
      serial: "24110001",
      vendor: "ladewerk",
      model: "test",
      firmwareVersion: "0",
      hardware: "sim" as const,
      connectors: 2 as const,
    };
    await using ocpp = startOcpp({ station, info, callTimeoutMs: 400 });
    await until(() => ocpp.client.online, "registration");

    hardware.plug(1);
    hardware.presentCard("TIMEOUT-1");
    await until(() => backend.of("StartTransaction").length >= 2, "the StartTransaction again");
    await until(() => backend.of("MeterValues").length >= 1, "MeterValues after the Start");
    await station.dispatch({ type: "remoteStop", connectorId: 1, reason: "Local" });
    await until(() => backend.of("StopTransaction").length >= 1, "the StopTransaction");
    await until(() => ocpp.status().queue === 0, "everything delivered", 10_000);

    const [late, answered] = backend.of("StartTransaction");
    assert.equal(backend.of("StartTransaction").length, 2, "sent again once, then never");
    assert.equal(JSON.stringify(late!.params), JSON.stringify(answered!.params));
    assert.ok(answered!.atMs - late!.atMs >= 400 + 1000 - 50, "after timeout + retry interval");
    const [row] = readDb(dataDir, "SELECT * FROM sessions");
    assert.equal(row.transaction_id, assigned.get(answered!), "the answered call's id is kept");
    for (const c of [...backend.of("MeterValues"), ...backend.of("StopTransaction")]) {
      assert.equal(c.params.transactionId, row.transaction_id);
    }
    assert.equal(backend.of("StopTransaction").length, 1);
  });
});
