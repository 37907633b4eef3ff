/**
 * OCPP configuration keys over the settings registry: GetConfiguration and ChangeConfiguration
 * for every class of key (standard read-write, read-only, write-only, unknown, restricted,
 * vendor paths, aliases), against a real strict-mode backend.
 */
import assert from "node:assert/strict";
import { type Json, type OcppStation, ocppStation } from "./helpers/ocpp_station.ts";

async function change(t: OcppStation, key: string, value: string): Promise<string> {
  return (await t.backend.call<Json>("ChangeConfiguration", { key, value })).status;
}

async function read(t: OcppStation, key: string): Promise<Json> {
  const res = await t.backend.call<Json>("GetConfiguration", { key: [key] });
  assert.equal(res.configurationKey.length, 1, `${key} is known: ${JSON.stringify(res)}`);
  return res.configurationKey[0];
}

/** The standard keys of OCPP 1.6 Core, LocalAuthListManagement and SmartCharging, and the
 * manual's section 3.3, that GetConfiguration must list. */
const EXPECTED_KEYS = [
  "AllowOfflineTxForUnknownId",
  "AuthorizationCacheEnabled",
  "AuthorizationKey",
  "AuthorizeRemoteTxRequests",
  "ChargeProfileMaxStackLevel",
  "ChargingScheduleAllowedChargingRateUnit",
  "ChargingScheduleMaxPeriods",
  "ClockAlignedDataInterval",
  "ConnectionTimeOut",
  "ConnectorPhaseRotation",
  "ConnectorPhaseRotationMaxLength",
  "ConnectorSwitch3to1PhaseSupported",
  "CurrentDateTime",
  "GetConfigurationMaxKeys",
  "GiroEStaticToken",
  "HeartbeatInterval",
  "LocalAuthListEnabled",
  "LocalAuthListMaxLength",
  "LocalAuthorizeOffline",
  "LocalPreAuthorize",
  "MaxChargingProfilesInstalled",
  "MeterValueSampleInterval",
  "MeterValuesAlignedData",
  "MeterValuesAlignedDataMaxLength",
  "MeterValuesSampledData",
  "MeterValuesSampledDataMaxLength",
  "NumberOfConnectors",
  "PreAuthorize",
  "ReserveConnectorZeroSupported",
  "ResetRetries",
  "SendLocalListMaxLength",
  "StopTransactionOnEVSideDisconnect",
  "StopTransactionOnInvalidId",
  "StopTxnAlignedData",
  "StopTxnAlignedDataMaxLength",
  "StopTxnSampledData",
  "StopTxnSampledDataMaxLength",
  "StopTxOnReset",
  "SupportedFeatureProfiles",
  "SupportedFeatureProfilesMaxLength",
  "SupportedFileTransferProtocols",
  "TimeSource",
  "TimeZone",
  "TransactionMessageAttempts",
  "TransactionMessageRetryInterval",
  "UnlockConnectorOnEVSideDisconnect",
  "WebSocketPingInterval",
  "/hw/auth/device/Dummy/allowStop",
  "/hw/auth/device/Dummy/enabled",
  "/hw/auth/device/Dummy/id/value",
  "/hw/connectors/1/data",
  "/hw/connectors/2/data",
  "/hw/connectors/1/evseId",
  "/hw/connectors/1/evseLabel",
  "/Gui/Operator/Contact/phone",
  "/ocpp/chargeBoxIdentity",
  "/ocpp/stopTransactionsOnReset",
  "/power/station/mainsMaxCurrent",
  "/Price/1/adhoc",
  "/Safety/Ovp/failed",
  "/Security/enableRemoteVendorAccess",
];

Deno.test("GetConfiguration without keys lists every key once, each within the OCPP limits", async () => {
  await using t = await ocppStation();
  await t.booted();
  const res = await t.backend.call<Json>("GetConfiguration", {});
  assert.equal(res.unknownKey, undefined);
  const keys: string[] = res.configurationKey.map((k: Json) => k.key);
  assert.equal(new Set(keys).size, keys.length, "no key twice");
  for (const key of EXPECTED_KEYS) assert.ok(keys.includes(key), `${key} listed`);
  const byKey = new Map(res.configurationKey.map((k: Json) => [k.key, k]));
  assert.deepEqual(byKey.get("NumberOfConnectors"), {
    key: "NumberOfConnectors",
    readonly: true,
    value: "2",
  });
  assert.ok(Date.parse((byKey.get("CurrentDateTime") as Json).value) > Date.UTC(2024, 0, 1));
  assert.deepEqual(t.backend.problems, [], "the strict backend found nothing to refuse");
});

Deno.test("GetConfiguration with keys answers the known ones and lists the rest as unknownKey", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  const res = await t.backend.call<Json>("GetConfiguration", {
    key: ["MeterValueSampleInterval", "NoSuchKey", "/hw/connectors/2/data", "StopTxOnReset"],
  });
  assert.deepEqual(res, {
    configurationKey: [
      { key: "MeterValueSampleInterval", readonly: false, value: "60" },
      { key: "StopTxOnReset", readonly: false, value: "true" },
    ],
    unknownKey: ["NoSuchKey", "/hw/connectors/2/data"],
  });
});

Deno.test("a standard read-write key: changed, read back, bad values Rejected", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  assert.equal(await change(t, "MeterValueSampleInterval", "15"), "Accepted");
  assert.equal((await read(t, "MeterValueSampleInterval")).value, "15");
  for (const bad of ["abc", "-5", "1.5", "", "99999999"]) {
    assert.equal(await change(t, "MeterValueSampleInterval", bad), "Rejected", `"${bad}"`);
  }
  assert.equal(await change(t, "AuthorizeRemoteTxRequests", "yes"), "Rejected");
  assert.equal(await change(t, "MeterValuesSampledData", "Temperature"), "Rejected");
  assert.equal((await read(t, "MeterValueSampleInterval")).value, "15", "unchanged");
});

Deno.test("read-only keys are Rejected and keep their value; unknown keys are NotSupported", async () => {
  await using t = await ocppStation();
  await t.booted();
  for (const key of ["NumberOfConnectors", "SupportedFeatureProfiles", "LocalAuthListMaxLength"]) {
    const before = await read(t, key);
    assert.equal(before.readonly, true);
    assert.equal(await change(t, key, "1"), "Rejected", key);
    assert.deepEqual(await read(t, key), before);
  }
  assert.equal(await change(t, "NoSuchKey", "1"), "NotSupported");
  assert.equal(await change(t, "CurrentDateTime", "2020-01-01T00:00:00Z"), "Rejected");
});

Deno.test("StopTransactionOnEVSideDisconnect and UnlockConnectorOnEVSideDisconnect accept only true", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  for (const key of ["StopTransactionOnEVSideDisconnect", "UnlockConnectorOnEVSideDisconnect"]) {
    assert.equal(await change(t, key, "false"), "Rejected", key);
    assert.equal(await change(t, key, "true"), "Accepted", key);
    assert.deepEqual(await read(t, key), { key, readonly: false, value: "true" });
  }
});

Deno.test("TransactionMessageAttempts is accepted but ignored: a failing StartTransaction is retried beyond it", async () => {
  let failures = 0;
  await using t = await ocppStation({
    connectors: 1,
    seed: { "ocpp.transactionMessageRetryIntervalS": 1 },
    setup: (b) => {
      const accept = b.handlers.StartTransaction!;
      b.handlers.StartTransaction = (p: Json, id: string) => {
        if (++failures <= 2) throw new Error("Backend busy");
        return accept(p, id);
      };
    },
  });
  await t.booted();
  assert.equal(await change(t, "TransactionMessageAttempts", "1"), "Accepted");
  assert.equal((await read(t, "TransactionMessageAttempts")).value, "1");
  await t.post("/api/sim/connectors/1/plug");
  await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
  await t.backend.waitFor(
    (c) => c.filter((x) => x.action === "StartTransaction").length >= 3,
    { timeoutMs: 8000, what: "a third StartTransaction although attempts = 1" },
  );
});

Deno.test("AuthorizationKey is write-only: listed without a value; blanks around it are Rejected", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  assert.deepEqual(await read(t, "AuthorizationKey"), { key: "AuthorizationKey", readonly: false });
  assert.equal(await change(t, "AuthorizationKey", " secret1234"), "Rejected");
  assert.equal(await change(t, "AuthorizationKey", "secret1234 "), "Rejected");
  assert.equal(t.backend.handshakes.length, 1, "a refused key does not reconnect");
});

Deno.test("/hw/auth/device/Dummy/enabled is identification mode none: plug and the dummy id is authorized", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  assert.deepEqual(await read(t, "/hw/auth/device/Dummy/enabled"), {
    key: "/hw/auth/device/Dummy/enabled",
    readonly: false,
    value: "false",
  });
  assert.equal(await change(t, "/hw/auth/device/Dummy/enabled", "true"), "Accepted");
  assert.equal((await read(t, "/hw/auth/device/Dummy/enabled")).value, "true");
  assert.equal(await change(t, "/hw/auth/device/Dummy/enabled", "maybe"), "Rejected");
  await t.post("/api/sim/connectors/1/plug");
  const auth = await t.next("Authorize");
  assert.equal(auth.params.idTag, "FREECHARGE");
  const start = await t.next("StartTransaction");
  assert.equal(start.params.idTag, "FREECHARGE");

  assert.equal(await change(t, "/hw/auth/device/Dummy/enabled", "false"), "Accepted");
  assert.equal((await read(t, "/hw/auth/device/Dummy/enabled")).value, "false");
});

Deno.test("/hw/auth/device/Dummy/enabled written back as false keeps the any-card mode", async () => {
  // A backend that writes back every value it read must not change the identification mode.
  await using t = await ocppStation({ connectors: 1, seed: { "auth.identification": "anyCard" } });
  await t.booted();
  assert.equal((await read(t, "/hw/auth/device/Dummy/enabled")).value, "false");
  assert.equal(await change(t, "/hw/auth/device/Dummy/enabled", "false"), "Accepted");
  await t.backend.stop();
  await t.st.waitFor((s: Json) => s.ocpp.connected === false);
  await t.post("/api/sim/connectors/1/plug");
  await t.post("/api/sim/rfid", { idTag: "SOMECARD" });
  const s = await t.st.waitFor((s: Json) => s.connectors[0].session !== null);
  assert.equal(s.connectors[0].session.authSource, "anyCard", "offline, any card is accepted");
});

Deno.test("/hw/connectors/1/data reads the meter; read-only", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  await t.post("/api/sim/connectors/1/plug");
  await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
  await t.st.waitFor((s: Json) => s.connectors[0].powerW > 20_000);
  const kv = await read(t, "/hw/connectors/1/data");
  assert.equal(kv.readonly, true);
  const data = JSON.parse(kv.value);
  assert.equal(data.voltageV.length, 3);
  assert.ok(data.currentA.every((a: number) => a > 30 && a <= 32), JSON.stringify(data));
  assert.ok(data.powerW > 20_000);
  assert.equal(typeof data.energyWh, "number");
  assert.equal(await change(t, "/hw/connectors/1/data", "{}"), "Rejected");
});

Deno.test("/ocpp/chargeBoxIdentity is read-only TE+serial", async () => {
  await using t = await ocppStation({ connectors: 1, args: ["--serial", "24119999"] });
  await t.booted();
  assert.deepEqual(await read(t, "/ocpp/chargeBoxIdentity"), {
    key: "/ocpp/chargeBoxIdentity",
    readonly: true,
    value: "TE24119999",
  });
  assert.equal(await change(t, "/ocpp/chargeBoxIdentity", "OTHER"), "Rejected");
  assert.equal((await read(t, "/ocpp/chargeBoxIdentity")).value, "TE24119999");
});

Deno.test("/ocpp/chargeBoxIdentity follows the template, which is also the identity at the backend", async () => {
  await using t = await ocppStation({
    connectors: 1,
    seed: { "ocpp.chargeBoxIdTemplate": "LW-{serial}-A" },
  });
  await t.booted();
  assert.equal((await read(t, "/ocpp/chargeBoxIdentity")).value, "LW-24110001-A");
  assert.equal(t.backend.handshakes[0]!.identity, "LW-24110001-A");
  const s = await t.st.api<Json>("/api/status");
  assert.equal(s.body.ocpp.chargeBoxId, "LW-24110001-A");
});

Deno.test("/power/station/mainsMaxCurrent (mA) changes the offered current of a running session", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  assert.equal((await read(t, "/power/station/mainsMaxCurrent")).value, "32000");
  await t.post("/api/sim/connectors/1/plug");
  await t.post("/api/sim/rfid", { idTag: "MASTERKEY" });
  await t.st.waitFor((s: Json) => s.connectors[0].status === "Charging");
  assert.equal(await change(t, "/power/station/mainsMaxCurrent", "16000"), "Accepted");
  const s = await t.st.waitFor((s: Json) => s.connectors[0].offeredMa === 16_000);
  assert.equal(s.station.stationMaxCurrentMa, 16_000);
  for (const bad of ["40000", "5000", "16A"]) {
    assert.equal(await change(t, "/power/station/mainsMaxCurrent", bad), "Rejected", bad);
  }
  assert.equal((await read(t, "/power/station/mainsMaxCurrent")).value, "16000");
});

Deno.test("/ocpp/stopTransactionsOnReset and StopTxOnReset are one value", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  assert.equal(await change(t, "/ocpp/stopTransactionsOnReset", "false"), "Accepted");
  assert.equal((await read(t, "StopTxOnReset")).value, "false");
  assert.equal((await read(t, "/ocpp/stopTransactionsOnReset")).value, "false");
  assert.equal(await change(t, "StopTxOnReset", "true"), "Accepted");
  assert.equal((await read(t, "/ocpp/stopTransactionsOnReset")).value, "true");
});

Deno.test("a key changed over OCPP and the setting in the station are one value, across a restart", async () => {
  await using t = await ocppStation({
    connectors: 1,
    seed: { "ocpp.meterValueSampleIntervalS": 42, "auth.localPreAuthorize": true },
  });
  await t.booted();
  assert.equal((await read(t, "MeterValueSampleInterval")).value, "42", "the stored setting");
  assert.equal((await read(t, "LocalPreAuthorize")).value, "true");
  assert.equal(await change(t, "MeterValueSampleInterval", "17"), "Accepted");
  assert.equal(await change(t, "/hw/auth/device/Dummy/id/value", "PLUGCHARGE"), "Accepted");
  await t.st.stop();
  const from = t.backend.calls.length;
  await t.restart();
  await t.next("BootNotification", undefined, { from });
  await t.backend.waitForClient();
  assert.equal((await read(t, "MeterValueSampleInterval")).value, "17");
  assert.equal((await read(t, "/hw/auth/device/Dummy/id/value")).value, "PLUGCHARGE");
  assert.equal((await read(t, "LocalPreAuthorize")).value, "true");
});

Deno.test("/WebUi/password/reset is write-only and sets the web password; a weak one is Rejected", async () => {
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  const res = await t.backend.call<Json>("GetConfiguration", { key: ["/WebUi/password/reset"] });
  assert.deepEqual(res.configurationKey, [{ key: "/WebUi/password/reset", readonly: false }]);
  const login = async (password: string) =>
    (await t.st.api("/api/login", { json: { user: "admin", password } })).status;
  assert.equal(await change(t, "/WebUi/password/reset", "short"), "Rejected", "the password rule");
  assert.equal(await login("24110001"), 200, "the serial is still the password");
  assert.equal(await change(t, "/WebUi/password/reset", "a-new-Password-2026"), "Accepted");
  assert.equal(await login("a-new-Password-2026"), 200);
  assert.equal(await login("24110001"), 401, "the initial password is gone");
});
