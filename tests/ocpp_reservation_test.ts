/**
 * Reservations (OCPP 1.6 ReserveNow, CancelReservation) against the strict-mode backend: every
 * answer, use by the id tag or its parent, the reservationId in StartTransaction, expiry while
 * the backend is away, and reservations that outlive a restart.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { eventually, type Json, type OcppStation, ocppStation } from "./helpers/ocpp_station.ts";

let nextId = 100;

/** ReserveNow; returns the answer's status. */
async function reserve(
  t: OcppStation,
  connectorId: number,
  idTag: string,
  options: { id?: number; inMs?: number; parentIdTag?: string } = {},
): Promise<string> {
  const res = await t.backend.call<Json>("ReserveNow", {
    connectorId,
    expiryDate: new Date(Date.now() + (options.inMs ?? 120_000)).toISOString(),
    idTag,
    reservationId: options.id ?? nextId++,
    ...(options.parentIdTag ? { parentIdTag: options.parentIdTag } : {}),
  });
  return res.status;
}

/** Waits for the StatusNotification of `connectorId` with `status` after call index `from`. */
function statusOf(t: OcppStation, connectorId: number, status: string, from = 0) {
  return t.next(
    "StatusNotification",
    (p) => p.connectorId === connectorId && p.status === status,
    { from, timeoutMs: 30_000 },
  );
}

function storedReservations(t: OcppStation): Json[] {
  const db = new DatabaseSync(join(t.dataDir, "ladewerk.sqlite"), { readOnly: true });
  try {
    return db.prepare("SELECT * FROM reservations ORDER BY id").all().map((r) => ({ ...r }));
  } finally {
    db.close();
  }
}

Deno.test("ReserveNow answers Accepted, Occupied, Faulted, Unavailable and Rejected", async () => {
  await using t = await ocppStation({ seed: { "ocpp.reserveConnectorZeroSupported": false } });
  await t.booted();
  assert.equal(await reserve(t, 3, "TAG-A"), "Rejected", "an unknown charge point");
  assert.equal(await reserve(t, 0, "TAG-A"), "Rejected", "connector 0 not supported");
  assert.equal(await reserve(t, 1, "TAG-A", { inMs: -1000 }), "Rejected", "expired already");

  const from = t.backend.calls.length;
  assert.equal(await reserve(t, 1, "TAG-A", { id: 1 }), "Accepted");
  await statusOf(t, 1, "Reserved", from);
  assert.equal(await reserve(t, 1, "TAG-B", { id: 2 }), "Occupied", "reserved by another");
  assert.equal(await reserve(t, 1, "TAG-A", { id: 1 }), "Accepted", "the same id replaces");

  await t.post("/api/sim/connectors/2/plug");
  assert.equal(await reserve(t, 2, "TAG-B", { id: 3 }), "Occupied", "a vehicle is plugged in");
  await t.post("/api/sim/connectors/2/unplug");

  await t.post("/api/sim/faults", { code: "GroundFailure", connectorId: 2 });
  assert.equal(await reserve(t, 2, "TAG-B", { id: 4 }), "Faulted");
  const cleared = await t.st.api("/api/sim/faults/GroundFailure?connectorId=2", {
    method: "DELETE",
  });
  assert.equal(cleared.status, 200);

  const change = await t.backend.call<Json>("ChangeAvailability", {
    connectorId: 2,
    type: "Inoperative",
  });
  assert.equal(change.status, "Accepted");
  assert.equal(await reserve(t, 2, "TAG-B", { id: 5 }), "Unavailable");
  assert.deepEqual(storedReservations(t).map((r) => r.id), [1], "only the accepted one stored");

  // A point that becomes unavailable loses its reservation (OCPP 1.6 §5.13).
  await t.backend.call("ChangeAvailability", { connectorId: 1, type: "Inoperative" });
  await eventually(() => storedReservations(t).length === 0 || undefined, "reservation ended");
  await statusOf(t, 1, "Unavailable", from);
  const back = t.backend.calls.length;
  await t.backend.call("ChangeAvailability", { connectorId: 0, type: "Operative" });
  await statusOf(t, 1, "Available", back);
  assert.deepEqual(t.backend.problems, []);
});

Deno.test("CancelReservation frees a point; the reserved id tag starts on its point with the reservationId, other cards do not", async () => {
  await using t = await ocppStation();
  await t.booted();
  let from = t.backend.calls.length;
  assert.equal(await reserve(t, 2, "RES-B", { id: 12 }), "Accepted");
  await statusOf(t, 2, "Reserved", from);
  const cancel = await t.backend.call<Json>("CancelReservation", { reservationId: 12 });
  assert.equal(cancel.status, "Accepted");
  await statusOf(t, 2, "Available", from);
  const again = await t.backend.call<Json>("CancelReservation", { reservationId: 12 });
  assert.equal(again.status, "Rejected", "nothing left to cancel");
  assert.deepEqual(storedReservations(t), []);

  from = t.backend.calls.length;
  assert.equal(await reserve(t, 1, "RES-A", { id: 11 }), "Accepted");
  await statusOf(t, 1, "Reserved", from);

  await t.post("/api/sim/connectors/1/plug");
  await t.post("/api/sim/rfid", { idTag: "OTHER-1" });
  await t.next("Authorize", (p) => p.idTag === "OTHER-1");
  await t.post("/api/sim/rfid", { idTag: "RES-A" });
  const start = await t.next("StartTransaction");
  assert.deepEqual(
    [start.params.connectorId, start.params.idTag, start.params.reservationId],
    [1, "RES-A", 11],
  );
  await t.st.waitFor((s: Json) => s.connectors[0].session?.idTag === "RES-A");
  assert.equal(t.backend.of("StartTransaction").length, 1, "the other card started nothing");
  assert.deepEqual(storedReservations(t), [], "a used reservation is forgotten");
  assert.deepEqual(t.backend.problems, []);
});

Deno.test("a reservation of any point (connector 0) keeps a point free; a card whose parent id tag matches uses it", async () => {
  await using t = await ocppStation({
    setup: (backend) => {
      backend.handlers.Authorize = (p: Json) => ({
        idTagInfo: p.idTag === "CHILD-1"
          ? { status: "Accepted", parentIdTag: "GROUP-1" }
          : { status: "Accepted" },
      });
    },
  });
  await t.booted();
  assert.equal(await reserve(t, 0, "OWNER", { id: 21, parentIdTag: "GROUP-1" }), "Accepted");
  assert.equal(await reserve(t, 1, "OWNER-2", { id: 22 }), "Accepted");
  assert.equal(await reserve(t, 2, "OWNER-3", { id: 23 }), "Occupied", "the last free point");

  await t.post("/api/sim/connectors/2/plug");
  await t.post("/api/sim/rfid", { idTag: "STRANGER" });
  await t.next("Authorize", (p) => p.idTag === "STRANGER");
  await t.post("/api/sim/rfid", { idTag: "CHILD-1" });
  const start = await t.next("StartTransaction");
  assert.deepEqual(
    [start.params.connectorId, start.params.idTag, start.params.reservationId],
    [2, "CHILD-1", 21],
  );
  assert.equal(t.backend.of("StartTransaction").length, 1, "the stranger started nothing");
  assert.deepEqual(storedReservations(t).map((r) => r.id), [22]);
  assert.deepEqual(t.backend.problems, []);
});

Deno.test("a reservation that expires while the backend is away frees its point on time; Available arrives after the reconnect", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  const from = t.backend.calls.length;
  const expiresAtMs = Date.now() + 3000;
  assert.equal(await reserve(t, 1, "LATE", { id: 31, inMs: 3000 }), "Accepted");
  await statusOf(t, 1, "Reserved", from);

  await t.backend.stop();
  await t.st.waitFor((s: Json) => s.ocpp.connected === false);
  await t.st.waitFor((s: Json) => s.connectors[0].status === "Available", { timeoutMs: 10_000 });
  const freedAtMs = Date.now();
  assert.ok(freedAtMs >= expiresAtMs - 50, "not before the expiry");
  assert.ok(freedAtMs <= expiresAtMs + 3000, "soon after the expiry");
  assert.deepEqual(storedReservations(t), []);

  const down = t.backend.calls.length;
  await t.backend.start();
  // Reconnection backs off (full jitter, doubling): allow for a few unlucky draws.
  const boot = await t.next("BootNotification", undefined, { from: down, timeoutMs: 60_000 });
  const available = await statusOf(t, 1, "Available", t.backend.calls.indexOf(boot as never));
  assert.ok(available.atMs >= boot.atMs);
  assert.deepEqual(t.backend.problems, []);
});

Deno.test("reservations survive a restart; one that expired meanwhile is gone", async () => {
  await using t = await ocppStation();
  await t.booted();
  assert.equal(await reserve(t, 2, "KEEP", { id: 41 }), "Accepted");
  const shortMs = Date.now() + 1500;
  assert.equal(await reserve(t, 1, "SHORT", { id: 42, inMs: 1500 }), "Accepted");
  assert.deepEqual(storedReservations(t).map((r) => r.id), [41, 42]);

  await t.st.stop();
  while (Date.now() <= shortMs) await new Promise((r) => setTimeout(r, 100));
  const from = t.backend.calls.length;
  await t.restart();
  await statusOf(t, 2, "Reserved", from);
  await statusOf(t, 1, "Available", from);
  const s = await t.st.api<Json>("/api/status");
  assert.deepEqual(s.body.connectors.map((c: Json) => c.status), ["Available", "Reserved"]);
  assert.deepEqual(storedReservations(t).map((r) => r.id), [41]);

  assert.equal(await reserve(t, 2, "OTHER", { id: 43 }), "Occupied", "still held for KEEP");
  const cancelled = await t.backend.call<Json>("CancelReservation", { reservationId: 42 });
  assert.equal(cancelled.status, "Rejected", "the expired one is gone");
  await t.post("/api/sim/connectors/2/plug");
  await t.post("/api/sim/rfid", { idTag: "KEEP" });
  const start = await t.next("StartTransaction");
  assert.deepEqual([start.params.connectorId, start.params.reservationId], [2, 41]);
  assert.deepEqual(t.backend.problems, []);
});

Deno.test("RemoteStartTransaction on a point reserved for another id tag is Rejected", async () => {
  await using t = await ocppStation();
  await t.booted();
  assert.equal(await reserve(t, 1, "TAG-A", { id: 900 }), "Accepted");
  const other = await t.backend.call<Json>("RemoteStartTransaction", {
    connectorId: 1,
    idTag: "TAG-B",
  });
  assert.equal(other.status, "Rejected");
  const own = await t.backend.call<Json>("RemoteStartTransaction", {
    connectorId: 1,
    idTag: "TAG-A",
  });
  assert.equal(own.status, "Accepted");
});
