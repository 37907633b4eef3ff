/**
 * The session history page (B-1) in a real browser: sessions run through the simulator show
 * with their card, energy and totals; a card filter narrows them; the CSV export downloads
 * what the list shows; German texts and number formats.
 * @module
 */
import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { launchBrowser, loginUi, openPage, screenshot } from "./helpers/browser.ts";
import { seedSettings } from "./helpers/seed.ts";
import { startStation, type StationProcess } from "./helpers/station_process.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

async function charge(st: StationProcess, connectorId: number, idTag: string) {
  await st.api(`/api/sim/connectors/${connectorId}/plug`, { json: {} });
  await st.api("/api/sim/rfid", { json: { idTag } });
  await st.waitFor((s: Any) => s.connectors[connectorId - 1].session?.idTag === idTag);
  await new Promise((r) => setTimeout(r, 1200));
  await st.api(`/api/sim/connectors/${connectorId}/unplug`, { json: {} });
  await st.waitFor((s: Any) => s.connectors[connectorId - 1].session === null);
}

Deno.test("history: sessions with card, energy and totals; a card filter; the CSV export; in German", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-history-" });
  await using _dir = { [Symbol.asyncDispose]: () => Deno.remove(dataDir, { recursive: true }) };
  await seedSettings(dataDir, { "auth.identification": "anyCard" });
  await using st = await startStation({ dataDir });
  await charge(st, 1, "CARD-A");
  await charge(st, 2, "CARD-B");
  await charge(st, 1, "CARD-A");

  await using browser = await launchBrowser();
  const { page, errors } = await browser.newPage(st.baseUrl, { locale: "de-DE" });
  await loginUi(page, "24110001");
  await openPage(page, "history");
  const rows = page.locator('[data-id="hist-table"] tbody tr');
  await rows.nth(2).waitFor();
  equal(await rows.count(), 3);
  deepStrictEqual(
    await rows.locator("td:nth-child(4)").allTextContents(),
    ["CARD-A", "CARD-B", "CARD-A"],
    "newest first",
  );
  const totals = await page.locator('[data-id="hist-totals"]').textContent();
  match(totals!, /^3 Ladevorgänge, \d+,\d\d kWh, Ladedauer 00:00:0\d$/);
  const today = page.locator('[data-id="hist-chart"] rect').last();
  await today.waitFor({ state: "attached" });
  equal(await page.locator('[data-id="hist-chart"] rect').count(), 30, "a bar for each day");
  ok(Number(await today.getAttribute("height")) > 0, "today's bar has today's energy");
  deepStrictEqual(
    await page.locator('[data-id="hist-month-table"] tbody td:nth-child(2)').allTextContents(),
    ["CARD-A", "CARD-B"],
    "one row per card in this month",
  );

  await page.getByLabel("Karte (ID-Tag)").fill("CARD-B");
  await page.getByRole("button", { name: "Anzeigen" }).click();
  await page.locator('[data-id="hist-totals"]', { hasText: /^1 Ladevorgänge/ }).waitFor();
  equal(await rows.count(), 1);
  equal(await rows.locator("td:nth-child(4)").textContent(), "CARD-B");

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "CSV exportieren" }).click(),
  ]);
  match(download.suggestedFilename(), /^sessions-24110001-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv$/);
  const text = await Deno.readTextFile((await download.path())!);
  const lines = text.trim().split("\r\n");
  equal(lines.length, 2, text);
  match(lines[1]!, /^\d+,2,CARD-B,/);

  await page.getByLabel("Von").fill("2030-01-02");
  await page.getByLabel("Bis (einschließlich)").fill("2030-01-01");
  await page.getByRole("button", { name: "Anzeigen" }).click();
  await page.locator('[data-field="to"] .field-error', {
    hasText: "Der Zeitraum endet, bevor er beginnt",
  }).waitFor();
  await screenshot(page, "history-de");
  deepStrictEqual(errors.filter((e) => !/400 \(Bad Request\)/.test(e)), []);
});
