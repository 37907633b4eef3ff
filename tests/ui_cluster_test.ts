/**
 * The cluster page in a real Chromium, live: the master lists every member and point with its
 * allocation and state, a member shows its master and lease; German and English.
 * @module
 */
import { equal, ok } from "node:assert/strict";
import { launchBrowser, loginUi, openPage, screenshot } from "./helpers/browser.ts";
import { startMosquitto } from "./helpers/mosquitto.ts";
import { startStation, type StationProcess } from "./helpers/station_process.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

function member(broker: string, serial: string, role: string): Promise<StationProcess> {
  return startStation({
    args: [
      ...["--serial", serial, "--connectors", "1", "--cluster-role", role],
      ...["--cluster-broker", broker, "--cluster-limit-a", "20", "--cluster-id", "ui"],
    ],
  });
}

Deno.test("the cluster page shows members, allocations and the lease, live, in both languages", async () => {
  await using broker = await startMosquitto();
  await using a = await member(broker.url, "5001", "master");
  await using b = await member(broker.url, "5002", "slave");
  for (const st of [a, b]) {
    await st.api("/api/sim/connectors/1/plug", { method: "POST", json: {} });
    await st.api("/api/sim/rfid", { method: "POST", json: { idTag: "MASTERKEY" } });
  }
  for (const st of [a, b]) {
    await st.waitFor((s: Json) => s.connectors[0].offeredMa === 10_000, { timeoutMs: 20_000 });
  }
  await using browser = await launchBrowser();
  const { page, errors } = await browser.newPage(a.baseUrl, { locale: "en-US" });
  await loginUi(page, "5001");
  await openPage(page, "cluster");
  const row = (key: string) => page.locator(`tr[data-point="${key}"]`);
  await row("5002/1").locator('[data-id="allocation"]', { hasText: "10 A" }).waitFor();
  equal(await row("5001/1").locator('[data-id="state"]').textContent(), "charging");
  ok((await page.locator('[data-id="cl-master-state"]').textContent())?.includes("active"));
  // Live: the slave's vehicle leaves, the master's point gets the whole limit.
  await b.api("/api/sim/connectors/1/unplug", { method: "POST" });
  await row("5001/1").locator('[data-id="allocation"]', { hasText: "20 A" }).waitFor();
  equal(await row("5002/1").locator('[data-id="state"]').textContent(), "no session");
  await screenshot(page, "cluster-master");

  const other = await browser.newPage(b.baseUrl, { locale: "de-DE" });
  await loginUi(other.page, "5002");
  await openPage(other.page, "cluster");
  equal(await other.page.locator('[data-id="cl-master"]').textContent(), "5001");
  await other.page.locator('[data-id="cl-lease"]', { hasText: "Ladepunkt 1: 0 A" }).waitFor();
  equal(await other.page.locator('[data-id="cl-connected"]').textContent(), "verbunden");
  equal(await other.page.locator("#cl-members").count(), 0, "a slave has no member table");
  equal(errors.length + other.errors.length, 0, [...errors, ...other.errors].join("\n"));

  // The slave is taken out for good: offline after its last will, then forgotten.
  b.kill("SIGKILL");
  await b.exited;
  const forget = row("5002/1").locator('[data-id="cl-forget"]');
  await forget.waitFor({ timeout: 15_000 });
  equal(await row("5002/1").locator('[data-id="state"]').textContent(), "offline");
  page.once("dialog", (d) => void d.accept());
  await forget.click();
  await row("5002/1").waitFor({ state: "detached" });
  const s = (await a.api<Json>("/api/status")).body.cluster.master;
  equal(s.members.length, 1);
  equal(errors.length, 0, errors.join("\n"));
});
