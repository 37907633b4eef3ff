/**
 * Accounts and the audit log in a real browser: the installer creates the owner account and
 * sets the owner's maximum, the audit page shows both; the owner logs in, sees only the owner's
 * pages, and is held to the installer's maximum.
 * @module
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { launchBrowser, loginUi, openPage, screenshot } from "./helpers/browser.ts";
import { startStation } from "./helpers/station_process.ts";

const OWNER_PASSWORD = "carport-2026";

Deno.test("accounts: the installer creates the owner and sees it in the audit log; the owner sees the owner's pages and is held to the maximum", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  const { page, errors } = await browser.newPage(st.baseUrl);
  await loginUi(page, "24110001");
  await openPage(page, "users");
  const card = page.locator('[data-form="owner"]');
  await card.locator('[data-id="owner-state"]', { hasText: "There is no owner account." })
    .waitFor();
  await card.getByLabel("Owner's password").fill(OWNER_PASSWORD);
  await card.getByLabel("New password (repeat)").fill(OWNER_PASSWORD);
  await card.getByRole("button", { name: "Create owner account" }).click();
  await card.locator(".msg-ok", { hasText: "Owner account created." }).waitFor();
  await card.locator('[data-id="owner-state"]', { hasText: "The owner account exists." })
    .waitFor();
  const limits = page.locator('[data-form="owner-limits"]');
  await limits.locator("#f-power-ownerMaxCurrentMa").fill("16000");
  await limits.locator("button[type=submit]").click();
  await limits.locator(".msg-ok").waitFor();

  await openPage(page, "audit");
  const rows = page.locator('[data-id="audit-table"] tbody tr');
  await rows.first().waitFor();
  const text = (await rows.allTextContents()).join("\n");
  ok(/InstalleruserCreatedowner/.test(text.replaceAll(/\s+/g, "")), text);
  ok(text.includes("power.ownerMaxCurrentMa") && text.includes("63000 → 16000"), text);
  await screenshot(page, "audit-en");
  await page.locator("#f-actor").selectOption("owner");
  await page.getByRole("button", { name: "Show" }).click();
  await page.locator('[data-id="audit-table"] tbody tr').first().waitFor({ state: "detached" });

  // The owner.
  await page.locator(".admin-button").click();
  // Logging out asks for nothing but the logout: no page mounts on the way to the login form
  // (the dashboard did, and its requests raced the logout into 401s).
  const afterLogout: string[] = [];
  const seen = (r: { url(): string }) => afterLogout.push(new URL(r.url()).pathname);
  page.on("request", seen);
  // A slow logout, as over a poor link: whatever the page asks for meanwhile is seen.
  await page.route("**/api/logout", async (route) => {
    await new Promise((r) => setTimeout(r, 300));
    await route.continue();
  });
  await page.getByRole("menuitem", { name: "Log out" }).click();
  await page.locator("#f-user").waitFor();
  await page.waitForTimeout(300);
  page.off("request", seen);
  await page.unroute("**/api/logout");
  deepStrictEqual(afterLogout.filter((p) => p.startsWith("/api/")), ["/api/logout"]);
  await page.locator("#f-user").fill("owner");
  await page.locator("#f-password").fill(OWNER_PASSWORD);
  await page.locator("form button[type=submit]").click();
  await page.locator("header.top").waitFor();
  deepStrictEqual(
    await page.locator("#main-nav a").allTextContents(),
    ["Dashboard", "History", "User management"],
  );
  await page.locator(".admin-button", { hasText: "owner" }).click();
  deepStrictEqual(
    await page.getByRole("menuitem").allTextContents(),
    ["User profile", "Log out"],
    "no restarts for the owner",
  );
  await page.keyboard.press("Escape");
  await openPage(page, "users");
  equal(await page.locator('[data-form="owner"]').count(), 0, "no account card for the owner");
  const current = page.locator('[data-form="owner-current"]');
  await current.locator(".hint", { hasText: "At most 16000 mA" }).waitFor();
  await current.locator("#f-power-stationMaxCurrentMa").fill("20000");
  await current.locator("button[type=submit]").click();
  await current.locator(".field-error", { hasText: "At most 16000 mA" }).waitFor();
  await current.locator("#f-power-stationMaxCurrentMa").fill("12000");
  await current.locator("button[type=submit]").click();
  await current.locator(".msg-ok").waitFor();
  await page.locator('[data-id="wl-table"], table').first().waitFor();
  await page.goto("/#/network");
  await page.locator('main[data-page="dashboard"]').waitFor();
  deepStrictEqual(errors.filter((e) => !/40[03]/.test(e)), []);
});
