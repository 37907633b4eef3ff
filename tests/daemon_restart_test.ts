/**
 * A daemon restart from the web interface (M-1.2) keeps the hardware, and the charge
 * controllers carry a running session across it: after the restart the same session goes on,
 * with the same OCPP transaction, the meter continuous and no Stop/Start pair. A system restart
 * still ends it with Reboot (an OCPP soft reset ends it with SoftReset, as OCPP 1.6 asks:
 * `tests/ocpp_peers_test.ts`).
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { adminLogin } from "./helpers/device.ts";
import { type Json, ocppStation } from "./helpers/ocpp_station.ts";
import { freePort, type StationProcess } from "./helpers/station_process.ts";

function sessions(dataDir: string): Json[] {
  const db = new DatabaseSync(join(dataDir, "ladewerk.sqlite"), { readOnly: true });
  try {
    return db.prepare("SELECT * FROM sessions ORDER BY id").all().map((r) => ({ ...r }));
  } finally {
    db.close();
  }
}

async function restart(st: StationProcess, kind: "daemon" | "system"): Promise<void> {
  const { cookie, csrf } = await adminLogin(st);
  const res = await fetch(new URL("/api/admin/restart", st.baseUrl), {
    method: "POST",
    headers: { cookie, "x-csrf-token": csrf, "content-type": "application/json" },
    body: JSON.stringify({ kind }),
  });
  assert.equal(res.status, 202, await res.text());
}

const txMessages = (calls: { action: string }[]) =>
  calls.filter((c) => /^(Start|Stop)Transaction$/.test(c.action)).map((c) => c.action);

Deno.test("daemon restart: the running session goes on with its transaction and a continuous meter; a system restart ends it with Reboot", async () => {
  await using t = await ocppStation({
    seed: { "auth.identification": "anyCard" },
    // The same port across the restart, as on a device.
    args: ["--http-port", String(freePort())],
  });
  await t.booted();
  let from = t.backend.calls.length;
  await t.post("/api/sim/connectors/1/plug", {});
  await t.post("/api/sim/rfid", { idTag: "CARD-1" });
  const started = await t.next("StartTransaction", undefined, { from });
  await t.st.waitFor((s: Json) => s.connectors[0].status === "Charging");
  await new Promise((r) => setTimeout(r, 1500));
  const before = (await t.st.api<Json>("/api/status")).body.connectors[0];
  assert.ok(before.energyWh > started.params.meterStart, "energy flowed before the restart");

  from = t.backend.calls.length;
  await restart(t.st, "daemon");
  await t.next("BootNotification", undefined, { from, timeoutMs: 20_000 });
  await t.st.waitFor((s: Json) =>
    s.connectors[0].status === "Charging" && s.connectors[0].session?.idTag === "CARD-1"
  );
  const after = (await t.st.api<Json>("/api/status")).body.connectors[0];
  assert.ok(after.energyWh >= before.energyWh, "the meter continuous");
  assert.equal(after.session.startedAt, before.session.startedAt, "the same session");
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(txMessages(t.backend.calls.slice(from)), [], "no Stop/Start pair");
  const rows = sessions(t.dataDir);
  assert.equal(rows.length, 1, "one session row");
  assert.equal(rows[0].stop_reason, null, "still running");

  await t.post("/api/sim/connectors/1/unplug", {});
  const stop = await t.next("StopTransaction", undefined, { from });
  assert.equal(stop.params.reason, "EVDisconnected");
  const [row] = sessions(t.dataDir);
  assert.equal(stop.params.transactionId, row.transaction_id, "the same transaction");
  assert.ok(stop.params.meterStop >= after.energyWh - 1, "meterStop from the continuous meter");

  // A system restart (a reboot: the boards' supervision would stop them) ends the session.
  from = t.backend.calls.length;
  await t.post("/api/sim/connectors/2/plug", {});
  await t.post("/api/sim/rfid", { idTag: "CARD-2" });
  await t.next("StartTransaction", undefined, { from });
  await t.st.waitFor((s: Json) => s.connectors[1].status === "Charging");
  await restart(t.st, "system");
  const ended = await t.next("StopTransaction", undefined, { from, timeoutMs: 20_000 });
  assert.equal(ended.params.reason, "Reboot");
  assert.equal(sessions(t.dataDir).at(-1).stop_reason, "Reboot");
});
