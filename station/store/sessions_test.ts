import assert from "node:assert/strict";
import type { MeterReading } from "../../drivers/ports.ts";
import type { Sample } from "./mod.ts";
import { withStore } from "./testing.ts";

function sample(connectorId: number, atMs: number, energyWh: number, offeredMa = 16_000): Sample {
  const phase = { voltageV: 230.14, currentA: 15.9996, powerW: 3_680, powerFactor: 1 };
  const reading: MeterReading = {
    energyWh,
    powerW: 11_040.4,
    phases: [phase, { ...phase, voltageV: 229.96 }, { ...phase, currentA: 0.0004 }],
    atMs,
  };
  return { connectorId, reading, offeredMa };
}

const start = (connectorId: number, startedAtMs: number, meterStartWh: number) => ({
  connectorId,
  idTag: `TAG${connectorId}`,
  authSource: "whitelist",
  startedAtMs,
  meterStartWh,
});

Deno.test("a session opens, recordSamples() moves its last reading and close() stops it", async () => {
  await withStore("sessions", async (store) => {
    const id = await store.sessions.open({ ...start(1, 1_000, 5_000.7), reservationId: 9 });
    const opened = await store.sessions.openOf(1);
    assert.equal(opened?.id, id);
    assert.equal(opened?.meter_start_wh, 5_000, "whole Wh, rounded down");
    assert.equal(opened?.last_meter_wh, 5_000);
    assert.equal(opened?.last_meter_at, 1_000);
    assert.equal(opened?.reservation_id, 9);
    assert.equal(opened?.stopped_at, null);

    await store.sessions.recordSamples([sample(1, 11_000, 5_030.9), sample(1, 21_000, 5_061)]);
    const running = await store.sessions.get(id);
    assert.equal(running?.last_meter_wh, 5_061);
    assert.equal(running?.last_meter_at, 21_000);
    const rows = await store.sessions.samples(1, 0, 100_000);
    assert.deepEqual(rows.map((r) => [r.session_id, r.at, r.energy_wh]), [
      [id, 11_000, 5_030],
      [id, 21_000, 5_061],
    ]);
    assert.deepEqual(
      [
        rows[0]?.power_w,
        rows[0]?.current_l1_ma,
        rows[0]?.current_l3_ma,
        rows[0]?.voltage_l1_dv,
        rows[0]?.voltage_l2_dv,
        rows[0]?.offered_ma,
      ],
      [11_040, 16_000, 0, 2_301, 2_300, 16_000],
    );

    const closed = await store.sessions.close({
      connectorId: 1,
      stoppedAtMs: 30_000,
      meterStopWh: 5_070.2,
      reason: "Local",
      idTag: "STOPPER",
    });
    assert.equal(closed?.id, id);
    assert.deepEqual(
      [
        closed?.stopped_at,
        closed?.meter_stop_wh,
        closed?.last_meter_wh,
        closed?.stop_reason,
        closed?.stop_id_tag,
      ],
      [30_000, 5_070, 5_070, "Local", "STOPPER"],
    );
    assert.deepEqual(await store.sessions.get(id), closed);
    assert.equal(await store.sessions.openOf(1), undefined);
  });
});

Deno.test("close() without an open session returns undefined and changes nothing", async () => {
  await withStore("sessions", async (store) => {
    const stop = { connectorId: 1, stoppedAtMs: 2_000, meterStopWh: 10, reason: "Local" };
    assert.equal(await store.sessions.close(stop), undefined);
    await store.sessions.open(start(1, 1_000, 0));
    await store.sessions.close(stop);
    assert.equal(await store.sessions.close({ ...stop, stoppedAtMs: 3_000 }), undefined);
    const [only] = await store.sessions.list();
    assert.equal(only?.stopped_at, 2_000);
  });
});

Deno.test("a second open session on the same charge point is refused by the unique index", async () => {
  await withStore("sessions", async (store) => {
    const first = await store.sessions.open(start(1, 1_000, 0));
    await assert.rejects(store.sessions.open(start(1, 2_000, 0)), /UNIQUE constraint failed/);
    // The other charge point is independent, and charge point 1 opens again once closed.
    await store.sessions.open(start(2, 2_000, 0));
    await store.sessions.close({
      connectorId: 1,
      stoppedAtMs: 3_000,
      meterStopWh: 0,
      reason: "EVDisconnected",
    });
    const again = await store.sessions.open(start(1, 4_000, 0));
    assert.notEqual(again, first);
    assert.deepEqual((await store.sessions.list()).map((s) => [s.connector_id, s.stopped_at]), [
      [1, null],
      [2, null],
      [1, 3_000],
    ]);
  });
});

Deno.test("recordSamples() stores a sample without a session when none is open", async () => {
  await withStore("sessions", async (store) => {
    await store.sessions.recordSamples([]);
    await store.sessions.recordSamples([sample(2, 5_000, 123)]);
    const [row] = await store.sessions.samples(2, 5_000, 5_000);
    assert.equal(row?.session_id, null);
    assert.equal(row?.energy_wh, 123);
    assert.deepEqual(await store.sessions.samples(1, 0, 10_000), []);
  });
});

Deno.test("closeInterrupted() closes open sessions as PowerLoss at the last stored reading, once", async () => {
  await withStore("sessions", async (store) => {
    const done = await store.sessions.open(start(1, 500, 100));
    await store.sessions.close({
      connectorId: 1,
      stoppedAtMs: 900,
      meterStopWh: 150,
      reason: "Local",
    });
    const a = await store.sessions.open(start(1, 1_000, 1_000));
    const b = await store.sessions.open(start(2, 2_000, 7_000));
    await store.sessions.recordSamples([sample(1, 11_000, 1_020), sample(2, 12_000, 7_005)]);
    await store.sessions.recordSamples([sample(1, 21_000, 1_041)]);

    const closed = await store.sessions.closeInterrupted();
    assert.deepEqual(
      closed.map((s) => [s.id, s.stop_reason, s.stopped_at, s.meter_stop_wh]).sort(),
      [
        [a, "PowerLoss", 21_000, 1_041],
        [b, "PowerLoss", 12_000, 7_005],
      ].sort(),
    );
    assert.equal(await store.sessions.openOf(1), undefined);
    assert.equal(await store.sessions.openOf(2), undefined);
    const untouched = await store.sessions.get(done);
    assert.deepEqual([untouched?.stop_reason, untouched?.stopped_at], ["Local", 900]);

    assert.deepEqual(await store.sessions.closeInterrupted(), []);
  });
});

Deno.test("lastEnergyWh() is the highest register stored for the charge point, 0 if none", async () => {
  await withStore("sessions", async (store) => {
    assert.equal(await store.sessions.lastEnergyWh(1), 0);
    await store.sessions.open(start(1, 1_000, 4_000));
    assert.equal(await store.sessions.lastEnergyWh(1), 4_000, "from the session");
    await store.sessions.recordSamples([sample(1, 2_000, 4_100), sample(2, 2_000, 90_000)]);
    assert.equal(await store.sessions.lastEnergyWh(1), 4_100, "from the samples");
    await store.sessions.close({
      connectorId: 1,
      stoppedAtMs: 3_000,
      meterStopWh: 4_150,
      reason: "Local",
    });
    assert.equal(await store.sessions.lastEnergyWh(1), 4_150, "from the stop reading");
    assert.equal(await store.sessions.lastEnergyWh(2), 90_000);
    assert.equal(await store.sessions.lastEnergyWh(3), 0);
  });
});

Deno.test("list() pages newest first and samples() keeps to the time range, oldest first", async () => {
  await withStore("sessions", async (store) => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await store.sessions.open(start(1, i * 1_000, i)));
      await store.sessions.close({
        connectorId: 1,
        stoppedAtMs: i * 1_000 + 500,
        meterStopWh: i,
        reason: "Local",
      });
    }
    assert.deepEqual((await store.sessions.list()).map((s) => s.id), [...ids].reverse());
    assert.deepEqual((await store.sessions.list(2, 1)).map((s) => s.id), [ids[3], ids[2]]);
    assert.equal(await store.sessions.get(9_999), undefined);

    await store.sessions.recordSamples([30, 10, 20, 40].map((at) => sample(1, at, at)));
    assert.deepEqual((await store.sessions.samples(1, 10, 30)).map((r) => r.at), [10, 20, 30]);
  });
});
