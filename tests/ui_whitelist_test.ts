/**
 * The whitelist page end to end in a real browser (M-1.8.2): CSV import replace and append
 * with refused lines, the 1000-entry limit, inline edits, nothing stored until Save, export.
 * Screenshots of the page at desktop and phone width.
 * @module
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Page } from "playwright-core";
import { launchBrowser, loginUi, openPage, screenshot, VIEWPORTS } from "./helpers/browser.ts";
import { startStation } from "./helpers/station_process.ts";

const HEADER = "UID,GID,Expiry,Authorization";
const uid = (i: number) => `04A${String(i).padStart(7, "0")}`;

/** 999 rows after the header: 1000 lines, as the manual counts them. */
function bigCsv(): string {
  const rows = Array.from({ length: 999 }, (_, i) => {
    const n = i + 1;
    const gid = n % 10 === 0 ? "GROUP1" : "";
    const expiry = n % 3 === 0 ? "2030-01-01T12:00:00" : "";
    return `${uid(n)},${gid},${expiry},${n % 7 === 0 ? "blocked" : "accepted"}`;
  });
  return [HEADER, ...rows].join("\r\n") + "\r\n";
}

/** One new card, one update of an existing card, four refused lines. */
const SECOND = [
  HEADER,
  "04B0000001,,2031-02-03T04:05:00,accepted",
  `${uid(2)},,,blocked`,
  "BAD UID,,,accepted",
  "04B0000002,,not-a-date,accepted",
  "04B0000003,,,maybe",
  "04B0000001,,,accepted",
].join("\n") + "\n";

async function importFile(
  page: Page,
  csv: string,
  button: string,
  lines: number,
): Promise<void> {
  await page.locator("#wl-file").setInputFiles({
    name: "whitelist.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(csv),
  });
  await page.getByRole("button", { name: button }).click();
  await page.locator('[data-id="processed"]', {
    hasText: `Processed: ${lines}`,
  }).waitFor();
}

async function stored(page: Page) {
  return (await (await page.request.get("/api/whitelist")).json()).entries as {
    uid: string;
    authorization: string;
    deleted: boolean;
  }[];
}

Deno.test("whitelist: import 1000 lines, append with refused lines, limit, edit, save, export", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  const { page, errors } = await browser.newPage(st.baseUrl, {
    timezoneId: "Europe/Berlin",
  });
  await loginUi(page, "24110001");
  await openPage(page, "users");

  await importFile(page, bigCsv(), "Import (replace)", 1000);
  equal(
    await page.locator('[data-id="processed"]').textContent(),
    "Processed: 1000",
  );
  equal(await page.locator('[data-id="import-errors"]').count(), 0);
  equal(
    await page.locator('[data-id="count"]').textContent(),
    "999 of 1000 entries in use",
  );
  equal(
    await page.locator('[data-id="page"]').textContent(),
    "Page 1 of 100 (999 entries)",
  );
  equal(await page.locator("tbody tr.wl-row").count(), 10);
  // Nothing is stored by an import.
  deepStrictEqual((await stored(page)).map((e) => e.uid), ["MASTERKEY"]);

  await importFile(page, SECOND, "Import (update)", 7);
  equal(
    await page.locator('[data-id="processed"]').textContent(),
    "Processed: 7",
  );
  const lines = await page.locator('[data-id="import-errors"] li')
    .allTextContents();
  equal(lines.length, 4);
  deepStrictEqual(lines.map((l) => l.split(":")[0]), [
    "Line 4",
    "Line 5",
    "Line 6",
    "Line 7",
  ]);
  equal(
    await page.locator('[data-id="count"]').textContent(),
    "1000 of 1000 entries in use",
  );

  // One more is over the limit: Save is refused until one is deleted.
  await page.getByRole("button", { name: "+ Add entry" }).click();
  await page.locator('[data-id="limit"]').waitFor();
  equal(await page.locator("#whitelist button.primary").isDisabled(), true);
  await page.locator("#wl-1000-uid").fill("04C0000001");
  await page.locator("#wl-search").fill(uid(4));
  await page.getByRole("button", { name: `Delete ${uid(4)}` }).click();
  await page.locator('[data-id="limit"]').waitFor({ state: "detached", timeout: 5_000 });
  equal(await page.locator('[data-id="limit"]').count(), 0);

  // Inline edit of UID, expiry and authorization; the row stays while its UID changes.
  await page.locator("#wl-search").fill(uid(5));
  const row = page.locator("tr.wl-row").first();
  await row.locator("input.uid").fill("04D0000005");
  await row.locator('input[type="date"]').fill("2031-05-06");
  await row.locator('input[type="time"]').fill("07:30");
  await row.getByRole("button", { name: "Block 04D0000005" }).click();
  equal(await row.locator('[data-id="state"]').textContent(), "Blocked");

  await page.locator("#wl-search").fill("");
  await page.locator("#whitelist button.primary").click();
  await page.locator("#whitelist .msg-ok").waitFor();
  equal(
    await page.locator("#whitelist .msg-ok").textContent(),
    "Saved: 1000 entries.",
  );
  const after = await stored(page);
  equal(after.filter((e) => !e.deleted).length, 1000);
  equal(after.find((e) => e.uid === "04D0000005")?.authorization, "blocked");

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Export" }).click(),
  ]);
  const csv = await Deno.readTextFile((await download.path())!);
  const exported = csv.trim().split("\r\n");
  equal(exported[0], HEADER);
  equal(exported.length, 1001);
  const expected = new Set(
    bigCsv().trim().split("\r\n").slice(1)
      .filter((l) => !l.startsWith(uid(4)) && !l.startsWith(uid(5)))
      .map((l) => l.startsWith(`${uid(2)},`) ? `${uid(2)},,,blocked` : l),
  );
  expected.add("04B0000001,,2031-02-03T04:05:00,accepted");
  expected.add("04C0000001,,,accepted");
  expected.add("04D0000005,,2031-05-06T07:30:00,blocked");
  deepStrictEqual(new Set(exported.slice(1)), expected);
  ok(errors.every((e) => /status of 400/.test(e)), errors.join("\n"));
});

Deno.test("whitelist: refused entries on Save are shown at their row; deleted entries restore", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  const { page } = await browser.newPage(st.baseUrl, { locale: "de-DE" });
  await loginUi(page, "24110001");
  await openPage(page, "users");
  await page.getByRole("button", { name: "+ Eintrag hinzufügen" }).click();
  await page.locator("#wl-1-uid").fill("04E0000001");
  await page.getByRole("button", { name: "+ Eintrag hinzufügen" }).click();
  await page.locator("#wl-2-uid").fill("masterkey");
  await page.locator("#whitelist button.primary").click();
  const rowError = page.locator('tr[data-index="2"] .field-error');
  await rowError.waitFor();
  equal(await rowError.textContent(), "UID masterkey doppelt (auch 0)");
  deepStrictEqual((await stored(page)).map((e) => e.uid), ["MASTERKEY"]);

  await page.locator("#wl-2-uid").fill("04E0000002");
  const remove = page.getByRole("button", {
    name: "Löschen 04E0000002",
    exact: true,
  });
  await remove.click();
  equal(
    await page.locator('tr[data-index="2"] [data-id="state"]').textContent(),
    "Gelöscht",
  );
  await page.getByRole("button", { name: "Wiederherstellen 04E0000002" })
    .click();
  await remove.click();
  await page.locator("#whitelist button.primary").click();
  await page.locator("#whitelist .msg-ok").waitFor();
  // Deleted entries are hidden after a reload unless the toggle is off.
  equal(await page.locator("tr.wl-row").count(), 2);
  await page.locator("#wl-hide").uncheck();
  equal(await page.locator("tr.wl-row").count(), 3);
});

Deno.test("whitelist and dashboard screenshots at desktop and phone width", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  for (const [name, viewport] of Object.entries(VIEWPORTS)) {
    const { page, context } = await browser.newPage(st.baseUrl, { viewport });
    await loginUi(page, "24110001");
    if (name === "desktop") {
      await st.api("/api/sim/connectors/1/plug", { json: {} });
      await st.api("/api/sim/rfid", { json: { idTag: "MASTERKEY" } });
      await openPage(page, "users");
      await importFile(page, bigCsv(), "Import (replace)", 1000);
      await page.locator("#whitelist button.primary").click();
      await page.locator("#whitelist .msg-ok").waitFor();
    }
    await openPage(page, "users");
    await page.locator("tr.wl-row").nth(9).waitFor();
    await screenshot(page, `whitelist-${name}`);
    await page.goto("/#/dashboard");
    await page.locator('[data-cp="1"] [data-id="status"]', {
      hasText: "Charging",
    }).waitFor();
    await screenshot(page, `dashboard-${name}`);
    const overflow = await page.evaluate(
      "document.documentElement.scrollWidth > innerWidth",
    );
    equal(overflow, false, `no sideways scrolling at ${viewport.width} px`);
    await context.close();
  }
});
