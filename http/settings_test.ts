import assert from "node:assert/strict";
import selfsigned from "selfsigned";
import { json, testStation } from "./testing.ts";

Deno.test("GET /api/settings sends every setting with its meta; secrets as null with meta.set", async () => {
  await using t = await testStation();
  await t.settings.set({ "ocpp.authorizationKey": "Key-123" });
  const admin = await t.login();
  const body = await json(await t.request("/api/settings", { as: admin }));
  assert.equal(body.values["power.stationMaxCurrentMa"], 63_000);
  assert.deepEqual(body.meta["power.stationMaxCurrentMa"].unit, "mA");
  assert.equal(body.meta["power.stationMaxCurrentMa"].access, "rw");
  assert.equal(body.values["ocpp.authorizationKey"], null);
  assert.equal(body.meta["ocpp.authorizationKey"].secret, true);
  assert.equal(body.meta["ocpp.authorizationKey"].set, true);
  assert.equal(body.values["mobile.pin"], null);
  assert.equal(body.meta["mobile.pin"].set, false);
  assert.equal(body.values["webui.passwordHash"], null);

  const some = await json(
    await t.request("/api/settings?keys=ocpp.url,%20time.zone", { as: admin }),
  );
  assert.deepEqual(Object.keys(some.values), ["ocpp.url", "time.zone"]);
  const unknown = await t.request("/api/settings?keys=ocpp.url,nope", { as: admin });
  assert.equal(unknown.status, 400);
  const e = await json(unknown);
  assert.equal(e.field, "keys");
  assert.equal(e.code, "unknown_setting");
});

Deno.test("PUT /api/settings saves and answers the values sent", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const res = await t.request("/api/settings", {
    method: "PUT",
    as: admin,
    json: { values: { "power.stationMaxCurrentMa": 20_000, "ocpp.authorizationKey": "Abc-1" } },
  });
  assert.equal(res.status, 200);
  const body = await json(res);
  assert.deepEqual(body, {
    values: { "power.stationMaxCurrentMa": 20_000, "ocpp.authorizationKey": null },
    restartNeeded: false,
  });
  assert.equal(t.settings.get("power.stationMaxCurrentMa"), 20_000);
  assert.equal(t.settings.get("ocpp.authorizationKey"), "Abc-1");
  const kept = await t.request("/api/settings", {
    method: "PUT",
    as: admin,
    json: { values: { "ocpp.authorizationKey": null, "time.zone": "Europe/Vienna" } },
  });
  assert.equal(kept.status, 200);
  assert.equal(t.settings.get("ocpp.authorizationKey"), "Abc-1", "null keeps a secret");
});

Deno.test("PUT /api/settings refuses per key with codes and changes nothing", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const put = (values: unknown) =>
    t.request("/api/settings", { method: "PUT", as: admin, json: { values } });
  const cases: [Record<string, unknown>, string, string][] = [
    [{ "power.stationMaxCurrentMa": 5000 }, "power.stationMaxCurrentMa", "too_small"],
    [{ "power.stationMaxCurrentMa": "16000" }, "power.stationMaxCurrentMa", "invalid_type"],
    [{ "nope.key": 1 }, "nope.key", "unknown_setting"],
    [{ "ocpp.numberOfConnectors": 1 }, "ocpp.numberOfConnectors", "read_only"],
    [{ "webui.passwordHash": "scrypt$x" }, "webui.passwordHash", "own_route"],
    [{ "display.branding": "operator" }, "display.branding", "invalid_value"],
    [{ "auth.identification": "maybe" }, "auth.identification", "invalid_value"],
    [{ "ocpp.url": "http://backend" }, "ocpp.url", "custom"],
    [{ "ocpp.caCertificatePem": "not a pem" }, "ocpp.caCertificatePem", "not_certificate"],
    [{ "mobile.pin": null }, "", ""],
  ];
  for (const [values, field, code] of cases) {
    const res = await put(values);
    if (field === "") {
      assert.equal(res.status, 200, "null for a secret is no change");
      continue;
    }
    assert.equal(res.status, 400, JSON.stringify(values));
    const e = await json(res);
    assert.equal(e.field, field, JSON.stringify(e));
    assert.equal(e.code, code, JSON.stringify(e));
  }
  const min = await json(await put({ "power.stationMaxCurrentMa": 5000 }));
  assert.equal(min.issues[0].params.min, 6000);

  const mixed = await put({ "power.stationMaxCurrentMa": 16_000, "ocpp.heartbeatIntervalS": -1 });
  assert.equal(mixed.status, 400);
  assert.equal(t.settings.get("power.stationMaxCurrentMa"), 63_000, "all or nothing");
  for (const body of [{}, { values: {}, extra: 1 }, { values: [] }]) {
    const res = await t.request("/api/settings", { method: "PUT", as: admin, json: body });
    assert.equal(res.status, 400, JSON.stringify(body));
  }
});

Deno.test("blanks around the OCPP URL and key are refused with a clear message", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const res = await t.request("/api/settings", {
    method: "PUT",
    as: admin,
    json: { values: { "ocpp.url": " ws://backend.example/ocpp", "ocpp.authorizationKey": "k1 " } },
  });
  assert.equal(res.status, 400);
  const { issues } = await json(res);
  assert.deepEqual(issues.map((i: { field: string; code: string }) => `${i.field}:${i.code}`), [
    "ocpp.url:blanks",
    "ocpp.authorizationKey:blanks",
  ]);
  assert.match(issues[0].reason, /backend URL must not start or end with blanks/);
  assert.equal(t.settings.get("ocpp.url"), "");
});

const NET_CASES: [string, Record<string, unknown>, string[]][] = [
  ["DHCP needs nothing", { "network.ipv4.mode": "dhcp" }, []],
  ["manual with gateway in the subnet", {
    "network.ipv4.mode": "manual",
    "network.ipv4.address": "10.1.2.3",
    "network.ipv4.prefix": 16,
    "network.ipv4.gateway": "10.1.0.1",
    "network.ipv4.dns": "9.9.9.9",
  }, []],
  ["manual without address", { "network.ipv4.mode": "manual" }, [
    "network.ipv4.address:required",
  ]],
  ["gateway outside the subnet", {
    "network.ipv4.mode": "manual",
    "network.ipv4.address": "10.1.2.3",
    "network.ipv4.prefix": 24,
    "network.ipv4.gateway": "10.1.3.1",
  }, ["network.ipv4.gateway:outside_subnet"]],
  ["gateway equals the address", {
    "network.ipv4.mode": "manual",
    "network.ipv4.address": "10.1.2.3",
    "network.ipv4.gateway": "10.1.2.3",
  }, ["network.ipv4.gateway:same_as_address"]],
  ["the network address itself", {
    "network.ipv4.mode": "manual",
    "network.ipv4.address": "10.1.2.0",
  }, ["network.ipv4.address:special"]],
  ["service interface address, even in DHCP mode", {
    "network.ipv4.mode": "dhcp",
    "network.ipv4.dns": "192.168.32.5",
  }, ["network.ipv4.dns:service_subnet"]],
  ["service interface as address", {
    "network.ipv4.mode": "manual",
    "network.ipv4.address": "192.168.32.10",
    "network.ipv4.gateway": "192.168.32.1",
  }, ["network.ipv4.address:service_subnet", "network.ipv4.gateway:service_subnet"]],
  ["a /16 around the service interface", {
    "network.ipv4.mode": "manual",
    "network.ipv4.address": "192.168.1.10",
    "network.ipv4.prefix": 16,
  }, ["network.ipv4.prefix:overlap"]],
  ["shared needs the DHCP range", {
    "network.ipv4.mode": "shared",
    "network.ipv4.address": "10.0.0.1",
  }, [
    "network.ipv4.dhcpRangeStart:required",
    "network.ipv4.dhcpRangeEnd:required",
  ]],
  ["shared with a good range", {
    "network.ipv4.mode": "shared",
    "network.ipv4.address": "10.0.0.1",
    "network.ipv4.dhcpRangeStart": "10.0.0.100",
    "network.ipv4.dhcpRangeEnd": "10.0.0.200",
  }, []],
  ["shared range outside the subnet", {
    "network.ipv4.mode": "shared",
    "network.ipv4.address": "10.0.0.1",
    "network.ipv4.dhcpRangeStart": "10.0.1.100",
    "network.ipv4.dhcpRangeEnd": "10.0.0.200",
  }, ["network.ipv4.dhcpRangeStart:outside_subnet"]],
  ["shared range backwards", {
    "network.ipv4.mode": "shared",
    "network.ipv4.address": "10.0.0.1",
    "network.ipv4.dhcpRangeStart": "10.0.0.200",
    "network.ipv4.dhcpRangeEnd": "10.0.0.100",
  }, ["network.ipv4.dhcpRangeEnd:order"]],
  ["shared address inside the range", {
    "network.ipv4.mode": "shared",
    "network.ipv4.address": "10.0.0.150",
    "network.ipv4.dhcpRangeStart": "10.0.0.100",
    "network.ipv4.dhcpRangeEnd": "10.0.0.200",
  }, ["network.ipv4.address:in_range"]],
  ["blanks around an address", {
    "network.ipv4.mode": "manual",
    "network.ipv4.address": "10.0.0.1 ",
  }, ["network.ipv4.address:blanks"]],
  ["not an address", { "network.ipv4.address": "10.0.0.256" }, [
    "network.ipv4.address:invalid_format",
  ]],
  ["IPv6 manual with link-local gateway", {
    "network.ipv6.mode": "manual",
    "network.ipv6.address": "2001:db8::10",
    "network.ipv6.gateway": "fe80::1",
  }, []],
  ["IPv6 manual without address", { "network.ipv6.mode": "manual" }, [
    "network.ipv6.address:required",
  ]],
  ["IPv6 gateway in another network", {
    "network.ipv6.mode": "manual",
    "network.ipv6.address": "2001:db8::10",
    "network.ipv6.prefix": 64,
    "network.ipv6.gateway": "2001:db9::1",
  }, ["network.ipv6.gateway:outside_subnet"]],
];

Deno.test("the network form's cross-field rules", async () => {
  await using t = await testStation();
  const admin = await t.login();
  for (const [name, values, expected] of NET_CASES) {
    await t.settings.resetAll();
    const res = await t.request("/api/settings", { method: "PUT", as: admin, json: { values } });
    const body = await json(res);
    const got = res.status === 200
      ? []
      : body.issues.map((i: { field: string; code: string }) => `${i.field}:${i.code}`);
    assert.deepEqual(got, expected, `${name}: ${JSON.stringify(body)}`);
    assert.equal(res.status, expected.length === 0 ? 200 : 400, name);
  }
});

Deno.test("GET /api/network shows the applied set-up and the modem", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const before = await json(await t.request("/api/network", { as: admin }));
  assert.equal(before.applied.ipv4.mode, "dhcp");
  assert.equal(before.applied.ipv4.up, true);
  assert.equal(before.modem.present, true);
  assert.equal(before.modem.simState, "ready");
  await t.request("/api/settings", {
    method: "PUT",
    as: admin,
    json: {
      values: {
        "network.ipv4.mode": "manual",
        "network.ipv4.address": "10.1.2.3",
        "network.ipv4.prefix": 16,
      },
    },
  });
  const after = await json(await t.request("/api/network", { as: admin }));
  assert.equal(after.applied.ipv4.address, "10.1.2.3");
  assert.equal(after.applied.ipv4.prefix, 16);
});

Deno.test("POST /api/settings/ca-certificate stores a PEM and tells subject, issuer, validTo", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const nothing = await t.request("/api/settings/ca-certificate", { as: admin });
  assert.deepEqual(await json(nothing), { stored: false });
  const { cert } = await selfsigned.generate([{ name: "commonName", value: "Test Backend CA" }], {
    notAfterDate: new Date(Date.now() + 30 * 86_400_000),
    keySize: 2048,
    algorithm: "sha256",
  });
  const res = await t.request("/api/settings/ca-certificate", {
    method: "POST",
    as: admin,
    body: cert,
    headers: { "content-type": "application/x-pem-file" },
  });
  assert.equal(res.status, 200);
  const body = await json(res);
  assert.match(body.subject, /CN=Test Backend CA/);
  assert.match(body.issuer, /CN=Test Backend CA/);
  assert.ok(Date.parse(body.validTo) > Date.now());
  assert.equal(body.expired, false);
  assert.equal(body.count, 1);
  assert.match(t.settings.get("ocpp.caCertificatePem"), /^-----BEGIN CERTIFICATE-----/);
  const stored = await t.request("/api/settings/ca-certificate", { as: admin });
  assert.equal(stored.status, 200);
  assert.match((await json(stored)).subject, /CN=Test Backend CA/);

  const junk = await t.request("/api/settings/ca-certificate", {
    method: "POST",
    as: admin,
    body: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
  });
  assert.equal(junk.status, 400);
  assert.equal((await json(junk)).code, "not_certificate");
  const none = await t.request("/api/settings/ca-certificate", {
    method: "POST",
    as: admin,
    body: "hello",
  });
  assert.equal(none.status, 400);
  const big = await t.request("/api/settings/ca-certificate", {
    method: "POST",
    as: admin,
    body: "x".repeat(20_001),
  });
  assert.equal(big.status, 413);
  const put = await t.request("/api/settings", {
    method: "PUT",
    as: admin,
    json: { values: { "ocpp.caCertificatePem": cert } },
  });
  assert.equal(put.status, 200, "PUT takes a valid PEM too");
});
