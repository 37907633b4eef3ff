/**
 * The WAN interface through systemd-networkd (M-1.4): the saved set-up becomes one
 * `.network` file (DHCP, manual, or shared — the station as the LAN's DHCP server —, IPv6,
 * "never use as default gateway"), written atomically, then `networkctl reload` and
 * `networkctl reconfigure`. What the interface runs with is read from `ip -j`. The service
 * interface (192.168.32.1/24 on the USB port) has its own file, which this never writes;
 * a WAN address inside that network is refused.
 * @module
 */
import { join } from "../../station/path.ts";
import type { AppliedIp, IpSetup, NetworkConfig, NetworkSetup } from "../ports.ts";
import type { Runner } from "./runner.ts";

/** The service network on the USB port, never touched. */
export const SERVICE_NETWORK = { address: "192.168.32.1", prefix: 24 };

/** The file the WAN set-up is written to. */
export const WAN_FILE = "20-ladewerk-wan.network";

function ipv4ToInt(a: string): number {
  const p = a.split(".").map(Number);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

/** Whether `address` lies in the service network. */
export function inServiceNetwork(address: string): boolean {
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(address)) return false;
  const mask = (0xffffffff << (32 - SERVICE_NETWORK.prefix)) >>> 0;
  return ((ipv4ToInt(address) & mask) >>> 0) ===
    ((ipv4ToInt(SERVICE_NETWORK.address) & mask) >>> 0);
}

/** The `.network` file of a set-up. */
export function networkFile(iface: string, s: NetworkSetup): string {
  for (const ip of [s.ipv4, s.ipv6]) {
    if (ip.mode !== "dhcp" && inServiceNetwork(ip.address)) {
      throw new RangeError(`${ip.address} is in the service network 192.168.32.0/24`);
    }
  }
  const dhcp4 = s.ipv4.mode === "dhcp";
  const dhcp6 = s.ipv6.mode === "dhcp";
  const lines = [
    "# Written by ladewerk from the station's network settings; changes here are overwritten.",
    "[Match]",
    `Name=${iface}`,
    "",
    "[Network]",
    `DHCP=${dhcp4 && dhcp6 ? "yes" : dhcp4 ? "ipv4" : dhcp6 ? "ipv6" : "no"}`,
    `IPv6AcceptRA=${dhcp6 ? "yes" : "no"}`,
  ];
  const manual = (ip: IpSetup) => {
    if (ip.mode === "dhcp" || ip.address === "") return;
    lines.push(`Address=${ip.address}/${ip.prefix}`);
    if (ip.gateway && !s.neverDefaultGateway && ip.mode === "manual") {
      lines.push(`Gateway=${ip.gateway}`);
    }
    for (const d of ip.dns.split(/[\s,]+/).filter(Boolean)) lines.push(`DNS=${d}`);
  };
  manual(s.ipv4);
  manual(s.ipv6);
  if (s.ipv4.mode === "shared") {
    lines.push("DHCPServer=yes");
    const base = ipv4ToInt(s.ipv4.address) &
      ((0xffffffff << (32 - s.ipv4.prefix)) >>> 0);
    const start = s.ipv4.dhcpRangeStart ? ipv4ToInt(s.ipv4.dhcpRangeStart) - base : 100;
    const end = s.ipv4.dhcpRangeEnd ? ipv4ToInt(s.ipv4.dhcpRangeEnd) - base : 200;
    lines.push(
      "",
      "[DHCPServer]",
      `PoolOffset=${start}`,
      `PoolSize=${Math.max(1, end - start + 1)}`,
      "EmitDNS=yes",
      "EmitRouter=no",
    );
  }
  if (s.neverDefaultGateway) {
    if (dhcp4) lines.push("", "[DHCPv4]", "UseGateway=no");
    if (dhcp6) lines.push("", "[IPv6AcceptRA]", "UseGateway=no");
  }
  return lines.join("\n") + "\n";
}

interface IpAddr {
  ifname?: string;
  addr_info?: { family: string; local: string; prefixlen: number; scope?: string }[];
}

/** What `ip -j addr` and `ip -j route` say about an interface. */
export function parseIp(
  addrJson: string,
  routeJson: string,
): {
  ipv4?: { address: string; prefix: number };
  ipv6?: { address: string; prefix: number };
  gateway4: string;
  gateway6: string;
} {
  const addrs: IpAddr[] = JSON.parse(addrJson || "[]");
  const info = addrs.flatMap((a) => a.addr_info ?? []);
  const v4 = info.find((i) => i.family === "inet");
  const v6 = info.find((i) => i.family === "inet6" && i.scope === "global");
  const routes: { dst: string; gateway?: string }[] = JSON.parse(routeJson || "[]");
  const gw = (pred: (g: string) => boolean) =>
    routes.find((r) => r.dst === "default" && r.gateway && pred(r.gateway))?.gateway ?? "";
  return {
    ...(v4 ? { ipv4: { address: v4.local, prefix: v4.prefixlen } } : {}),
    ...(v6 ? { ipv6: { address: v6.local, prefix: v6.prefixlen } } : {}),
    gateway4: gw((g) => !g.includes(":")),
    gateway6: gw((g) => g.includes(":")),
  };
}

/** The WAN interface through systemd-networkd. */
export class NetworkdConfig implements NetworkConfig {
  #o: { iface: string; dir: string; run: Runner };
  #setup: NetworkSetup | undefined;
  #live: ReturnType<typeof parseIp> = { gateway4: "", gateway6: "" };

  constructor(o: { iface: string; dir?: string; run: Runner }) {
    this.#o = { iface: o.iface, dir: o.dir ?? "/etc/systemd/network", run: o.run };
  }

  async apply(setup: NetworkSetup): Promise<void> {
    const text = networkFile(this.#o.iface, setup);
    const path = join(this.#o.dir, WAN_FILE);
    await Deno.writeTextFile(`${path}.tmp`, text);
    await Deno.rename(`${path}.tmp`, path);
    await this.#o.run("networkctl", ["reload"]);
    await this.#o.run("networkctl", ["reconfigure", this.#o.iface]);
    this.#setup = structuredClone(setup);
    await this.refresh().catch(() => {});
  }

  /** Reads what the interface runs with (`applied()` answers from this). */
  async refresh(): Promise<void> {
    const addr = await this.#o.run("ip", ["-j", "addr", "show", "dev", this.#o.iface]);
    const route = await this.#o.run("ip", ["-j", "route", "show", "default", "dev", this.#o.iface]);
    const route6 = await this.#o.run("ip", [
      "-j",
      "-6",
      "route",
      "show",
      "default",
      "dev",
      this.#o.iface,
    ])
      .catch(() => "[]");
    const parsed = parseIp(addr, route);
    this.#live = { ...parsed, gateway6: parseIp("[]", route6).gateway6 || parsed.gateway6 };
  }

  applied(): { ipv4: AppliedIp; ipv6: AppliedIp; neverDefaultGateway: boolean } {
    const s = this.#setup;
    const of = (
      ip: IpSetup | undefined,
      live: { address: string; prefix: number } | undefined,
      gw: string,
    ): AppliedIp => ({
      mode: ip?.mode ?? "dhcp",
      up: live !== undefined,
      address: live?.address ?? "",
      prefix: live?.prefix ?? ip?.prefix ?? 0,
      gateway: gw,
      dns: ip?.dns ?? "",
    });
    return {
      ipv4: of(s?.ipv4, this.#live.ipv4, this.#live.gateway4),
      ipv6: of(s?.ipv6, this.#live.ipv6, this.#live.gateway6),
      neverDefaultGateway: s?.neverDefaultGateway ?? false,
    };
  }
}
