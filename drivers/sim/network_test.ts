import assert from "node:assert/strict";
import { SimModem } from "./modem.ts";
import { SimNetworkConfig } from "./network.ts";

Deno.test("SimNetworkConfig runs DHCP with its lease and a manual set-up as given", async () => {
  const net = new SimNetworkConfig();
  assert.equal(net.applied().ipv4.address, "192.0.2.50");
  assert.equal(net.applied().ipv4.up, true);
  await net.apply({
    ipv4: { mode: "manual", address: "10.1.2.3", prefix: 16, gateway: "10.1.0.1", dns: "" },
    ipv6: { mode: "dhcp", address: "", prefix: 64, gateway: "", dns: "" },
    neverDefaultGateway: true,
  });
  const applied = net.applied();
  assert.deepEqual(applied.ipv4, {
    mode: "manual",
    up: true,
    address: "10.1.2.3",
    prefix: 16,
    gateway: "10.1.0.1",
    dns: "",
  });
  assert.equal(applied.ipv6.address, "2001:db8::50");
  assert.equal(applied.neverDefaultGateway, true);
});

Deno.test("SimModem answers its facts; a station without modem says present false", async () => {
  assert.equal((await new SimModem().info()).simState, "ready");
  const none = await new SimModem({ present: false }).info();
  assert.equal(none.present, false);
  assert.equal(none.imei, "");
  const modem = new SimModem();
  modem.update({ signalPercent: 10 });
  assert.equal((await modem.info()).signalPercent, 10);
});
