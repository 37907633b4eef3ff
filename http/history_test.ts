import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import type { Store } from "../station/store/mod.ts";
import { HISTORY_CSV_HEADER } from "./history_routes.ts";
import { testStation } from "./testing.ts";

// deno-lint-ignore no-explicit-any
type Json = any;
const json = (r: Response): Promise<Json> => r.json();

async function past(store: Store, idTag: string, atMs: number, minutes: number, wh: number) {
  await store.sessions.open({
    connectorId: 1,
    idTag,
    authSource: "local",
    startedAtMs: atMs,
    meterStartWh: 5000,
  });
  await store.sessions.close({
    connectorId: 1,
    stoppedAtMs: atMs + minutes * 60_000,
    meterStopWh: 5000 + wh,
    reason: "Local",
  });
}

Deno.test("GET /api/sessions: a period in local dates and a card, paged, with totals; a live session appears", async () => {
  await using t = await testStation({ settings: { "time.zone": "Europe/Berlin" } });
  const admin = await t.login();
  assert.equal((await t.request("/api/sessions")).status, 401, "never without a login");

  // 31 January 23:30 UTC is 1 February 00:30 in Berlin.
  await past(t.store, "AA", Date.UTC(2026, 0, 10, 8), 60, 7250);
  await past(t.store, "BB", Date.UTC(2026, 0, 20, 8), 30, 1000);
  await past(t.store, "AA", Date.UTC(2026, 0, 31, 23, 30), 90, 11_000);

  const jan = await json(
    await t.request("/api/sessions?from=2026-01-01&to=2026-01-31&pageSize=1", { as: admin }),
  );
  assert.equal(jan.period.from, "2025-12-31T23:00:00.000Z", "local midnight of the first day");
  assert.equal(jan.period.to, "2026-01-31T23:00:00.000Z", "the last day is inclusive");
  assert.deepEqual(jan.totals, { count: 2, energyWh: 8250, durationS: 5400 });
  assert.equal(jan.pages, 2);
  assert.equal(jan.sessions.length, 1);
  assert.deepEqual(jan.sessions[0], {
    id: 2,
    connectorId: 1,
    idTag: "BB",
    startedAt: "2026-01-20T08:00:00.000Z",
    stoppedAt: "2026-01-20T08:30:00.000Z",
    durationS: 1800,
    energyWh: 1000,
    stopReason: "Local",
    transactionId: null,
  });
  const page2 = await json(
    await t.request("/api/sessions?from=2026-01-01&to=2026-01-31&pageSize=1&page=2", {
      as: admin,
    }),
  );
  assert.equal(page2.sessions[0].id, 1);

  const aa = await json(
    await t.request(
      "/api/sessions?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&idTag=AA",
      { as: admin },
    ),
  );
  assert.deepEqual(aa.sessions.map((s: Json) => s.id), [3, 1]);
  assert.equal(aa.totals.energyWh, 18_250);

  // A session of now, through the simulator: the default period (the last 30 days) has it.
  await t.request("/api/sim/connectors/2/plug", { method: "POST" });
  await t.request("/api/sim/rfid", { json: { idTag: "MASTERKEY" } });
  await t.station.settled();
  const now = await json(await t.request("/api/sessions", { as: admin }));
  assert.deepEqual(now.sessions.map((s: Json) => [s.idTag, s.connectorId, s.stoppedAt]), [
    ["MASTERKEY", 2, null],
  ]);
});

Deno.test("GET /api/sessions refuses a bad period, card or page with the field and the reason", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const refused = async (query: string, field: string, reason: RegExp) => {
    const res = await t.request(`/api/sessions${query}`, { as: admin });
    assert.equal(res.status, 400, query);
    const body = await json(res);
    const issue = body.issues.find((i: Json) => i.field === field);
    assert.ok(issue, `${query}: ${JSON.stringify(body)}`);
    assert.match(issue.reason, reason);
  };
  await refused("?from=yesterday", "from", /date/);
  await refused("?to=2026-13-45", "to", /date/);
  await refused("?from=2026-02-01&to=2026-01-01", "to", /ends before it begins/);
  await refused("?from=2010-01-01&to=2026-01-01", "from", /at most 2000 days/);
  await refused("?pageSize=1000", "pageSize", /200/);
  await refused("?page=0", "page", /1/);
  await refused(`?idTag=${"X".repeat(21)}`, "idTag", /20/);
  const csv = await t.request("/api/sessions.csv?from=nonsense", { as: admin });
  assert.equal(csv.status, 400);
});

Deno.test("GET /api/sessions/summary: per card and local month, energy per local day; the CSV export in local time", async () => {
  await using t = await testStation({ settings: { "time.zone": "Europe/Berlin" } });
  const admin = await t.login();
  await past(t.store, "AA", Date.UTC(2026, 0, 10, 8), 60, 7250);
  await past(t.store, "BB", Date.UTC(2026, 0, 10, 12), 30, 1000);
  await past(t.store, "AA", Date.UTC(2026, 0, 31, 23, 30), 90, 11_000);

  const sum = await json(
    await t.request("/api/sessions/summary?from=2026-01-09&to=2026-02-01", { as: admin }),
  );
  assert.deepEqual(sum.months.map((m: Json) => [m.month, m.idTag, m.count, m.energyWh]), [
    ["2026-01", "AA", 1, 7250],
    ["2026-01", "BB", 1, 1000],
    ["2026-02", "AA", 1, 11_000],
  ]);
  assert.equal(sum.days.length, 24, "every day of the period");
  assert.deepEqual(sum.days[1], { day: "2026-01-10", count: 2, energyWh: 8250 });
  assert.deepEqual(sum.days.at(-1), { day: "2026-02-01", count: 1, energyWh: 11_000 });

  const res = await t.request("/api/sessions.csv?from=2026-01-01&to=2026-02-28", { as: admin });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type")!, /^text\/csv/);
  assert.match(
    res.headers.get("content-disposition")!,
    /filename="sessions-24110001-2026-01-01-2026-02-28\.csv"/,
  );
  const text = await res.text();
  assert.ok(text.includes("\r\n"), "CRLF for spreadsheets");
  const rows: string[][] = parse(text);
  assert.deepEqual(rows[0], HISTORY_CSV_HEADER);
  assert.deepEqual(rows.slice(1).map((r) => [r[2], r[3], r[4], r[5], r[6], r[7]]), [
    ["AA", "2026-02-01T00:30:00", "2026-02-01T02:00:00", "5400", "11.000", "Local"],
    ["BB", "2026-01-10T13:00:00", "2026-01-10T13:30:00", "1800", "1.000", "Local"],
    ["AA", "2026-01-10T09:00:00", "2026-01-10T10:00:00", "3600", "7.250", "Local"],
  ]);
});

Deno.test("GET /api/sessions.csv streams more sessions than one page holds, each once", async () => {
  await using t = await testStation({ settings: { "time.zone": "UTC" } });
  const admin = await t.login();
  const base = Date.UTC(2026, 5, 1);
  await t.store.db.transaction().execute(async (tx) => {
    for (let i = 0; i < 2500; i++) {
      await tx.insertInto("sessions").values({
        connector_id: 1 + (i % 2),
        id_tag: `CARD${i % 7}`,
        auth_source: "local",
        started_at: base + i * 60_000,
        meter_start_wh: 0,
        last_meter_wh: 10,
        last_meter_at: base + i * 60_000 + 30_000,
        stopped_at: base + i * 60_000 + 30_000,
        meter_stop_wh: 10,
        stop_reason: "Local",
      }).execute();
    }
  });
  const res = await t.request("/api/sessions.csv?from=2026-06-01&to=2026-06-30", { as: admin });
  const rows: string[][] = parse(await res.text());
  assert.equal(rows.length, 2501, "header and 2500 sessions");
  assert.equal(new Set(rows.slice(1).map((r) => r[0])).size, 2500, "each once");
});
