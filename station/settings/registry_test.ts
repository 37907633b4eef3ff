import assert from "node:assert/strict";
import {
  defaultOf,
  type FactoryInfo,
  type SettingDef,
  settingDef,
  type SettingKey,
  SETTINGS,
  Settings,
  SETTINGS_BY_OCPP_KEY,
  stationCapMa,
} from "./mod.ts";
import type { SettingsStorage } from "../store/settings_store.ts";

const FACTORIES: FactoryInfo[] = [
  { serial: "S1", connectors: 1, hardware: "sim", masterKey: "MASTER01" },
  { serial: "S2", connectors: 2, hardware: "sim", masterKey: "MASTER02" },
  { serial: "D1", connectors: 1, hardware: "device", masterKey: "04A1B2C3D4" },
  { serial: "D2", connectors: 2, hardware: "device", masterKey: "04A1B2C3D5" },
];

const KEYS = Object.keys(SETTINGS) as SettingKey[];

const emptyStorage: SettingsStorage = {
  load: () => Promise.resolve({}),
  save: () => Promise.reject(new Error("Nothing should be saved")),
};

for (const factory of FACTORIES) {
  const variant = `${factory.connectors} charge point(s), hardware ${factory.hardware}`;

  Deno.test(`every default validates against its own schema and check: ${variant}`, () => {
    const failures: string[] = [];
    for (const key of KEYS) {
      const def = SETTINGS[key] as SettingDef;
      const value = defaultOf(key, factory);
      const parsed = def.schema.safeParse(value);
      if (!parsed.success) {
        failures.push(`${key}: ${parsed.error.issues[0]?.message}`);
        continue;
      }
      // Parsing must not rewrite a default (a trim would make it look changed).
      if (JSON.stringify(parsed.data) !== JSON.stringify(value)) {
        failures.push(`${key}: parses to ${JSON.stringify(parsed.data)}`);
      }
      const refused = def.check?.(parsed.data, factory);
      if (refused) failures.push(`${key}: ${refused}`);
    }
    assert.deepEqual(failures, []);
  });

  Deno.test(`Settings.open() on empty storage gives the factory defaults: ${variant}`, async () => {
    const { settings, dropped } = await Settings.open(emptyStorage, factory);
    assert.deepEqual(dropped, []);
    const all = settings.all();
    assert.deepEqual(Object.keys(all).sort(), [...KEYS].sort());
    for (const key of KEYS) assert.deepEqual(all[key], defaultOf(key, factory), key);
    assert.equal(settings.get("power.stationMaxCurrentMa"), stationCapMa(factory.connectors));
    assert.equal(settings.get("ocpp.numberOfConnectors"), factory.connectors);
    assert.equal(settings.get("auth.masterKey"), factory.masterKey);
    assert.equal(settings.get("modbus.enabled"), factory.hardware === "sim");
  });
}

Deno.test("stationCapMa() is 32 A with one charge point and 63 A with two", () => {
  assert.equal(stationCapMa(1), 32_000);
  assert.equal(stationCapMa(2), 63_000);
});

Deno.test("every OCPP key and alias names exactly one setting", () => {
  const seen = new Map<string, string>();
  const duplicates: string[] = [];
  for (const key of KEYS) {
    const def = SETTINGS[key] as SettingDef;
    for (const ocppKey of [def.ocppKey, ...(def.ocppAliases ?? [])]) {
      if (ocppKey === undefined) continue;
      // OCPP compares configuration keys case-sensitively, yet two keys differing only in
      // case would confuse every backend operator.
      const folded = ocppKey.toLowerCase();
      const other = seen.get(folded);
      if (other) duplicates.push(`${ocppKey}: ${other} and ${key}`);
      seen.set(folded, key);
    }
    assert.ok(def.ocppAliases === undefined || def.ocppKey, `${key} has aliases but no key`);
  }
  assert.deepEqual(duplicates, []);
  assert.equal(SETTINGS_BY_OCPP_KEY.size, seen.size);
});

const MANUAL_KEYS = [
  "HeartbeatInterval",
  "MeterValueSampleInterval",
  "MeterValuesSampledData",
  "StopTransactionOnEVSideDisconnect",
  "UnlockConnectorOnEVSideDisconnect",
  "StopTxOnReset",
  "/ocpp/stopTransactionsOnReset",
  "TransactionMessageAttempts",
  "/power/station/mainsMaxCurrent",
  "/hw/auth/device/Dummy/enabled",
  "/hw/auth/device/Dummy/id/value",
  "/hw/auth/device/Dummy/allowStop",
  "/hw/connectors/1/evseId",
  "/hw/connectors/2/evseId",
  "/hw/connectors/1/evseLabel",
  "/hw/connectors/2/evseLabel",
  "/Gui/Operator/Contact/phone",
  "/Price/1/adhoc",
  "/Price/2/adhoc",
  "/Product/ActivationCode",
  "/Security/enableRemoteVendorAccess",
  "TimeSource",
  "TimeZone",
  "PreAuthorize",
  "GiroEStaticToken",
  "AuthorizationKey",
  "LocalAuthListEnabled",
  "AuthorizationCacheEnabled",
  "LocalAuthorizeOffline",
  "LocalPreAuthorize",
  "AllowOfflineTxForUnknownId",
  "ConnectionTimeOut",
  "SupportedFeatureProfiles",
  "NumberOfConnectors",
  "LocalAuthListMaxLength",
  "SendLocalListMaxLength",
];

Deno.test("every OCPP key of the manual names a setting", () => {
  const missing = MANUAL_KEYS.filter((k) => !SETTINGS_BY_OCPP_KEY.has(k));
  assert.deepEqual(missing, []);
  for (const k of MANUAL_KEYS) assert.ok(settingDef(SETTINGS_BY_OCPP_KEY.get(k)!), k);
});

Deno.test("StopTxOnReset and /ocpp/stopTransactionsOnReset are the same setting", () => {
  assert.equal(SETTINGS_BY_OCPP_KEY.get("StopTxOnReset"), "ocpp.stopTxOnReset");
  assert.equal(SETTINGS_BY_OCPP_KEY.get("/ocpp/stopTransactionsOnReset"), "ocpp.stopTxOnReset");
});

Deno.test("the plug-and-charge switch reads and writes auth.identification as a boolean", () => {
  const codec = settingDef("auth.identification")?.ocppCodec;
  assert.ok(codec);
  const cases: [string, string, string][] = [
    // value, encoded, decoded back
    ["none", "true", "none"],
    ["validCard", "false", "validCard"],
    ["anyCard", "false", "validCard"],
  ];
  for (const [value, encoded, decoded] of cases) {
    assert.equal(codec.encode(value), encoded, value);
    assert.equal(codec.decode(encoded), decoded, encoded);
  }
  assert.equal(codec.decode("maybe"), "maybe", "left for the schema to refuse");
});

Deno.test("settingDef() knows registry keys only, not inherited names", () => {
  assert.equal(settingDef("ocpp.heartbeatIntervalS")?.unit, "s");
  for (const key of ["nope", "toString", "__proto__", "constructor", ""]) {
    assert.equal(settingDef(key), undefined, key);
  }
});
