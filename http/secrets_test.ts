import assert from "node:assert/strict";
import { readTar } from "../station/diagnostics/mod.ts";
import { json, testStation } from "./testing.ts";

const SECRETS = {
  "ocpp.authorizationKey": "SECRET-authkey-1",
  "mobile.password": "SECRET-apnpw-2",
  "mobile.pin": "48151623",
  "auth.giroEStaticToken": "SECRET-giro-3",
  "product.activationCode": "SECRET-act-4",
};
const FACTORY_PASSWORD = "Factory-Label-77";
const NEW_PASSWORD = "SecretPw2026x";

async function bodyText(res: Response): Promise<string> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (res.headers.get("content-type") === "application/gzip") {
    const tar = new Uint8Array(
      await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")))
        .arrayBuffer(),
    );
    return readTar(tar).map((f) => `${f.name}\n${new TextDecoder().decode(f.data)}`).join("\n");
  }
  return new TextDecoder().decode(bytes);
}

Deno.test("no secret ever reaches the browser: settings, passwords, hash, PIN", async () => {
  await using t = await testStation({ factoryPassword: FACTORY_PASSWORD });
  const admin = await t.login(FACTORY_PASSWORD);
  const put = await t.request("/api/settings", {
    method: "PUT",
    as: admin,
    json: { values: SECRETS },
  });
  assert.equal(put.status, 200);
  const answers = [await put.text()];
  const change = await t.request("/api/password", {
    as: admin,
    json: {
      oldPassword: FACTORY_PASSWORD,
      newPassword: NEW_PASSWORD,
      repeatPassword: NEW_PASSWORD,
    },
  });
  assert.equal(change.status, 204);
  const hash = t.settings.get("webui.passwordHash");
  const [, , , , salt, key] = hash.split("$");
  const login = await t.request("/api/login", { json: { user: "admin", password: NEW_PASSWORD } });
  answers.push(await login.text());
  const session = { cookie: (login.headers.get("set-cookie") ?? "").split(";")[0]!, csrfToken: "" };

  for (
    const path of [
      "/api/session",
      "/api/status",
      "/api/info",
      "/api/settings",
      `/api/settings?keys=${Object.keys(SECRETS).join(",")},webui.passwordHash`,
      "/api/network",
      "/api/whitelist",
      "/api/whitelist.csv",
      "/api/modules",
      "/api/software",
      "/api/power-history",
      "/api/diagnostics",
      "/api/sim/faults",
      "/",
    ]
  ) {
    const res = await t.request(path, { as: session });
    assert.ok(res.status < 500, `${path}: ${res.status}`);
    answers.push(`${path}\n${[...res.headers].join("\n")}\n${await bodyText(res)}`);
  }
  const events = await t.request("/api/events", { as: session });
  const reader = events.body!.getReader();
  answers.push(new TextDecoder().decode((await reader.read()).value));
  await reader.cancel();

  const all = answers.join("\n");
  assert.match(all, /"webui\.passwordHash":null/, "the scan saw the settings");
  assert.match(all, /settings\.json/, "the scan saw the diagnostics archive");
  for (
    const secret of [...Object.values(SECRETS), FACTORY_PASSWORD, NEW_PASSWORD, hash, salt!, key!]
  ) {
    assert.ok(!all.includes(secret), `a response contains ${secret}`);
  }
  const settings = await json(await t.request("/api/settings", { as: session }));
  for (const k of Object.keys(SECRETS)) {
    assert.equal(settings.values[k], null, k);
    assert.equal(settings.meta[k].set, true, k);
  }
});
