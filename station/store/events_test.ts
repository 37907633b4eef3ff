import assert from "node:assert/strict";
import { type EventRow, type LogEvent, type Store } from "./mod.ts";
import { withStore } from "./testing.ts";

const EVENTS: LogEvent[] = [
  { atMs: 1_000, kind: "status", message: "Available", connectorId: 1 },
  { atMs: 2_000, kind: "fault", message: "Fault raised: RCD", connectorId: 2, code: "F3" },
  { atMs: 3_000, kind: "session", message: "Session started", data: { idTag: "A", wh: 5 } },
  { atMs: 4_000, kind: "fault", message: "Fault cleared: RCD", code: "F3", data: null },
  { atMs: 5_000, kind: "login", message: "Admin logged in" },
];

const ats = (rows: EventRow[]) => rows.map((r) => r.at);

Deno.test("append() stores events with their optional fields; list() returns them newest first", async () => {
  await withStore("events", async (store) => {
    await store.events.append([]);
    assert.deepEqual(await store.events.list(), []);
    await store.events.append(EVENTS.slice(0, 3));
    await store.events.append(EVENTS.slice(3));
    const rows = await store.events.list();
    assert.deepEqual(ats(rows), [5_000, 4_000, 3_000, 2_000, 1_000]);
    const byAt = new Map(rows.map((r) => [r.at, r]));
    const { id: _, ...fault } = byAt.get(2_000)!;
    assert.deepEqual(fault, {
      at: 2_000,
      kind: "fault",
      message: "Fault raised: RCD",
      connector_id: 2,
      code: "F3",
      data: null,
    });
    assert.deepEqual(JSON.parse(byAt.get(3_000)?.data ?? "null"), { idTag: "A", wh: 5 });
    assert.equal(byAt.get(3_000)?.connector_id, null);
    assert.equal(byAt.get(4_000)?.data, "null", "an explicit null is kept as JSON");
    assert.equal(byAt.get(5_000)?.data, null);
  });
});

Deno.test("list() filters by time range, kind and limit", async () => {
  await withStore("events", async (store) => {
    await store.events.append(EVENTS);
    const cases: [Parameters<Store["events"]["list"]>[0], number[]][] = [
      [{ fromMs: 2_000 }, [5_000, 4_000, 3_000, 2_000]],
      [{ toMs: 2_000 }, [2_000, 1_000]],
      [{ fromMs: 2_000, toMs: 4_000 }, [4_000, 3_000, 2_000]],
      [{ kind: "fault" }, [4_000, 2_000]],
      [{ kind: "fault", fromMs: 3_000 }, [4_000]],
      [{ kind: "nothing" }, []],
      [{ limit: 2 }, [5_000, 4_000]],
      [{ fromMs: 6_000 }, []],
    ];
    for (const [options, expected] of cases) {
      assert.deepEqual(ats(await store.events.list(options)), expected, JSON.stringify(options));
    }
  });
});
