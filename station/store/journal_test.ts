import assert from "node:assert/strict";
import { withStore } from "./testing.ts";

Deno.test("Journal.next() owes MeterValues by their reading's time, not by when they were stored", async () => {
  await withStore("journal", async (store) => {
    const t0 = Date.UTC(2026, 11, 5, 13, 14, 59, 500);
    const sessionId = await store.sessions.open({
      connectorId: 2,
      idTag: "CARD",
      authSource: "local",
      startedAtMs: t0,
      meterStartWh: 10,
      journal: true,
    });
    await store.journal.startDone(sessionId, 1001);
    const mv = (atMs: number, context: string) =>
      store.journal.enqueueMeterValues({
        sessionId,
        connectorId: 2,
        payload: { context, atMs },
        atMs,
        energyWh: 17,
      });
    // The periodic sample of 13:15:00.010 is stored first; the clock-aligned one, stamped
    // 13:15:00.000, a moment later.
    assert.ok(await mv(t0 + 510, "Sample.Periodic"));
    assert.ok(await mv(t0 + 500, "Sample.Clock"));
    const owed: string[] = [];
    for (let m = await store.journal.next(); m; m = await store.journal.next()) {
      assert.equal(m.kind, "meterValues");
      if (m.kind !== "meterValues") break;
      owed.push(String(m.payload.context));
      await store.journal.meterValuesDone(m.id, t0 + 1000);
    }
    assert.deepEqual(owed, ["Sample.Clock", "Sample.Periodic"]);
  });
});
