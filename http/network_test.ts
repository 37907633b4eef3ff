import assert from "node:assert/strict";
import { json, testStation, waitUntil } from "./testing.ts";

const MANUAL = {
  "network.ipv4.mode": "manual",
  "network.ipv4.address": "10.1.2.3",
  "network.ipv4.prefix": 24,
  "network.ipv4.gateway": "10.1.2.1",
};

Deno.test("a network change from the web is rolled back unless confirmed in time; a confirmed one stays", async () => {
  await using t = await testStation({ deps: { networkConfirmMs: 300 } });
  const admin = await t.login();
  const save = (values: Record<string, unknown>) =>
    t.request("/api/settings", { method: "PUT", as: admin, json: { values } });
  const network = async () => await json(await t.request("/api/network", { as: admin }));

  assert.equal((await network()).pendingConfirmation, null);
  assert.equal((await save(MANUAL)).status, 200);
  assert.ok((await network()).pendingConfirmation?.until, "waits for a confirmation");
  assert.equal((await network()).applied.ipv4.address, "10.1.2.3");
  await waitUntil(() => t.settings.get("network.ipv4.mode") === "dhcp", "rolled back", 3000);
  assert.equal((await network()).pendingConfirmation, null);
  const events = await t.store.events.list({ kind: "network" });
  assert.deepEqual(events.map((e) => e.code), ["NetworkRolledBack"]);

  assert.equal((await save(MANUAL)).status, 200);
  const ok = await t.request("/api/network/confirm", { method: "POST", as: admin });
  assert.equal(ok.status, 200);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(t.settings.get("network.ipv4.mode"), "manual", "kept");
  const again = await t.request("/api/network/confirm", { method: "POST", as: admin });
  assert.equal(again.status, 409);
  assert.equal((await json(again)).code, "not_pending");
});
