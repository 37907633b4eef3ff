/**
 * Backup and restore in a real browser: the backup downloaded from one station, checked on
 * another (what would change, what is skipped), then restored.
 * @module
 */
import { equal, match, ok } from "node:assert/strict";
import { launchBrowser, loginUi, openPage } from "./helpers/browser.ts";
import { startStation } from "./helpers/station_process.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("software: a backup downloaded from one station is checked and restored on another", async () => {
  await using a = await startStation();
  await using b = await startStation({ args: ["--serial", "24110002"] });
  await using browser = await launchBrowser();

  const { page, errors } = await browser.newPage(a.baseUrl);
  await loginUi(page, "24110001");
  await openPage(page, "communication");
  await page.locator("#f-ocpp-url").fill("ws://backend.example:9000/ocpp");
  await page.locator("#f-ocpp-authorizationKey").fill("backend-key-42");
  await page.locator('[data-form="ocpp"] button[type=submit]').click();
  await page.locator('[data-form="ocpp"] .msg-ok').waitFor();
  await openPage(page, "software");
  await page.locator("#f-passphrase").fill("copy to the next ten");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.locator('[data-action="backup-save"]').click(),
  ]);
  match(download.suggestedFilename(), /^ladewerk-backup-24110001-\d{4}-\d\d-\d\d\.json$/);
  const path = (await download.path())!;
  const file = JSON.parse(await Deno.readTextFile(path));
  equal(file.settings["ocpp.url"], "ws://backend.example:9000/ocpp");
  ok(!JSON.stringify(file).includes("backend-key-42"), "the secret only encrypted");

  const other = await browser.newPage(b.baseUrl, { locale: "de-DE" });
  await loginUi(other.page, "24110002");
  await openPage(other.page, "software");
  await other.page.locator("#backup-file").setInputFiles(path);
  await other.page.locator('[data-action="backup-check"]').click();
  const preview = other.page.locator('[data-id="backup-preview"]');
  await preview.waitFor();
  await preview.locator(".msg-warn").waitFor();
  await preview.locator('tr[data-key="ocpp.url"]', { hasText: "ws://backend.example:9000/ocpp" })
    .waitFor();
  equal(await preview.locator('tr[data-key="ocpp.authorizationKey"]').count(), 0);
  await other.page.locator("#f-restorePassphrase").fill("copy to the next ten");
  await other.page.locator('[data-action="backup-check"]').click();
  await preview.locator('tr[data-key="ocpp.authorizationKey"]', { hasText: "(set)" }).waitFor();
  await other.page.locator('[data-action="backup-apply"]').click();
  await other.page.locator("#backup .msg-ok", { hasText: "Wiederhergestellt." }).waitFor();
  const status = await b.api<Json>("/api/status");
  equal(status.body.ocpp.url, "ws://backend.example:9000/ocpp");
  equal(errors.length + other.errors.length, 0, [...errors, ...other.errors].join("\n"));
});
