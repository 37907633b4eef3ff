/**
 * The live dashboard and the simulator panel in a real browser (M-1.3, B-1): the page
 * follows the station through the event stream within a second, without polling.
 * @module
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { launchBrowser, loginUi, openPage } from "./helpers/browser.ts";
import { startStation } from "./helpers/station_process.ts";

Deno.test("the dashboard shows a plug-in within 1 s and a session live, without polling", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  const { page, errors } = await browser.newPage(st.baseUrl);
  const requests: string[] = [];
  page.on("request", (r) => requests.push(new URL(r.url()).pathname));
  await loginUi(page, "24110001");
  await page.locator('[data-ready="true"]').waitFor();
  const status = page.locator('[data-cp="1"] [data-id="status"]');
  equal(await status.textContent(), "Available");
  const before = requests.length;

  const started = performance.now();
  await st.api("/api/sim/connectors/1/plug", {
    json: { phases: 3, maxCurrentA: 16 },
  });
  await status.filter({ hasText: "Preparing" }).waitFor({ timeout: 1000 });
  const shownMs = performance.now() - started;
  ok(shownMs < 1000, `shown after ${shownMs.toFixed(0)} ms`);

  await st.api("/api/sim/rfid", { json: { idTag: "MASTERKEY" } });
  await status.filter({ hasText: "Charging" }).waitFor({ timeout: 15_000 });
  await page.locator('[data-cp="1"] [data-id="session"]', {
    hasText: "MASTERKEY",
  }).waitFor();
  await page.locator('[data-cp="1"] [data-id="power"]', {
    hasText: /^1[01]\.\d\d kW$/,
  })
    .waitFor();
  // The chart follows the live power: its line reaches the top half.
  await page.waitForTimeout(500);
  const path = await page.locator('[data-cp="1"] path.series').getAttribute(
    "d",
  );
  ok(path && /[ML][\d.]+ [\d.]+$/.test(path), `chart path ${path}`);

  const later = requests.slice(before).filter((p) => p.startsWith("/api/"));
  deepStrictEqual(
    later,
    [],
    "no requests after the first load: the event stream carries all",
  );
  deepStrictEqual(errors, []);
});

Deno.test("the simulator panel plugs a vehicle, presents a card and raises and clears a fault", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  const { page, errors } = await browser.newPage(st.baseUrl, {
    locale: "de-DE",
  });
  await loginUi(page, "24110001");
  await openPage(page, "simulator");
  const cp2 = page.locator('section[data-cp="2"]');
  await cp2.locator("#sim-cp2-phases").selectOption("1");
  await cp2.getByRole("button", { name: "Fahrzeug anstecken" }).click();
  await cp2.locator(".badge", { hasText: "Vorbereitung" }).waitFor();
  await page.getByRole("button", { name: "Karte vorhalten" }).click();
  await cp2.locator(".badge", { hasText: "Lädt" }).waitFor({ timeout: 15_000 });

  await page.locator("#sim-fault").selectOption("2:GroundFailure");
  await page.getByRole("button", { name: "Fehler auslösen" }).click();
  await page.locator(".fault-list li", {
    hasText: "GroundFailure: RCD hat ausgelöst",
  }).waitFor();
  await page.goto("/#/dashboard");
  await page.locator('[data-cp="2"] [data-id="status"]', {
    hasText: "Fehlerhaft",
  }).waitFor();
  equal(
    await page.locator('[data-cp="2"] [data-id="faults"]').textContent(),
    "GroundFailure: RCD hat ausgelöst",
  );
  await openPage(page, "simulator");
  await page.getByRole("button", { name: "Aufheben" }).click();
  await page.locator(".fault-list").waitFor({ state: "detached" });
  const faults = await st.api<{ faults: unknown[] }>("/api/sim/faults");
  deepStrictEqual(faults.body.faults, []);
  deepStrictEqual(errors, []);
});

Deno.test("a station fault shows on the dashboard's station card", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  const { page } = await browser.newPage(st.baseUrl);
  await loginUi(page, "24110001");
  await page.locator('[data-ready="true"]').waitFor();
  await st.api("/api/sim/faults", {
    json: { code: "UnderVoltage", connectorId: 0 },
  });
  await page.locator('[data-id="station-faults"]', { hasText: "UnderVoltage" })
    .waitFor({
      timeout: 1000,
    });
});
