/**
 * Software, station actions and the admin menu in a real browser (M-1.2, M-1.6, M-1.9):
 * update upload with progress, "Create log", flash refused during a session, browser time
 * sync, daemon restart with reconnect, factory reset.
 * @module
 */
import { equal, ok } from "node:assert/strict";
import { Buffer } from "node:buffer";
import { buildPayload } from "../image/tools.ts";
import { updateKit } from "../station/update/testing.ts";
import { launchBrowser, loginUi, openPage } from "./helpers/browser.ts";
import { freePort, startStation } from "./helpers/station_process.ts";

Deno.test("software: the update upload shows its progress and the station's honest answer", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  const { page, errors } = await browser.newPage(st.baseUrl);
  await loginUi(page, "24110001");
  await openPage(page, "software");
  ok(
    (await page.locator('[data-id="app"]').textContent())?.match(
      /^\d+\.\d+\.\d+/,
    ),
  );
  const bytes = 3 * 1024 * 1024;
  await page.locator("#sw-file").setInputFiles({
    name: "ladewerk-update.bin",
    mimeType: "application/octet-stream",
    buffer: Buffer.alloc(bytes, 7),
  });
  await page.getByRole("button", { name: "Upload" }).click();
  const result = page.locator('[data-id="update-result"]');
  await result.waitFor();
  ok(
    (await result.textContent())?.includes("3,145,728 bytes"),
    await result.textContent() ?? "",
  );
  ok(
    (await result.textContent())?.includes("No update keyring is set"),
    await result.textContent() ?? "",
  );
  equal(await page.locator("#sw-progress").getAttribute("value"), "1");
  equal(await page.locator('[data-id="percent"]').textContent(), "100 %");
  equal(errors.length, 0, errors.join("\n"));
});

Deno.test("software: a signed bundle installs live: progress, restart, reconnect, new version, no reload", async () => {
  await using kit = await updateKit();
  const payload = `${kit.dir}/app.tar`;
  await buildPayload({ version: "0.2.0", out: payload });
  const bundle = await Deno.readFile(await kit.bundle({ version: "0.2.0", payload }));
  await using st = await startStation({
    args: ["--http-port", String(freePort()), "--update-keyring", kit.keyring],
  });
  await using browser = await launchBrowser();
  const { page, errors } = await browser.newPage(st.baseUrl);
  await loginUi(page, "24110001");
  await openPage(page, "software");
  await page.locator('[data-slot="A"]').filter({ hasText: "0.1.0 · running" }).waitFor();
  await page.locator('[data-slot="B"]').filter({ hasText: "empty" }).waitFor();
  const loaded = await page.evaluate(() => performance.timeOrigin);
  await page.locator("#sw-file").setInputFiles({
    name: "ladewerk-0.2.0.raucb",
    mimeType: "application/octet-stream",
    buffer: Buffer.from(bundle),
  });
  await page.getByRole("button", { name: "Upload" }).click();
  await page.locator('[data-id="sw-bundle"]').filter({ hasText: "Signed bundle 0.2.0" })
    .waitFor();
  const last = page.locator('[data-id="sw-last"][data-outcome="installed"]');
  await last.waitFor({ timeout: 60_000 });
  ok((await last.textContent())?.includes("Version 0.2.0 is installed and running"));
  await page.locator('[data-id="app"]').filter({ hasText: "0.2.0" }).waitFor();
  await page.locator('[data-slot="B"]').filter({ hasText: "0.2.0 · running" }).waitFor();
  await page.locator('[data-slot="A"]').filter({ hasText: "0.1.0" }).waitFor();
  equal(await page.evaluate(() => performance.timeOrigin), loaded, "the page was not reloaded");
  ok(st.output().includes("web session(s) kept across the update's restart"));
  // The restart cut the event stream for a moment; nothing else went wrong.
  equal(
    errors.filter((e) => !/events|ERR_CONNECTION|Failed to load/.test(e)).length,
    0,
    errors.join("\n"),
  );
});

Deno.test("software: Create log downloads the diagnostics archive", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  const { page } = await browser.newPage(st.baseUrl, { locale: "de-DE" });
  await loginUi(page, "24110001");
  await openPage(page, "software");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Log erstellen" }).click(),
  ]);
  const data = await Deno.readFile((await download.path())!);
  ok(data.length > 100);
  equal(data[0], 0x1f);
  equal(data[1], 0x8b);
});

Deno.test("station: Flash firmware is refused while a session runs, with the station's reason", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  const { page } = await browser.newPage(st.baseUrl);
  await loginUi(page, "24110001");
  await st.api("/api/sim/connectors/1/plug", { json: {} });
  await st.api("/api/sim/rfid", { json: { idTag: "MASTERKEY" } });
  await openPage(page, "station");
  await page.getByRole("button", { name: "Flash Firmware" }).click();
  await page.locator("#flash-dialog").getByRole("button", {
    name: "Flash Firmware",
  }).click();
  const message = page.locator('[data-id="flash-message"]');
  await message.waitFor();
  equal(
    await message.textContent(),
    "End the running sessions first: charge point 1",
  );
  await st.api("/api/sim/connectors/1/unplug", { method: "POST" });
  await st.waitFor((s: { connectors: { session: unknown }[] }) =>
    s.connectors[0]!.session === null
  );
  await page.getByRole("button", { name: "Flash Firmware" }).click();
  await page.locator("#flash-dialog").getByRole("button", {
    name: "Flash Firmware",
  }).click();
  await message.filter({ hasText: "Flashing started." }).waitFor();
  await message.filter({ hasText: "The charge controllers are flashed." }).waitFor({
    timeout: 15_000,
  });
});

Deno.test("station: with the time source Browser the sync button shows the station's answer", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  const { page } = await browser.newPage(st.baseUrl);
  await loginUi(page, "24110001");
  await openPage(page, "station");
  await page.locator("#f-time-source-Browser").check();
  await page.locator('[data-form="time"] button[type=submit]').click();
  await page.locator('[data-form="time"] .msg-ok').waitFor();
  await page.getByRole("button", {
    name: "Take the time from this browser now",
  }).click();
  // A simulated station runs on the host's clock: it may refuse, and then says why.
  const answer = page.locator('[data-id="sync-message"]');
  await answer.waitFor();
  ok(
    [
      "The station took the browser's time.",
      "This station's clock cannot be set",
    ]
      .includes((await answer.textContent())?.trim() ?? ""),
    await answer.textContent() ?? "",
  );
});

Deno.test("admin: a daemon restart shows restarting… and the page reconnects by itself", async () => {
  const port = freePort();
  await using st = await startStation({ args: ["--http-port", String(port)] });
  await using browser = await launchBrowser();
  const { page } = await browser.newPage(st.baseUrl);
  await loginUi(page, "24110001");
  await page.locator(".admin-button").click();
  await page.getByRole("menuitem", { name: "Daemon restart" }).click();
  await page.locator("#restart-dialog").getByRole("button", {
    name: "Restart now",
  }).click();
  await page.locator("h1", { hasText: "Restarting…" }).waitFor();
  // Sessions live in memory: after the restart the page asks to log in again.
  await page.locator("#login-title").waitFor({ timeout: 30_000 });
  equal(
    await page.locator(".login-page .msg-info").textContent(),
    "The station has restarted. Please log in again.",
  );
  await page.locator("#f-password").fill("24110001");
  await page.locator("form button[type=submit]").click();
  await page.locator('[data-ready="true"]').waitFor();
});

Deno.test("software: the factory reset asks first, then the station is back in factory state", async () => {
  const port = freePort();
  await using st = await startStation({ args: ["--http-port", String(port)] });
  await using browser = await launchBrowser();
  const { page } = await browser.newPage(st.baseUrl);
  await loginUi(page, "24110001");
  const { csrfToken } = await (await page.request.get("/api/session")).json();
  await page.request.put("/api/settings", {
    headers: { "X-CSRF-Token": csrfToken },
    data: { values: { "power.stationMaxCurrentMa": 40_000 } },
  });
  await openPage(page, "software");
  await page.getByRole("button", { name: "Reset" }).click();
  const dialog = page.locator("#reset-dialog");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await dialog.waitFor({ state: "hidden" });
  await page.getByRole("button", { name: "Reset" }).click();
  await dialog.getByRole("button", { name: "Reset" }).click();
  await page.locator("#login-title").waitFor({ timeout: 30_000 });
  equal(
    await page.locator(".login-page .msg-info").textContent(),
    "The station is back in factory state. Log in with the initial password.",
  );
  await page.locator("#f-password").fill("24110001");
  await page.locator("form button[type=submit]").click();
  await page.locator("header.top").waitFor();
  await openPage(page, "station");
  equal(
    await page.locator("#f-power-stationMaxCurrentMa").inputValue(),
    "63000",
  );
});
