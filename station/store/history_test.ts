import assert from "node:assert/strict";
import { localBuckets } from "./history.ts";
import type { Store } from "./mod.ts";
import { withStore } from "./testing.ts";

const BERLIN = "Europe/Berlin";
const H = 3_600_000;

/** A closed session: `kwh` charged in `minutes` from `atMs`. */
async function session(
  store: Store,
  o: { connectorId?: number; idTag: string; atMs: number; minutes: number; wh: number },
) {
  const connectorId = o.connectorId ?? 1;
  await store.sessions.open({
    connectorId,
    idTag: o.idTag,
    authSource: "local",
    startedAtMs: o.atMs,
    meterStartWh: 1000,
  });
  await store.sessions.close({
    connectorId,
    stoppedAtMs: o.atMs + o.minutes * 60_000,
    meterStopWh: 1000 + o.wh,
    reason: "EVDisconnected",
  });
}

Deno.test("localBuckets() cuts a period at local midnights and month starts, across DST", () => {
  // 2026-03-28 00:00 in Berlin is 27 March 23:00 UTC; the clocks go forward on 29 March.
  const from = Date.UTC(2026, 2, 27, 23);
  const days = localBuckets(BERLIN, from, Date.UTC(2026, 2, 30, 22), "day");
  assert.deepEqual(days.map((d) => d.key), ["2026-03-28", "2026-03-29", "2026-03-30"]);
  assert.deepEqual(
    days.map((d) => (d.endMs - d.startMs) / H),
    [24, 23, 24],
    "29 March has 23 hours in Berlin",
  );
  const months = localBuckets(BERLIN, Date.UTC(2025, 11, 31, 23), Date.UTC(2026, 2, 1), "month");
  assert.deepEqual(months.map((m) => m.key), ["2026-01", "2026-02", "2026-03"]);
  assert.equal(months[0]!.startMs, Date.UTC(2025, 11, 31, 23), "local midnight of 1 January");
  assert.equal(months[2]!.endMs, Date.UTC(2026, 2, 1), "the last one ends with the period");
  assert.deepEqual(localBuckets(BERLIN, 10, 10, "day"), [], "an empty period has no bucket");
  assert.equal(localBuckets("UTC", 0, 10_000 * 24 * H, "day").length, 800, "bounded");
});

Deno.test("history: a period and a card, newest first, paged; totals; per card and local month; per local day", async () => {
  await withStore("history", async (store) => {
    const jan31Late = Date.UTC(2026, 0, 31, 23, 30); // 1 February 00:30 in Berlin
    await session(store, { idTag: "AA", atMs: Date.UTC(2026, 0, 5, 8), minutes: 60, wh: 7000 });
    await session(store, { idTag: "BB", atMs: Date.UTC(2026, 0, 5, 12), minutes: 30, wh: 3000 });
    await session(store, { idTag: "AA", atMs: jan31Late, minutes: 90, wh: 11_000 });
    await session(store, { idTag: "AA", atMs: Date.UTC(2026, 2, 1, 9), minutes: 10, wh: 500 });
    const nowMs = Date.UTC(2026, 2, 2, 9);
    // A session still running counts up to its last stored reading and to now.
    await store.sessions.open({
      connectorId: 2,
      idTag: "BB",
      authSource: "local",
      startedAtMs: Date.UTC(2026, 2, 2, 8),
      meterStartWh: 500,
    });

    const all = { fromMs: Date.UTC(2025, 11, 31, 23), toMs: Date.UTC(2026, 2, 31) };
    const page1 = await store.history.page(all, { limit: 2, offset: 0, nowMs });
    assert.deepEqual(page1.map((s) => [s.idTag, s.stoppedAtMs === null]), [
      ["BB", true],
      ["AA", false],
    ]);
    assert.equal(page1[0]!.durationS, 3600, "a running session lasts until now");
    assert.equal(page1[0]!.energyWh, 0);
    assert.equal(page1[1]!.durationS, 600);
    const page3 = await store.history.page(all, { limit: 2, offset: 4, nowMs });
    assert.deepEqual(page3.map((s) => s.energyWh), [7000], "the oldest on the last page");

    assert.deepEqual(await store.history.totals(all, nowMs), {
      count: 5,
      energyWh: 21_500,
      durationS: (60 + 30 + 90 + 10 + 60) * 60,
    });
    const aa = { ...all, idTag: "AA" };
    assert.deepEqual(await store.history.totals(aa, nowMs), {
      count: 3,
      energyWh: 18_500,
      durationS: 160 * 60,
    });
    const january = { fromMs: Date.UTC(2025, 11, 31, 23), toMs: Date.UTC(2026, 0, 31, 23) };
    assert.equal(
      (await store.history.totals(january, nowMs)).count,
      2,
      "a session at 00:30 local time on 1 February is not January's",
    );

    const months = await store.history.perCardMonth(all, BERLIN, nowMs);
    assert.deepEqual(months.map((m) => [m.month, m.idTag, m.count, m.energyWh]), [
      ["2026-01", "AA", 1, 7000],
      ["2026-01", "BB", 1, 3000],
      ["2026-02", "AA", 1, 11_000],
      ["2026-03", "AA", 1, 500],
      ["2026-03", "BB", 1, 0],
    ]);
    const utcMonths = await store.history.perCardMonth(aa, "UTC", nowMs);
    assert.deepEqual(utcMonths.map((m) => [m.month, m.energyWh]), [
      ["2026-01", 18_000],
      ["2026-03", 500],
    ], "the same session is January's in UTC");

    const days = await store.history.perDay(
      { fromMs: Date.UTC(2026, 0, 30, 23), toMs: Date.UTC(2026, 1, 2, 23) },
      BERLIN,
      nowMs,
    );
    assert.deepEqual(days.map((d) => [d.day, d.count, d.energyWh]), [
      ["2026-01-31", 0, 0],
      ["2026-02-01", 1, 11_000],
      ["2026-02-02", 0, 0],
    ], "to local midnight of 3 February");
  });
});
