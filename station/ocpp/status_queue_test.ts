import assert from "node:assert/strict";
import { type StatusEffect, StatusQueue } from "./status_queue.ts";

const status = (connectorId: number, s: StatusEffect["status"], atMs: number): StatusEffect => ({
  type: "status",
  connectorId,
  status: s,
  errorCode: "NoError",
  atMs,
});

Deno.test("StatusQueue keeps the latest status per connector, oldest first", () => {
  const q = new StatusQueue();
  q.push(status(1, "Preparing", 1));
  q.push(status(2, "Preparing", 2));
  q.push(status(1, "Charging", 3));
  for (let i = 0; i < 1000; i++) q.push(status(2, i % 2 ? "SuspendedEV" : "Charging", 10 + i));
  assert.equal(q.size, 2, "bounded by the connectors");
  assert.deepEqual([q.shift()!.status, q.shift()!.status], ["Charging", "SuspendedEV"]);
  assert.equal(q.peek(), undefined);
});
