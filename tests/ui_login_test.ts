/**
 * The web interface's login in a real browser (M-1.1, M-1.2): initial passwords, the password
 * change, a session ended elsewhere, and CSRF.
 * @module
 */
import { deepStrictEqual, equal } from "node:assert/strict";
import { launchBrowser, loginUi, openPage } from "./helpers/browser.ts";
import { startStation } from "./helpers/station_process.ts";

const SERIAL = "24110001";

Deno.test("login: the serial number is the initial password; a wrong one shows the field error", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  const { page, errors } = await browser.newPage(st.baseUrl);
  await page.goto("/");
  await page.locator("#f-password").fill("wrong-password");
  await page.locator("form button[type=submit]").click();
  await page.locator('[data-field="password"] .field-error').waitFor();
  equal(await page.locator("#f-password").getAttribute("aria-invalid"), "true");
  await page.locator("#f-password").fill(SERIAL);
  await page.locator("form button[type=submit]").click();
  await page.locator('[data-ready="true"]').waitFor();
  equal(await page.locator('[data-id="serial"]').textContent(), SERIAL);
  deepStrictEqual(errors.filter((e) => !/status of 401/.test(e)), []);
});

Deno.test("the login page leaves the browser console clean (the session probe is no 401)", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  const { page, errors } = await browser.newPage(st.baseUrl);
  await page.goto("/");
  await page.locator("#f-password").waitFor();
  await page.reload();
  await page.locator("#f-password").waitFor();
  deepStrictEqual(errors, []);
});

Deno.test("login: with a factory password the serial number fails and the factory password works", async () => {
  await using st = await startStation({
    args: ["--factory-password", "Label-Pw-77"],
  });
  await using browser = await launchBrowser();
  const { page } = await browser.newPage(st.baseUrl);
  await page.goto("/");
  await page.locator("#f-password").fill(SERIAL);
  await page.locator("form button[type=submit]").click();
  await page.locator('[data-field="password"] .field-error').waitFor();
  await page.locator("#f-password").fill("Label-Pw-77");
  await page.locator("form button[type=submit]").click();
  await page.locator('[data-ready="true"]').waitFor();
});

Deno.test("password change: the rule is enforced per field, then only the new password logs in", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  const { page } = await browser.newPage(st.baseUrl, { locale: "de-DE" });
  await loginUi(page, SERIAL);
  await page.locator(".admin-button").click();
  await page.getByRole("menuitem", { name: "Benutzerprofil" }).click();
  await page.locator("#f-oldPassword").fill(SERIAL);
  await page.locator("#f-newPassword").fill("short1");
  await page.locator("#f-repeatPassword").fill("short1");
  await page.locator('[data-form="password"] button[type=submit]').click();
  const error = page.locator('[data-field="newPassword"] .field-error');
  await error.waitFor();
  equal(await error.textContent(), "Mindestens 10 Zeichen");

  await page.locator("#f-newPassword").fill("Wallbox-2030");
  await page.locator("#f-repeatPassword").fill("Wallbox-2030");
  await page.locator('[data-form="password"] button[type=submit]').click();
  await page.locator(".msg-ok, #login-title").first().waitFor();

  await page.locator(".admin-button").click();
  await page.getByRole("menuitem", { name: "Ausloggen" }).click();
  await page.locator("#login-title").waitFor();
  await page.locator("#f-password").fill(SERIAL);
  await page.locator("form button[type=submit]").click();
  await page.locator('[data-field="password"] .field-error').waitFor();
  await page.locator("#f-password").fill("Wallbox-2030");
  await page.locator("form button[type=submit]").click();
  await page.locator('[data-ready="true"]').waitFor();
});

Deno.test("a session ended elsewhere sends the page to the login with a message", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  const { page } = await browser.newPage(st.baseUrl);
  await loginUi(page, SERIAL);
  await openPage(page, "display");
  // The same browser logs out in another tab: this page's session is gone.
  const session = await (await page.request.get("/api/session")).json();
  const out = await page.request.post("/api/logout", {
    headers: { "X-CSRF-Token": session.csrfToken },
  });
  equal(out.status(), 204);
  await page.locator('[data-form="branding"]').getByRole("button", {
    name: "Reload",
  }).click();
  await page.locator("#login-title").waitFor();
  equal(
    await page.locator(".login-page .msg-info").textContent(),
    "Your session has expired. Please log in again.",
  );
});

Deno.test("a state change without the CSRF header is refused with 403, with it accepted", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  const { page } = await browser.newPage(st.baseUrl);
  await loginUi(page, SERIAL);
  const put = (token: string | null) =>
    page.evaluate(`(async () => {
      const headers = { "content-type": "application/json" };
      if (${JSON.stringify(token)} !== null) headers["x-csrf-token"] = ${JSON.stringify(token)};
      const res = await fetch("/api/settings", {
        method: "PUT", headers, body: JSON.stringify({ values: { "display.branding": "neutral" } }),
      });
      return res.status;
    })()`);
  equal(await put(null), 403);
  equal(await put("not-the-token"), 403);
  const { csrfToken } = await (await page.request.get("/api/session")).json();
  equal(await put(csrfToken), 200);
});
