import assert from "node:assert/strict";
import { type CoreEvent, initialState, type StationState, step } from "../core/mod.ts";
import { TWO_POINTS } from "../core/testing.ts";
import { reserveNowStatus, type ReserveStatus } from "./reservations.ts";

function stateAfter(events: CoreEvent[]): StationState {
  let s = step(initialState(TWO_POINTS, { nowMs: 0 }), { type: "tick" }, 0).state;
  for (const e of events) s = step(s, e, 0).state;
  return s;
}

const reserve = (id: number, connectorId: number, idTag = "OTHER"): CoreEvent => ({
  type: "reserve",
  reservation: { id, connectorId, idTag, expiresAtMs: 60_000 },
});

const cases: {
  name: string;
  events: CoreEvent[];
  connectorId: number;
  id?: number;
  expiresAtMs?: number;
  zero?: boolean;
  expect: ReserveStatus;
}[] = [
  { name: "a free point", events: [], connectorId: 1, expect: "Accepted" },
  { name: "an unknown point", events: [], connectorId: 3, expect: "Rejected" },
  { name: "an expiry in the past", events: [], connectorId: 1, expiresAtMs: 0, expect: "Rejected" },
  { name: "any point when supported", events: [], connectorId: 0, expect: "Accepted" },
  {
    name: "any point when not supported",
    events: [],
    connectorId: 0,
    zero: false,
    expect: "Rejected",
  },
  {
    name: "a plugged point",
    events: [{ type: "pilot", connectorId: 1, pilot: "B" }],
    connectorId: 1,
    expect: "Occupied",
  },
  {
    name: "a point reserved by another",
    events: [reserve(7, 1)],
    connectorId: 1,
    expect: "Occupied",
  },
  {
    name: "its own reservation again",
    events: [reserve(1, 1)],
    connectorId: 1,
    expect: "Accepted",
  },
  {
    name: "a faulted point",
    events: [{ type: "fault", code: "GroundFailure", connectorId: 1, active: true }],
    connectorId: 1,
    expect: "Faulted",
  },
  {
    name: "an inoperative point",
    events: [{ type: "availability", connectorId: 1, operative: false }],
    connectorId: 1,
    expect: "Unavailable",
  },
  {
    name: "a faulted station",
    events: [{ type: "fault", code: "RegulatoryComplianceFailure", connectorId: 0, active: true }],
    connectorId: 2,
    expect: "Faulted",
  },
  {
    name: "the last free point another's any-point reservation needs",
    events: [reserve(7, 0), { type: "pilot", connectorId: 2, pilot: "B" }],
    connectorId: 1,
    expect: "Occupied",
  },
  {
    name: "any point when every free point is held",
    events: [reserve(7, 0), reserve(8, 0)],
    connectorId: 0,
    expect: "Occupied",
  },
  {
    name: "any point when every point is inoperative",
    events: [{ type: "availability", connectorId: 0, operative: false }],
    connectorId: 0,
    expect: "Unavailable",
  },
  {
    name: "any point when one point is faulted and one is free",
    events: [{ type: "fault", code: "GroundFailure", connectorId: 1, active: true }],
    connectorId: 0,
    expect: "Accepted",
  },
];

for (const c of cases) {
  Deno.test(`reserveNowStatus(): ${c.name} → ${c.expect}`, () => {
    const status = reserveNowStatus(
      stateAfter(c.events),
      {
        id: c.id ?? 1,
        connectorId: c.connectorId,
        idTag: "TAG",
        expiresAtMs: c.expiresAtMs ?? 60_000,
      },
      { connectorZeroSupported: c.zero ?? true, nowMs: 0 },
    );
    assert.equal(status, c.expect);
  });
}
