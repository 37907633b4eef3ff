import assert from "node:assert/strict";
import { STATION_SPECIFIC } from "../station/backup.ts";
import { type Login, type TestStation, testStation } from "./testing.ts";

// deno-lint-ignore no-explicit-any
type Json = any;
const PASSPHRASE = "copy to the next ten";
const SECRET = "backend-key-7731";

async function configured(serial: string, connectors: 1 | 2 = 2) {
  const t = await testStation({
    serial,
    connectors,
    settings: {
      "ocpp.url": "ws://backend.example:9000/ocpp",
      "ocpp.authorizationKey": SECRET,
      "auth.identification": "anyCard",
      "auth.masterKey": `MK-${serial}`,
      "mqtt.broker": "mqtt://192.168.1.10:1883",
      "modbus.cp2.fallbackCurrentMa": 8000,
      "power.stationMaxCurrentMa": 40_000,
    },
  });
  return t;
}

async function backup(t: TestStation, as: Login, passphrase?: string): Promise<Json> {
  const res = await t.request("/api/backup", {
    method: "POST",
    as,
    json: passphrase ? { passphrase } : {},
  });
  assert.equal(res.status, 200);
  assert.match(
    res.headers.get("content-disposition")!,
    /ladewerk-backup-\d+-\d{4}-\d\d-\d\d\.json/,
  );
  return await res.json();
}

async function post(t: TestStation, as: Login, path: string, body: unknown) {
  const res = await t.request(path, { method: "POST", as, json: body });
  return { status: res.status, body: await res.json() as Json };
}

Deno.test("backup and restore: a set-up copied to another station, secrets with the passphrase, station values kept", async () => {
  await using a = await configured("24110001");
  const adminA = await a.login();
  await a.request("/api/whitelist", {
    method: "PUT",
    as: adminA,
    json: {
      entries: [
        { uid: "MK-24110001", authorization: "accepted" },
        { uid: "CARD-1", authorization: "accepted" },
        { uid: "CARD-2", gid: "FLEET", authorization: "blocked" },
      ],
    },
  });
  await a.store.chargingProfiles.apply({
    put: [{
      connectorId: 0,
      installedAtMs: 0,
      profile: {
        chargingProfileId: 7,
        stackLevel: 1,
        chargingProfilePurpose: "ChargePointMaxProfile",
        chargingProfileKind: "Absolute",
        chargingSchedule: {
          chargingRateUnit: "A",
          chargingSchedulePeriod: [{ startPeriod: 0, limit: 20 }],
        },
      },
    }],
  });
  const file = await backup(a, adminA, PASSPHRASE);
  assert.equal(file.format, "ladewerk-backup");
  assert.equal(file.source.serial, "24110001");
  assert.ok(!JSON.stringify(file).includes(SECRET), "the secret only encrypted");
  for (const key of STATION_SPECIFIC) assert.ok(!(key in file.settings), `${key} not exported`);
  assert.equal(file.whitelist.length, 3);
  assert.equal(file.chargingProfiles.length, 1);

  await using b = await testStation({ serial: "24110002" });
  const adminB = await b.login();
  const preview = await post(b, adminB, "/api/backup/preview", {
    backup: file,
    passphrase: PASSPHRASE,
  });
  assert.equal(preview.status, 200, JSON.stringify(preview.body));
  const diff = Object.fromEntries(preview.body.settings.map((d: Json) => [d.key, [d.old, d.new]]));
  assert.deepEqual(diff["ocpp.url"], ["", "ws://backend.example:9000/ocpp"]);
  assert.deepEqual(diff["ocpp.authorizationKey"], ["(empty)", "(set)"]);
  assert.deepEqual(diff["power.stationMaxCurrentMa"], [63_000, 40_000]);
  assert.equal(diff["auth.masterKey"], undefined, "the master key stays this station's");
  assert.deepEqual(preview.body.whitelist, { total: 3, added: 3, changed: 0, removed: 1 });
  assert.equal(preview.body.secrets, "restored");
  assert.equal(b.settings.get("ocpp.url"), "", "a preview changes nothing");

  const restored = await post(b, adminB, "/api/backup/restore", {
    backup: file,
    passphrase: PASSPHRASE,
    confirm: true,
  });
  assert.equal(restored.status, 200, JSON.stringify(restored.body));
  assert.equal(restored.body.restartNeeded, true, "charging profiles apply at the next start");
  assert.equal(b.settings.get("ocpp.url"), "ws://backend.example:9000/ocpp");
  assert.equal(b.settings.get("ocpp.authorizationKey"), SECRET);
  assert.equal(b.settings.get("auth.masterKey"), "MASTERKEY");
  assert.deepEqual(
    (await b.store.whitelist.all()).filter((e) => !e.deleted).map((e) => e.uid).sort(),
    [
      "CARD-1",
      "CARD-2",
      "MK-24110001",
    ],
  );
  assert.equal(restored.body.listVersion, 1);
  assert.equal((await b.store.chargingProfiles.all())[0]?.profile.chargingProfileId, 7);
  const audit = await (await b.request("/api/audit?action=restore", { as: adminB })).json();
  assert.match(audit.entries[0].detail, /whitelist 3 entries \(\+3 ~0 -1\)/);
});

Deno.test("backup without a passphrase holds no secrets; a secret backup needs its passphrase; a wrong one changes nothing", async () => {
  await using a = await configured("24110001");
  const admin = await a.login();
  const plain = await backup(a, admin);
  assert.equal(plain.secrets, null);
  assert.ok(!JSON.stringify(plain).includes(SECRET));
  const secret = await backup(a, admin, PASSPHRASE);

  await using b = await testStation({ serial: "24110002" });
  const adminB = await b.login();
  const without = await post(b, adminB, "/api/backup/preview", { backup: secret });
  assert.equal(without.body.secrets, "skipped");
  assert.ok(without.body.skipped.some((s: Json) => s.key === "secrets"));
  const wrong = await post(b, adminB, "/api/backup/restore", {
    backup: secret,
    passphrase: "not the passphrase",
    confirm: true,
  });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.body.issues[0].field, "passphrase");
  assert.equal(wrong.body.issues[0].code, "wrong_passphrase");
  assert.equal(b.settings.get("ocpp.url"), "", "nothing applied");
  const short = await post(b, adminB, "/api/backup", { passphrase: "short" });
  assert.equal(short.status, 400);
  assert.equal(short.body.issues[0].field, "passphrase");
  const unconfirmed = await post(b, adminB, "/api/backup/restore", { backup: plain });
  assert.equal(unconfirmed.body.issues[0].field, "confirm");
});

Deno.test("restore from another model: what fits is applied, the rest skipped with its reason; unknown keys skipped", async () => {
  await using a = await configured("24110001", 2);
  const admin = await a.login();
  await a.request("/api/settings", {
    method: "PUT",
    as: admin,
    json: { values: { "power.stationMaxCurrentMa": 63_000 } },
  });
  const file = await backup(a, admin);
  file.settings["display.futureOption"] = true;

  await using one = await testStation({ serial: "24110003", connectors: 1 });
  const adminOne = await one.login();
  const r = await post(one, adminOne, "/api/backup/restore", { backup: file, confirm: true });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const skipped = Object.fromEntries(r.body.skipped.map((s: Json) => [s.key, s.reason]));
  assert.match(skipped["modbus.cp2.fallbackCurrentMa"], /1 charge point/);
  assert.match(skipped["power.stationMaxCurrentMa"], /At most 32000 mA/);
  assert.match(skipped["display.futureOption"], /Unknown to this version/);
  assert.equal(one.settings.get("ocpp.url"), "ws://backend.example:9000/ocpp", "the rest applied");
  assert.equal(one.settings.get("power.stationMaxCurrentMa"), 32_000);
});

Deno.test("a bad backup is refused with its field and nothing changes; a failing whitelist write takes the settings back", async () => {
  await using a = await configured("24110001");
  const admin = await a.login();
  const file = await backup(a, admin);
  await using b = await testStation({ serial: "24110002" });
  const adminB = await b.login();
  const refused = async (bad: unknown, field: RegExp) => {
    const r = await post(b, adminB, "/api/backup/restore", { backup: bad, confirm: true });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(r.body.issues[0].field, field);
    assert.equal(b.settings.get("ocpp.url"), "");
  };
  await refused({ hello: "world" }, /^backup/);
  await refused({ ...file, format: "other" }, /^backup\.format$/);
  await refused({ ...file, version: 99 }, /^backup\.version$/);
  await refused({
    ...file,
    whitelist: Array.from({ length: 1001 }, (_, i) => ({
      uid: `C${i}`,
      gid: null,
      expiry: null,
      authorization: "accepted",
    })),
  }, /^backup\.whitelist$/);
  await refused({
    ...file,
    whitelist: [...file.whitelist, { ...file.whitelist[0] }],
  }, /^backup\.whitelist\.\d+\.uid$/);

  const apply = b.store.whitelist.apply.bind(b.store.whitelist);
  b.store.whitelist.apply = () => Promise.reject(new Error("disk full"));
  const r = await b.request("/api/backup/restore", {
    method: "POST",
    as: adminB,
    json: { backup: file, confirm: true },
  });
  assert.equal(r.status, 500);
  await r.body?.cancel();
  b.store.whitelist.apply = apply;
  assert.equal(b.settings.get("ocpp.url"), "", "the settings went back");
  assert.equal(b.settings.get("power.stationMaxCurrentMa"), 63_000);
});
