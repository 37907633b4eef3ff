/**
 * A simulated WAN interface: applies a set-up at once; in `dhcp` mode it runs with a fixed
 * lease from the documentation address ranges.
 * @module
 */
import type { AppliedIp, IpSetup, NetworkConfig, NetworkSetup } from "../ports.ts";

/** The lease the simulated DHCP server hands out. */
export interface SimLease {
  ipv4: { address: string; prefix: number; gateway: string; dns: string };
  ipv6: { address: string; prefix: number; gateway: string; dns: string };
}

const DEFAULT_LEASE: SimLease = {
  ipv4: { address: "192.0.2.50", prefix: 24, gateway: "192.0.2.1", dns: "192.0.2.1" },
  ipv6: { address: "2001:db8::50", prefix: 64, gateway: "fe80::1", dns: "2001:db8::1" },
};

const DHCP_SETUP: IpSetup = { mode: "dhcp", address: "", prefix: 24, gateway: "", dns: "" };

function appliedOf(setup: IpSetup, lease: SimLease["ipv4"]): AppliedIp {
  if (setup.mode === "dhcp") return { mode: "dhcp", up: true, ...lease };
  const { mode, address, prefix, gateway, dns } = setup;
  return { mode, up: address !== "", address, prefix, gateway, dns };
}

/** The simulated WAN interface. */
export class SimNetworkConfig implements NetworkConfig {
  #setup: NetworkSetup;
  #lease: SimLease;

  /** Starts with `setup` (default: DHCP on both families) and the given DHCP lease. */
  constructor(options: { setup?: NetworkSetup; lease?: SimLease } = {}) {
    this.#setup = options.setup ?? {
      ipv4: DHCP_SETUP,
      ipv6: { ...DHCP_SETUP, prefix: 64 },
      neverDefaultGateway: false,
    };
    this.#lease = options.lease ?? DEFAULT_LEASE;
  }

  /** Takes the set-up at once. */
  apply(setup: NetworkSetup): Promise<void> {
    this.#setup = structuredClone(setup);
    return Promise.resolve();
  }

  /** The set-up, with the lease in place of `dhcp`. */
  applied(): { ipv4: AppliedIp; ipv6: AppliedIp; neverDefaultGateway: boolean } {
    return {
      ipv4: appliedOf(this.#setup.ipv4, this.#lease.ipv4),
      ipv6: appliedOf(this.#setup.ipv6, this.#lease.ipv6),
      neverDefaultGateway: this.#setup.neverDefaultGateway,
    };
  }
}
