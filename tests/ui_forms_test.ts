/**
 * The settings forms in a real browser (M-1.0, M-1.4 to M-1.8): Save applies, a reload of the
 * page shows what the station runs with, Reload discards a draft, refusals appear next to
 * their field in the user's language, and nothing is half-saved.
 * @module
 */
import { equal, ok } from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Page } from "playwright-core";
import selfsigned from "selfsigned";
import { launchBrowser, loginUi, openPage } from "./helpers/browser.ts";
import { startStation } from "./helpers/station_process.ts";

const id = (key: string) => `#f-${key.replace(/[^A-Za-z0-9_-]/g, "-")}`;

async function fill(
  page: Page,
  values: Record<string, string | boolean>,
): Promise<void> {
  for (const [key, value] of Object.entries(values)) {
    const input = page.locator(id(key));
    if (typeof value === "boolean") await input.setChecked(value);
    else if (await input.evaluate((el) => el.tagName === "SELECT")) {
      await input.selectOption(value);
    } else await input.fill(value);
  }
}

async function save(page: Page, form: string): Promise<void> {
  await page.locator(`[data-form="${form}"] button[type=submit]`).click();
  await page.locator(`[data-form="${form}"] .msg-ok`).waitFor();
}

async function expectValues(
  page: Page,
  values: Record<string, string | boolean>,
): Promise<void> {
  for (const [key, value] of Object.entries(values)) {
    const input = page.locator(id(key));
    if (typeof value === "boolean") equal(await input.isChecked(), value, key);
    else equal(await input.inputValue(), value, key);
  }
}

/** Per page: the form, the values to save, and the values expected after a page reload. */
const FORMS: [
  page: string,
  form: string,
  values: Record<string, string | boolean>,
][] = [
  ["network", "wan", {
    "network.ipv4.mode": "manual",
    "network.ipv4.address": "10.20.30.40",
    "network.ipv4.prefix": "24",
    "network.ipv4.gateway": "10.20.30.1",
    "network.ipv4.dns": "10.20.30.2",
    "network.neverDefaultGateway": true,
  }],
  ["network", "mobile", {
    "mobile.apn": "internet.example",
    "mobile.user": "sim-user",
  }],
  ["communication", "ocpp", {
    "ocpp.url": "ws://127.0.0.1:9/ocpp",
    "ocpp.chargeBoxIdTemplate": "LW-{serial}",
  }],
  ["communication", "modbus", {
    "modbus.port": "1502",
    "modbus.unitId": "7",
    "modbus.access": "read",
    "modbus.cp1.fallbackCurrentMa": "6000",
    "modbus.cp1.fallbackTimeoutS": "60",
  }],
  ["communication", "cluster", {
    "cluster.enabled": true,
    "cluster.limitA": "80",
    "cluster.broker": "mqtt://127.0.0.1:9",
    "cluster.id": "site-b",
    "cluster.fallbackA": "6",
  }],
  ["communication", "mqtt", {
    "mqtt.enabled": true,
    "mqtt.broker": "mqtt://127.0.0.1:9",
    "mqtt.topicPrefix": "home/wallbox",
    "mqtt.control": true,
    "mqtt.startIdTag": "MASTERKEY",
  }],
  ["station", "time", {
    "time.ntpServer": "ntp.example.org",
    "time.zone": "Europe/Vienna",
  }],
  ["station", "power", { "power.stationMaxCurrentMa": "40000" }],
  ["users", "authorization", {
    "auth.identification": "anyCard",
    "auth.masterKey": "MK-0042",
  }],
  ["users", "security", { "security.remoteVendorAccess": true }],
];

Deno.test("every settings form saves, and a page reload shows the saved values", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  const { page, errors } = await browser.newPage(st.baseUrl);
  await loginUi(page, "24110001");
  for (const [name, form, values] of FORMS) {
    await openPage(page, name);
    if (form === "cluster") await page.locator("#f-cluster-role-master").check();
    // The browser runs in Europe/Berlin like the station: the zone follows it until unticked.
    if (form === "time") await page.locator("#f-zone-browser").uncheck();
    await fill(page, values);
    await save(page, form);
    if (form === "wan") {
      // A network change is undone after a minute unless kept.
      const banner = page.locator('[data-id="net-confirm"]');
      await banner.waitFor();
      await banner.getByRole("button", { name: "Keep these settings" }).click();
      await banner.waitFor({ state: "detached" });
    }
  }
  // Secrets: typed once, then shown only as "stored".
  await openPage(page, "communication");
  await fill(page, { "ocpp.authorizationKey": "backend-secret" });
  await save(page, "ocpp");
  await openPage(page, "display");
  equal(await page.locator("#f-display-branding-operator").isDisabled(), true);
  await page.locator("#f-display-branding-neutral").check();
  await save(page, "branding");

  for (const [name, , values] of FORMS) {
    await page.goto("about:blank");
    await openPage(page, name);
    await expectValues(page, values);
  }
  await openPage(page, "communication");
  equal(await page.locator(id("ocpp.authorizationKey")).inputValue(), "");
  equal(
    await page.locator(id("ocpp.authorizationKey")).getAttribute("placeholder"),
    "stored",
  );
  equal(
    await page.locator('[data-field="ocpp.chargeBoxId"] output').textContent(),
    "LW-24110001",
  );
  equal(await page.locator("#f-cluster-role-master").isChecked(), true);
  await openPage(page, "display");
  equal(await page.locator("#f-display-branding-neutral").isChecked(), true);
  const settings = await (await page.request.get(
    "/api/settings?keys=modbus.port,ocpp.authorizationKey",
  ))
    .json();
  equal(settings.values["modbus.port"], 1502);
  equal(settings.meta["ocpp.authorizationKey"].set, true);
  equal(errors.length, 0, errors.join("\n"));
});

Deno.test("refused values show next to their field, in English and German, and nothing is saved", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  const { page } = await browser.newPage(st.baseUrl);
  await loginUi(page, "24110001");

  await openPage(page, "communication");
  await fill(page, { "modbus.port": "70000", "modbus.unitId": "9" });
  await page.locator('[data-form="modbus"] button[type=submit]').click();
  const portError = page.locator('[data-field="modbus.port"] .field-error');
  await portError.waitFor();
  equal(
    await portError.textContent(),
    "Too big: expected number to be <=65535",
  );
  equal(
    await page.locator(id("modbus.port")).getAttribute("aria-invalid"),
    "true",
  );
  await page.locator('[data-form="modbus"] .msg-error').waitFor();
  // All or nothing: the valid unit id of the same form was not stored either.
  const modbus = await (await page.request.get(
    "/api/settings?keys=modbus.port,modbus.unitId",
  ))
    .json();
  equal(modbus.values["modbus.unitId"], 1);

  await page.getByRole("group", { name: "Language" }).getByRole("button", {
    name: "DE",
  }).click();
  await openPage(page, "network");
  await fill(page, {
    "network.ipv4.mode": "manual",
    "network.ipv4.address": "10.20.30.40",
    "network.ipv4.prefix": "24",
    "network.ipv4.gateway": "10.99.0.1",
  });
  await page.locator('[data-form="wan"] button[type=submit]').click();
  const gatewayError = page.locator(
    '[data-field="network.ipv4.gateway"] .field-error',
  );
  await gatewayError.waitFor();
  equal(
    await gatewayError.textContent(),
    "Muss im Netz der Station liegen (Adresse und Präfixlänge)",
  );

  await fill(page, {
    "network.ipv4.gateway": "10.20.30.1",
    "network.ipv4.dns": "192.168.32.5",
  });
  await page.locator('[data-field="network.ipv4.dns"]').waitFor();
  await page.locator("#wan .msg-error[role=alert]", { hasText: "192.168.32" })
    .first().waitFor();
  await page.locator('[data-form="wan"] button[type=submit]').click();
  await page.locator('[data-field="network.ipv4.dns"] .field-error').waitFor();
  const wan = await (await page.request.get("/api/settings?keys=network.ipv4.mode"))
    .json();
  equal(wan.values["network.ipv4.mode"], "dhcp");
});

Deno.test("Reload discards a draft and shows what the station runs with", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  const { page } = await browser.newPage(st.baseUrl);
  await loginUi(page, "24110001");
  await openPage(page, "station");
  await fill(page, { "power.stationMaxCurrentMa": "12000" });
  await page.locator('[data-form="power"] .msg-dirty').waitFor();
  await page.locator('[data-form="power"]').getByRole("button", {
    name: "Reload",
  }).click();
  await page.locator('[data-form="power"] .msg-info').waitFor();
  equal(
    await page.locator(id("power.stationMaxCurrentMa")).inputValue(),
    "63000",
  );
});

Deno.test("the CA certificate upload shows subject and expiry, and refuses a file that is none", async () => {
  await using st = await startStation();
  await using browser = await launchBrowser();
  const { page } = await browser.newPage(st.baseUrl);
  await loginUi(page, "24110001");
  await openPage(page, "communication");
  const state = page.locator('[data-id="ca-state"]');
  equal(await state.textContent(), "No certificate stored.");
  await page.locator("#f-ca-file").setInputFiles({
    name: "notes.pem",
    mimeType: "application/x-pem-file",
    buffer: Buffer.from("hello"),
  });
  await page.locator('[data-field="ocpp.caCertificatePem"] .field-error').waitFor();
  const { cert } = await selfsigned.generate([{ name: "commonName", value: "Test Backend CA" }], {
    notAfterDate: new Date(Date.UTC(2031, 0, 2, 12)),
    keySize: 2048,
    algorithm: "sha256",
  });
  await page.locator("#f-ca-file").setInputFiles({
    name: "ca.pem",
    mimeType: "application/x-pem-file",
    buffer: Buffer.from(cert),
  });
  await state.filter({ hasText: "CN=Test Backend CA" }).waitFor();
  ok(
    (await state.textContent())?.includes("valid until 2 Jan 2031"),
    await state.textContent() ?? "",
  );
  await page.getByRole("button", { name: "Remove certificate" }).click();
  await state.filter({ hasText: "No certificate stored." }).waitFor();
});

Deno.test("communication page: the URL actually dialled, with the charge box id once", async () => {
  await using st = await startStation({ args: ["--ocpp-url", "ws://127.0.0.1:9/ocpp/"] });
  await using browser = await launchBrowser();
  const { page } = await browser.newPage(st.baseUrl);
  await loginUi(page, "24110001");
  await openPage(page, "communication");
  const dialled = page.locator('[data-field="ocpp.dialledUrl"] output', {
    hasText: "TE24110001",
  });
  await dialled.waitFor();
  equal(await dialled.textContent(), "ws://127.0.0.1:9/ocpp/TE24110001");
});
