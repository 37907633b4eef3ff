/**
 * Rules across settings that one key's schema cannot see: the network form (M-1.4.1) and
 * blanks around OCPP and network values (M-1.5.1). Pure functions over the merged values.
 * @module
 */
import type { Issue } from "./errors.ts";

/** The service interface's network; no WAN address may lie in it. */
export const SERVICE_NET = { address: "192.168.32.0", prefix: 24 };

/** Keys whose text must not start or end with blanks, and how to name them. */
const NO_BLANKS: Record<string, string> = {
  "ocpp.url": "The backend URL must not start or end with blanks: they make the connection fail",
  "ocpp.authorizationKey":
    "The authorization key must not start or end with blanks: they make the login fail",
  "ocpp.chargeBoxIdTemplate": "The charge box id template must not start or end with blanks",
};

/** IPv4 text to a 32-bit number; undefined when not an address. */
export function ipv4ToInt(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((a, p) => a * 256 + p, 0);
}

const mask4 = (prefix: number) => prefix === 0 ? 0 : (0xffff_ffff << (32 - prefix)) >>> 0;

/** Whether `a` and `b` lie in one IPv4 network of `prefix` bits. */
export function sameIpv4Net(a: number, b: number, prefix: number): boolean {
  const m = mask4(prefix);
  return ((a & m) >>> 0) === ((b & m) >>> 0);
}

/** IPv6 text to a 128-bit number; undefined when not an address. */
export function ipv6ToBigInt(text: string): bigint | undefined {
  let head = text;
  const tail: number[] = [];
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1] && v4[2]) {
    const n = ipv4ToInt(v4[2]);
    if (n === undefined) return undefined;
    tail.push(n >>> 16, n & 0xffff);
    head = v4[1].endsWith("::") ? v4[1] : v4[1].slice(0, -1);
  }
  const parts = head.split("::");
  if (parts.length > 2) return undefined;
  const groups = (s: string) => s === "" ? [] : s.split(":");
  const left = groups(parts[0] ?? "");
  const right = parts.length === 2 ? groups(parts[1] ?? "") : [];
  const fill = 8 - tail.length - left.length - right.length;
  if (parts.length === 1 ? fill !== 0 : fill < 1) return undefined;
  const all = [...left, ...Array<string>(parts.length === 2 ? fill : 0).fill("0"), ...right];
  if (all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return [...all.map((g) => parseInt(g, 16)), ...tail].reduce((a, w) => (a << 16n) + BigInt(w), 0n);
}

/** Whether `a` and `b` lie in one IPv6 network of `prefix` bits. */
export function sameIpv6Net(a: bigint, b: bigint, prefix: number): boolean {
  const shift = BigInt(128 - prefix);
  return (a >> shift) === (b >> shift);
}

const FE80 = ipv6ToBigInt("fe80::")!;

type Values = Record<string, unknown>;
const str = (v: Values, k: string) => typeof v[k] === "string" ? v[k] as string : "";
const num = (v: Values, k: string) => typeof v[k] === "number" ? v[k] as number : NaN;

/** Text values with blanks around them, for the keys where blanks break things. */
export function blankIssues(changes: Values): Issue[] {
  const issues: Issue[] = [];
  for (const [key, value] of Object.entries(changes)) {
    if (typeof value !== "string" || value === value.trim()) continue;
    const named = NO_BLANKS[key];
    if (named || key.startsWith("network.")) {
      issues.push({
        field: key,
        reason: named ?? "Must not start or end with blanks",
        code: "blanks",
      });
    }
  }
  return issues;
}

function ipv4Issues(v: Values): Issue[] {
  const issues: Issue[] = [];
  const add = (key: string, reason: string, code: string) =>
    issues.push({ field: `network.ipv4.${key}`, reason, code });
  const service = ipv4ToInt(SERVICE_NET.address)!;
  const fields = ["address", "gateway", "dns", "dhcpRangeStart", "dhcpRangeEnd"];
  for (const key of fields) {
    const n = ipv4ToInt(str(v, `network.ipv4.${key}`));
    if (n !== undefined && sameIpv4Net(n, service, SERVICE_NET.prefix)) {
      add(key, "Addresses in 192.168.32.0/24 belong to the service interface", "service_subnet");
    }
  }
  const mode = v["network.ipv4.mode"];
  if (mode !== "manual" && mode !== "shared") return issues;
  const prefix = num(v, "network.ipv4.prefix");
  const address = ipv4ToInt(str(v, "network.ipv4.address"));
  if (address === undefined) {
    add("address", "Required in manual and shared mode", "required");
    return issues;
  }
  if (prefix < 24 && sameIpv4Net(address, service, prefix)) {
    add("prefix", "The network would include the service interface 192.168.32.0/24", "overlap");
  }
  const net = (address & mask4(prefix)) >>> 0;
  const broadcast = (net | (~mask4(prefix) >>> 0)) >>> 0;
  const special = (n: number) => prefix <= 30 && (n === net || n === broadcast);
  if (special(address)) add("address", "Must not be the network or broadcast address", "special");
  const gateway = ipv4ToInt(str(v, "network.ipv4.gateway"));
  if (gateway !== undefined) {
    if (!sameIpv4Net(gateway, address, prefix)) {
      add("gateway", "Must lie in the station's network (address and prefix)", "outside_subnet");
    } else if (gateway === address) {
      add("gateway", "Must differ from the station's address", "same_as_address");
    } else if (special(gateway)) {
      add("gateway", "Must not be the network or broadcast address", "special");
    }
  }
  if (mode === "shared") {
    const start = ipv4ToInt(str(v, "network.ipv4.dhcpRangeStart"));
    const end = ipv4ToInt(str(v, "network.ipv4.dhcpRangeEnd"));
    for (const [key, n] of [["dhcpRangeStart", start], ["dhcpRangeEnd", end]] as const) {
      if (n === undefined) add(key, "Required in shared mode", "required");
      else if (!sameIpv4Net(n, address, prefix)) {
        add(key, "Must lie in the station's network (address and prefix)", "outside_subnet");
      } else if (special(n)) add(key, "Must not be the network or broadcast address", "special");
    }
    if (start !== undefined && end !== undefined && issues.length === 0) {
      if (start > end) add("dhcpRangeEnd", "Must not come before the range start", "order");
      else if (address >= start && address <= end) {
        add("address", "Must not lie in the DHCP range", "in_range");
      }
    }
  }
  return issues;
}

function ipv6Issues(v: Values): Issue[] {
  const issues: Issue[] = [];
  if (v["network.ipv6.mode"] !== "manual") return issues;
  const add = (key: string, reason: string, code: string) =>
    issues.push({ field: `network.ipv6.${key}`, reason, code });
  const prefix = num(v, "network.ipv6.prefix");
  const address = ipv6ToBigInt(str(v, "network.ipv6.address"));
  if (address === undefined) {
    add("address", "Required in manual mode", "required");
    return issues;
  }
  const gateway = ipv6ToBigInt(str(v, "network.ipv6.gateway"));
  if (gateway !== undefined) {
    if (gateway === address) {
      add("gateway", "Must differ from the station's address", "same_as_address");
    } else if (!sameIpv6Net(gateway, FE80, 10) && !sameIpv6Net(gateway, address, prefix)) {
      add(
        "gateway",
        "Must lie in the station's network or be a link-local address (fe80::/10)",
        "outside_subnet",
      );
    }
  }
  return issues;
}

/**
 * Cross-field issues of a settings change: `merged` holds every value as it would be after the
 * change, `changed` the keys sent. The IPv4 and IPv6 forms are checked when one of their keys
 * is sent.
 */
export function crossFieldIssues(merged: Values, changed: Iterable<string>): Issue[] {
  const keys = [...changed];
  const issues: Issue[] = [];
  if (keys.some((k) => k.startsWith("network.ipv4."))) issues.push(...ipv4Issues(merged));
  if (keys.some((k) => k.startsWith("network.ipv6."))) issues.push(...ipv6Issues(merged));
  return issues;
}
