/**
 * Every page of the web interface in a real browser, in German and in English (B-2): it loads
 * without console errors, every input has a label, and the language choice is remembered.
 * @module
 */
import { deepStrictEqual, equal } from "node:assert/strict";
import { launchBrowser, loginUi, openPage } from "./helpers/browser.ts";
import { startStation } from "./helpers/station_process.ts";

const TITLES: Record<string, [de: string, en: string]> = {
  network: ["Netzwerk", "Network"],
  communication: ["Kommunikation", "Communication"],
  cluster: ["Cluster", "Cluster"],
  station: ["Station", "Station"],
  display: ["Anzeige", "Display"],
  users: ["Benutzerverwaltung", "User management"],
  software: ["Software", "Software"],
  simulator: ["Simulator", "Simulator"],
  profile: ["Benutzerprofil", "User profile"],
};

/** Inputs, selects and outputs without a label (by id) and without an aria-label. */
const UNLABELLED = `[...document.querySelectorAll("input, select, textarea")]
  .filter((el) => el.type !== "hidden" && el.labels.length === 0 && !el.getAttribute("aria-label"))
  .map((el) => el.id || el.name || el.outerHTML.slice(0, 60))`;

for (const [index, lang] of (["de", "en"] as const).entries()) {
  Deno.test(`every page loads in ${lang === "de" ? "German" : "English"} without console errors, every input labelled`, async () => {
    await using st = await startStation();
    await using browser = await launchBrowser();
    const { page, errors } = await browser.newPage(st.baseUrl, {
      locale: lang === "de" ? "de-DE" : "en-US",
    });
    await loginUi(page, "24110001");
    await page.locator('[data-ready="true"]').waitFor();
    equal(await page.locator("html").getAttribute("lang"), lang);
    equal(
      await page.locator("#ocpp-title").textContent(),
      lang === "de" ? "OCPP-Verbindung" : "OCPP connection",
    );
    deepStrictEqual(await page.evaluate(UNLABELLED), [], "dashboard");
    for (const [name, titles] of Object.entries(TITLES)) {
      await openPage(page, name);
      equal(
        await page.locator("main h1").first().textContent(),
        titles[index],
        name,
      );
      deepStrictEqual(
        await page.evaluate(UNLABELLED),
        [],
        `unlabelled inputs on ${name}`,
      );
    }
    deepStrictEqual(errors, []);
  });
}

Deno.test("the language switch applies at once and is remembered after a reload", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  const { page } = await browser.newPage(st.baseUrl, { locale: "en-US" });
  await loginUi(page, "24110001");
  await openPage(page, "network");
  equal(await page.locator("main h1").textContent(), "Network");
  await page.getByRole("group", { name: "Language" }).getByRole("button", {
    name: "DE",
  }).click();
  equal(await page.locator("main h1").textContent(), "Netzwerk");
  await page.reload();
  await page.locator("main h1").waitFor();
  equal(await page.locator("main h1").textContent(), "Netzwerk");
  equal(await page.locator("html").getAttribute("lang"), "de");
});

Deno.test("the interface works by keyboard: skip link, menu and the admin menu", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  const { page } = await browser.newPage(st.baseUrl);
  await loginUi(page, "24110001");
  await page.keyboard.press("Tab");
  equal(await page.evaluate("document.activeElement.className"), "skip");
  await page.keyboard.press("Enter");
  equal(await page.evaluate("document.activeElement.id"), "main");
  await page.locator('nav#main-nav a[href="#/station"]').focus();
  await page.keyboard.press("Enter");
  await page.locator('main[data-page="station"]').waitFor();
  await page.locator(".admin-button").focus();
  await page.keyboard.press("Enter");
  await page.getByRole("menuitem", { name: "User profile" }).waitFor();
  await page.keyboard.press("Escape");
  // Preact re-renders after the key event: wait for the menu to go, with the locator's deadline.
  await page.getByRole("menu").waitFor({ state: "detached", timeout: 5_000 });
  equal(await page.getByRole("menu").count(), 0);
});
