/**
 * Settings of the interfaces to the site: Modbus (level 3), cluster (level 2), WAN and mobile.
 * Cross-field rules (gateway in subnet and so on) are checked where the forms are saved.
 * @module
 */
import * as z from "zod";
import { setting } from "./define.ts";

const ipv4 = () => z.union([z.literal(""), z.ipv4()]);
const ipv6 = () => z.union([z.literal(""), z.ipv6()]);
const fallbackCurrent = () =>
  z.number().int().min(0).max(63_000).refine(
    (v) => v === 0 || v >= 6_000,
    { message: "Must be 0 (pause) or at least 6000 mA" },
  );

function fallbackCurrentMa(n: 1 | 2) {
  return setting(fallbackCurrent, 0, {
    unit: "mA",
    access: "rw",
    restart: false,
    description: `Current for charge point ${n} when Modbus set-point writes stop; 0 pauses`,
  });
}

function fallbackTimeoutS(n: 1 | 2) {
  return setting(() => z.number().int().min(0).max(65_535), 0, {
    unit: "s",
    access: "rw",
    restart: false,
    description:
      `Time without set-point writes before the fallback applies to charge point ${n}; 0: never`,
  });
}

const mqttUrl = () =>
  z.union([
    z.literal(""),
    z.string().max(500).refine((v) => {
      try {
        return ["mqtt:", "mqtts:"].includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, { message: "Must be an mqtt:// or mqtts:// URL" }),
  ]);

function phaseWiring(n: 1 | 2) {
  return setting(() => z.enum(["L1", "L2", "L3"]), "L1", {
    access: "rw",
    restart: false,
    description: `Grid phase that charge point ${n}'s L1 is wired to (L2 and L3 follow)`,
  });
}

export const NETWORK_SETTINGS = {
  "metrics.token": setting(
    () =>
      z.union([
        z.literal(""),
        z.string().min(16).max(128).regex(/^[\x21-\x7e]+$/, "Printable ASCII without blanks"),
      ]),
    "",
    {
      access: "w",
      restart: false,
      secret: true,
      description:
        "Bearer token of GET /metrics for a Prometheus scraper (16..128 characters); empty: only with the web login",
    },
  ),
  "modbus.enabled": setting(() => z.boolean(), (f) => f.hardware === "sim", {
    access: "rw",
    restart: false,
    description: "Modbus TCP server for energy managers (level 3)",
  }),
  "modbus.port": setting(
    () => z.number().int().min(1).max(65_535),
    (f) => f.hardware === "sim" ? 5020 : 502,
    {
      access: "rw",
      restart: false,
      description: "TCP port of the Modbus server",
    },
  ),
  "modbus.unitId": setting(() => z.number().int().min(1).max(247), 1, {
    access: "rw",
    restart: false,
    description: "Modbus unit id",
  }),
  "modbus.access": setting(() => z.enum(["read", "readWrite"]), "readWrite", {
    access: "rw",
    restart: false,
    description: "Whether Modbus clients may write set-points",
  }),
  "modbus.cp1.fallbackCurrentMa": fallbackCurrentMa(1),
  "modbus.cp1.fallbackTimeoutS": fallbackTimeoutS(1),
  "modbus.cp2.fallbackCurrentMa": fallbackCurrentMa(2),
  "modbus.cp2.fallbackTimeoutS": fallbackTimeoutS(2),
  "cluster.enabled": setting(() => z.boolean(), false, {
    access: "rw",
    restart: false,
    description: "Cluster load management (level 2)",
  }),
  "cluster.role": setting(() => z.enum(["master", "slave", "standby"]), "slave", {
    access: "rw",
    restart: false,
    description: "Role in the cluster: one master; a standby takes over when the master is gone",
  }),
  "cluster.limitA": setting(() => z.number().int().min(0).max(10_000), 32, {
    unit: "A",
    access: "rw",
    restart: false,
    description: "Cluster limit per phase, split over the charge points with a session " +
      "(master and standby)",
  }),
  "cluster.broker": setting(mqttUrl, "", {
    access: "rw",
    restart: false,
    description: "MQTT broker of the cluster (mqtt:// or mqtts://); empty: " +
      "mqtt://127.0.0.1:1883 on the master",
  }),
  "cluster.id": setting(
    () =>
      z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/, {
        message: "Letters, digits, '_', '.' and '-' only (it is part of the MQTT topics)",
      }),
    "default",
    {
      access: "rw",
      restart: false,
      description: "Cluster name: the topic prefix, so two clusters can share a broker",
    },
  ),
  "cluster.fallbackA": setting(
    () =>
      z.number().int().min(0).max(63).refine((v) => v === 0 || v >= 6, {
        message: "Must be 0 (pause) or at least 6 A",
      }),
    0,
    {
      unit: "A",
      access: "rw",
      restart: false,
      description: "Current per charge point without a valid allocation (master lost); 0 pauses",
    },
  ),
  "cluster.minCurrentA": setting(() => z.number().int().min(6).max(32), 6, {
    unit: "A",
    access: "rw",
    restart: false,
    description: "Smallest share handed out; points that would get less pause",
  }),
  "cluster.rotationMin": setting(() => z.number().int().min(1).max(1_440), 15, {
    unit: "min",
    access: "rw",
    restart: false,
    description: "A paused point gets its turn after this long, from the point charging longest",
  }),
  "cluster.username": setting(() => z.string().max(128), "", {
    access: "rw",
    restart: false,
    description: "Broker user name; empty: no authentication",
  }),
  "cluster.password": setting(() => z.string().max(256), "", {
    access: "w",
    restart: false,
    secret: true,
    description: "Broker password",
  }),
  "cluster.caCertificatePem": setting(() => z.string().max(20_000), "", {
    access: "rw",
    restart: false,
    description: "CA certificate (PEM) trusted for an mqtts:// broker",
  }),
  "mqtt.enabled": setting(() => z.boolean(), false, {
    access: "rw",
    restart: false,
    description: "MQTT API (telemetry, control, Home Assistant discovery)",
  }),
  "mqtt.broker": setting(mqttUrl, "", {
    access: "rw",
    restart: false,
    description: "MQTT broker of the API (mqtt:// or mqtts://)",
  }),
  "mqtt.username": setting(() => z.string().max(128), "", {
    access: "rw",
    restart: false,
    description: "Broker user name; empty: no authentication",
  }),
  "mqtt.password": setting(() => z.string().max(256), "", {
    access: "w",
    restart: false,
    secret: true,
    description: "Broker password",
  }),
  "mqtt.caCertificatePem": setting(() => z.string().max(20_000), "", {
    access: "rw",
    restart: false,
    description: "CA certificate (PEM) trusted for an mqtts:// broker",
  }),
  "mqtt.topicPrefix": setting(
    () =>
      z.union([
        z.literal(""),
        z.string().max(128).regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, {
          message: "Topic levels of letters, digits, '_', '.' and '-', separated by '/'",
        }),
      ]),
    "",
    {
      access: "rw",
      restart: false,
      description: "Topic prefix; empty: ladewerk/<serial>",
    },
  ),
  "mqtt.periodS": setting(() => z.number().int().min(5).max(3_600), 30, {
    unit: "s",
    access: "rw",
    restart: false,
    description: "Telemetry is published on change and at least this often",
  }),
  "mqtt.control": setting(() => z.boolean(), false, {
    access: "rw",
    restart: false,
    description: "Allow control over MQTT (current limit, start, stop)",
  }),
  "mqtt.startIdTag": setting(() => z.union([z.literal(""), z.string().min(1).max(20)]), "", {
    access: "rw",
    restart: false,
    description:
      "ID tag a Home Assistant start button presents (it must pass the station's authorization); empty: no start button",
  }),
  "mqtt.limitTimeoutS": setting(() => z.number().int().min(0).max(86_400), 0, {
    unit: "s",
    access: "rw",
    restart: false,
    description:
      "An MQTT current limit not renewed for this long falls back to mqtt.fallbackCurrentA; 0: never",
  }),
  "mqtt.fallbackCurrentA": setting(
    () =>
      z.number().int().min(0).max(63).refine((v) => v === 0 || v >= 6, {
        message: "Must be 0 (pause) or at least 6 A",
      }),
    6,
    {
      unit: "A",
      access: "rw",
      restart: false,
      description: "Current an expired MQTT limit falls back to; 0 pauses",
    },
  ),
  "mqtt.discovery": setting(() => z.boolean(), true, {
    access: "rw",
    restart: false,
    description: "Home Assistant MQTT discovery",
  }),
  "mqtt.discoveryPrefix": setting(
    () =>
      z.string().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/, {
        message: "Letters, digits, '_', '.' and '-' only",
      }),
    "homeassistant",
    {
      access: "rw",
      restart: false,
      description: "Discovery prefix of Home Assistant",
    },
  ),
  "cluster.cp1.phase": phaseWiring(1),
  "cluster.cp2.phase": phaseWiring(2),
  "network.ipv4.mode": setting(() => z.enum(["dhcp", "manual", "shared"]), "dhcp", {
    access: "rw",
    restart: false,
    description: "WAN IPv4: DHCP client, manual, or shared (DHCP server)",
  }),
  "network.ipv4.address": setting(ipv4, "", {
    access: "rw",
    restart: false,
    description: "WAN IPv4 address (manual and shared)",
  }),
  "network.ipv4.prefix": setting(() => z.number().int().min(1).max(32), 24, {
    access: "rw",
    restart: false,
    description: "WAN IPv4 prefix length",
  }),
  "network.ipv4.gateway": setting(ipv4, "", {
    access: "rw",
    restart: false,
    description: "WAN IPv4 gateway",
  }),
  "network.ipv4.dns": setting(ipv4, "", {
    access: "rw",
    restart: false,
    description: "WAN IPv4 DNS server",
  }),
  "network.ipv4.dhcpRangeStart": setting(ipv4, "", {
    access: "rw",
    restart: false,
    description: "First address the station leases in shared mode",
  }),
  "network.ipv4.dhcpRangeEnd": setting(ipv4, "", {
    access: "rw",
    restart: false,
    description: "Last address the station leases in shared mode",
  }),
  "network.ipv6.mode": setting(() => z.enum(["dhcp", "manual"]), "dhcp", {
    access: "rw",
    restart: false,
    description: "WAN IPv6: automatic or manual",
  }),
  "network.ipv6.address": setting(ipv6, "", {
    access: "rw",
    restart: false,
    description: "WAN IPv6 address",
  }),
  "network.ipv6.prefix": setting(() => z.number().int().min(1).max(128), 64, {
    access: "rw",
    restart: false,
    description: "WAN IPv6 prefix length",
  }),
  "network.ipv6.gateway": setting(ipv6, "", {
    access: "rw",
    restart: false,
    description: "WAN IPv6 gateway",
  }),
  "network.ipv6.dns": setting(ipv6, "", {
    access: "rw",
    restart: false,
    description: "WAN IPv6 DNS server",
  }),
  "network.neverDefaultGateway": setting(() => z.boolean(), false, {
    access: "rw",
    restart: false,
    description: "Never use the WAN as default gateway (OCPP goes over mobile)",
  }),
  "mobile.apn": setting(() => z.string().trim().max(100), "", {
    access: "rw",
    restart: false,
    description: "Access point name of the SIM",
  }),
  "mobile.user": setting(() => z.string().max(100), "", {
    access: "rw",
    restart: false,
    description: "User name for the APN",
  }),
  "mobile.password": setting(() => z.string().max(100), "", {
    access: "w",
    restart: false,
    secret: true,
    description: "Password for the APN",
  }),
  "mobile.pin": setting(() => z.union([z.literal(""), z.string().regex(/^\d{4,8}$/)]), "", {
    access: "w",
    restart: false,
    secret: true,
    description: "PIN of the SIM (4 to 8 digits)",
  }),
} as const;
