import assert from "node:assert/strict";
import { join } from "node:path";
import type { IpSetup, NetworkSetup } from "../ports.ts";
import { NetworkdConfig, networkFile, WAN_FILE } from "./networkd.ts";

const dhcp: IpSetup = { mode: "dhcp", address: "", prefix: 24, gateway: "", dns: "" };

Deno.test("networkd: the .network files of DHCP, manual, shared and never-default-gateway", () => {
  assert.equal(
    networkFile("eth0", { ipv4: dhcp, ipv6: { ...dhcp, prefix: 64 }, neverDefaultGateway: false }),
    [
      "# Written by ladewerk from the station's network settings; changes here are overwritten.",
      "[Match]",
      "Name=eth0",
      "",
      "[Network]",
      "DHCP=yes",
      "IPv6AcceptRA=yes",
      "",
    ].join("\n"),
  );
  const manual: NetworkSetup = {
    ipv4: {
      mode: "manual",
      address: "10.0.0.20",
      prefix: 24,
      gateway: "10.0.0.1",
      dns: "10.0.0.1, 9.9.9.9",
    },
    ipv6: { mode: "manual", address: "2001:db8::20", prefix: 64, gateway: "", dns: "" },
    neverDefaultGateway: false,
  };
  assert.match(
    networkFile("eth0", manual),
    /DHCP=no\nIPv6AcceptRA=no\nAddress=10\.0\.0\.20\/24\nGateway=10\.0\.0\.1\nDNS=10\.0\.0\.1\nDNS=9\.9\.9\.9\nAddress=2001:db8::20\/64\n$/,
  );
  assert.doesNotMatch(networkFile("eth0", { ...manual, neverDefaultGateway: true }), /Gateway=/);
  const shared = networkFile("eth0", {
    ipv4: {
      mode: "shared",
      address: "10.1.0.1",
      prefix: 24,
      gateway: "",
      dns: "",
      dhcpRangeStart: "10.1.0.50",
      dhcpRangeEnd: "10.1.0.99",
    },
    ipv6: { ...dhcp, prefix: 64 },
    neverDefaultGateway: true,
  });
  assert.match(shared, /DHCP=ipv6\n/);
  assert.match(shared, /DHCPServer=yes\n\n\[DHCPServer\]\nPoolOffset=50\nPoolSize=50\n/);
  assert.match(shared, /\[IPv6AcceptRA\]\nUseGateway=no\n$/);
  assert.throws(
    () => networkFile("eth0", { ...manual, ipv4: { ...manual.ipv4, address: "192.168.32.7" } }),
    /service network/,
  );
});

Deno.test("networkd: apply writes the file, reloads and reconfigures; applied() reads ip -j", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-networkd-" });
  try {
    const calls: string[] = [];
    const outputs: Record<string, string> = {
      "ip -j addr show dev eth0": JSON.stringify([{
        ifname: "eth0",
        addr_info: [
          { family: "inet", local: "192.0.2.50", prefixlen: 24 },
          { family: "inet6", local: "fe80::1", prefixlen: 64, scope: "link" },
          { family: "inet6", local: "2001:db8::50", prefixlen: 64, scope: "global" },
        ],
      }]),
      "ip -j route show default dev eth0": JSON.stringify([{
        dst: "default",
        gateway: "192.0.2.1",
      }]),
      "ip -j -6 route show default dev eth0": JSON.stringify([{
        dst: "default",
        gateway: "fe80::1",
      }]),
    };
    const net = new NetworkdConfig({
      iface: "eth0",
      dir,
      run: (cmd, args) => {
        const line = [cmd, ...args].join(" ");
        calls.push(line);
        return Promise.resolve(outputs[line] ?? "");
      },
    });
    await net.apply({ ipv4: dhcp, ipv6: { ...dhcp, prefix: 64 }, neverDefaultGateway: false });
    assert.match(await Deno.readTextFile(join(dir, WAN_FILE)), /DHCP=yes/);
    assert.deepEqual(calls.slice(0, 2), ["networkctl reload", "networkctl reconfigure eth0"]);
    const a = net.applied();
    assert.deepEqual(a.ipv4, {
      mode: "dhcp",
      up: true,
      address: "192.0.2.50",
      prefix: 24,
      gateway: "192.0.2.1",
      dns: "",
    });
    assert.equal(a.ipv6.address, "2001:db8::50");
    assert.equal(a.ipv6.gateway, "fe80::1");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [WAN_FILE]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
