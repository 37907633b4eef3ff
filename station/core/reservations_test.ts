import assert from "node:assert/strict";
import type { CoreEvent } from "./events.ts";
import { type CoreConfig, initialState, type StationState } from "./state.ts";
import { step } from "./step.ts";

const config: CoreConfig = {
  stationMaxCurrentMa: 63_000,
  hardwareMaxCurrentMa: [32_000, 32_000],
  connectionTimeoutS: 60,
  identification: "validCard",
  dummyIdTag: "FREE",
  dummyAllowStop: false,
};

function run(events: [CoreEvent, number][]) {
  let s: StationState = step(initialState(config, { nowMs: 0 }), { type: "tick" }, 0).state;
  const effects = [];
  for (const [e, t] of events) {
    const r = step(s, e, t);
    s = r.state;
    effects.push(...r.effects);
  }
  return { s, effects };
}

const reserve = (
  id: number,
  connectorId: number,
  idTag: string,
  expiresAtMs = 100_000,
  parentIdTag?: string,
): CoreEvent => ({
  type: "reserve",
  reservation: { id, connectorId, idTag, expiresAtMs, ...(parentIdTag ? { parentIdTag } : {}) },
});
const ok = (idTag: string, parentIdTag?: string): CoreEvent => ({
  type: "authorized",
  idTag,
  result: { status: "Accepted", source: "backend", ...(parentIdTag ? { parentIdTag } : {}) },
});
const plug = (connectorId: number): CoreEvent => ({ type: "pilot", connectorId, pilot: "B" });

Deno.test("a reserved point shows Reserved and starts only for its id tag, consuming the reservation", () => {
  const { s, effects } = run([[reserve(7, 1, "A"), 1], [plug(1), 2], [ok("B"), 3], [ok("a"), 4]]);
  assert.equal(s.connectors[0]!.session?.idTag, "a");
  assert.equal(s.connectors[0]!.session?.reservationId, 7);
  assert.deepEqual(s.reservations, []);
  assert.ok(effects.some((e) => e.type === "reservationEnded" && e.reason === "used"));
  assert.ok(
    effects.some((e) => e.type === "status" && e.connectorId === 1 && e.status === "Reserved"),
  );
});

Deno.test("a reservation is used by a card with the same parent id tag", () => {
  const { s } = run([[reserve(1, 2, "A", 100_000, "GROUP"), 1], [plug(2), 2], [
    ok("OTHER", "GROUP"),
    3,
  ]]);
  assert.equal(s.connectors[1]!.session?.reservationId, 1);
});

Deno.test("a reservation expires at its time and frees the point", () => {
  const { s, effects } = run([[reserve(3, 1, "A", 5_000), 1], [{ type: "tick" }, 4_999], [{
    type: "tick",
  }, 5_000]]);
  assert.deepEqual(s.reservations, []);
  assert.equal(s.connectors[0]!.status, "Available");
  assert.ok(effects.some((e) => e.type === "reservationEnded" && e.reason === "expired"));
});

Deno.test("cancelling a reservation frees the point at once", () => {
  const { s, effects } = run([[reserve(3, 1, "A"), 1], [{
    type: "cancelReservation",
    reservationId: 3,
  }, 2]]);
  assert.equal(s.connectors[0]!.status, "Available");
  assert.ok(effects.some((e) => e.type === "reservationEnded" && e.reason === "cancelled"));
});

Deno.test("a reservation of any point keeps one point free for its id tag", () => {
  const { s } = run([
    [reserve(9, 0, "A"), 1],
    [plug(1), 2],
    [ok("B"), 3],
    [plug(2), 4],
    [ok("C"), 5],
  ]);
  assert.equal(s.connectors[0]!.session?.idTag, "B", "one point may go to someone else");
  assert.equal(s.connectors[1]!.session, null, "the last free point stays for A");
  const after = step(s, ok("A"), 6).state;
  assert.equal(after.connectors[1]!.session?.reservationId, 9);
});
