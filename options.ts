/**
 * The command line: options, their `LADEWERK_*` environment variables and defaults.
 * Precedence: command line, then environment, then default.
 * @module
 */
import * as z from "zod";

interface OptionSpec {
  env: string;
  default: string | undefined;
  help: string;
}

/** Every option of the program, by its long name. */
export const OPTIONS = {
  "data-dir": {
    env: "LADEWERK_DATA_DIR",
    default: "./data",
    help: "Data directory (database, logs)",
  },
  "http-host": {
    env: "LADEWERK_HTTP_HOST",
    default: undefined,
    help: "Address the web server binds to (default 127.0.0.1 with sim, 0.0.0.0 on a device)",
  },
  "http-port": {
    env: "LADEWERK_HTTP_PORT",
    default: "8080",
    help: "Web interface and API port; 0 picks a free port",
  },
  "https-port": {
    env: "LADEWERK_HTTPS_PORT",
    default: "8443",
    help: "HTTPS port of the web interface (self-signed certificate in <data-dir>/tls/); " +
      "0 picks a free port",
  },
  "modbus-port": {
    env: "LADEWERK_MODBUS_PORT",
    default: undefined,
    help: "Modbus TCP server port; 0 picks a free port (default: the setting modbus.port, " +
      "5020 in simulation, 502 on a device)",
  },
  "ocpp-url": {
    env: "LADEWERK_OCPP_URL",
    default: undefined,
    help: "OCPP-J 1.6 backend URL (ws:// or wss://); stored as the station's setting",
  },
  serial: { env: "LADEWERK_SERIAL", default: "24110001", help: "Serial number (digits)" },
  connectors: { env: "LADEWERK_CONNECTORS", default: "2", help: "Number of charge points, 1 or 2" },
  "factory-password": {
    env: "LADEWERK_FACTORY_PASSWORD",
    default: undefined,
    help: "Factory password from the label (stations from 08/2025); without it the serial is " +
      "the initial password",
  },
  "master-key": {
    env: "LADEWERK_MASTER_KEY",
    default: "MASTERKEY",
    help: "UID of the factory master card, in the whitelist from the factory",
  },
  hardware: { env: "LADEWERK_HARDWARE", default: "sim", help: "Hardware: sim or device" },
  "device-config": {
    env: "LADEWERK_DEVICE_CONFIG",
    default: undefined,
    help: "Device description (JSON) naming the driver behind each port; with --hardware device " +
      "(default /etc/ladewerk/device.json)",
  },
  "update-keyring": {
    env: "LADEWERK_UPDATE_KEYRING",
    default: undefined,
    help: "PEM file of the certificates update bundles must be signed by (stored as a setting)",
  },
  "cluster-role": {
    env: "LADEWERK_CLUSTER_ROLE",
    default: undefined,
    help: "Cluster load management: master, slave or standby (enables it; stored as settings)",
  },
  "cluster-broker": {
    env: "LADEWERK_CLUSTER_BROKER",
    default: undefined,
    help: "MQTT broker URL of the cluster (default on the master mqtt://127.0.0.1:1883)",
  },
  "cluster-id": {
    env: "LADEWERK_CLUSTER_ID",
    default: undefined,
    help: "Cluster name, the topic prefix (default: default)",
  },
  "cluster-limit-a": {
    env: "LADEWERK_CLUSTER_LIMIT_A",
    default: undefined,
    help: "Cluster limit per phase in A (master and standby)",
  },
  "cluster-fallback-a": {
    env: "LADEWERK_CLUSTER_FALLBACK_A",
    default: undefined,
    help: "Current per point without a valid allocation, 0 or 6..63 A (default 0)",
  },
  "cluster-user": {
    env: "LADEWERK_CLUSTER_USER",
    default: undefined,
    help: "Broker user name",
  },
  "cluster-password": {
    env: "LADEWERK_CLUSTER_PASSWORD",
    default: undefined,
    help: "Broker password",
  },
  "cluster-ca-file": {
    env: "LADEWERK_CLUSTER_CA_FILE",
    default: undefined,
    help: "CA certificate (PEM file) trusted for an mqtts:// broker",
  },
} as const satisfies Record<string, OptionSpec>;

const Options = z.object({
  "data-dir": z.string().min(1),
  "http-host": z.string().min(1).optional(),
  "http-port": z.coerce.number().int().min(0).max(65_535),
  "https-port": z.coerce.number().int().min(0).max(65_535),
  "modbus-port": z.coerce.number().int().min(0).max(65_535).optional(),
  "ocpp-url": z.string().optional(),
  serial: z.string().regex(/^\d{1,10}$/, "Must be 1 to 10 digits").refine(
    (s) => Number(s) <= 0xffff_ffff,
    "Must fit 32 bits (Modbus registers 8-9)",
  ),
  connectors: z.enum(["1", "2"], { error: "Must be 1 or 2" }).transform((v) => Number(v) as 1 | 2),
  "factory-password": z.string().min(1).optional(),
  "master-key": z.string().trim().min(1).max(20),
  hardware: z.enum(["sim", "device"]),
  "device-config": z.string().min(1).optional(),
  "update-keyring": z.string().min(1).optional(),
  "cluster-role": z.enum(["master", "slave", "standby"]).optional(),
  "cluster-broker": z.string().optional(),
  "cluster-id": z.string().optional(),
  "cluster-limit-a": z.coerce.number().int().min(0).max(10_000).optional(),
  "cluster-fallback-a": z.coerce.number().int().min(0).max(63).optional(),
  "cluster-user": z.string().optional(),
  "cluster-password": z.string().optional(),
  "cluster-ca-file": z.string().min(1).optional(),
});

/** Each cluster option and the setting it stands for (stored at start, like `--ocpp-url`). */
const CLUSTER_OPTIONS = [
  ["cluster-role", "cluster.role"],
  ["cluster-broker", "cluster.broker"],
  ["cluster-id", "cluster.id"],
  ["cluster-limit-a", "cluster.limitA"],
  ["cluster-fallback-a", "cluster.fallbackA"],
  ["cluster-user", "cluster.username"],
  ["cluster-password", "cluster.password"],
  ["cluster-ca-file", "cluster.caCertificatePem"],
] as const;

/** The settings the cluster options stand for; a role also switches the cluster on. */
export function clusterSettings(
  o: ProgramOptions,
  readFile: (path: string) => string,
): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  for (const [option, key] of CLUSTER_OPTIONS) {
    const value = o[option];
    if (value === undefined) continue;
    s[key] = option === "cluster-ca-file" ? readFile(String(value)) : value;
  }
  if (o["cluster-role"] !== undefined) s["cluster.enabled"] = true;
  return s;
}

/** The option a cluster setting comes from, for error messages. */
export const CLUSTER_OPTION_OF: Record<string, string> = {
  "cluster.enabled": "--cluster-role",
  ...Object.fromEntries(CLUSTER_OPTIONS.map(([option, key]) => [key, `--${option}`])),
};

/** The parsed command line. */
export type ProgramOptions = z.infer<typeof Options>;

/** The answer of `parseOptions`: options, a help request, or the reason they are refused. */
export type ParsedOptions =
  | { kind: "run"; options: ProgramOptions }
  | { kind: "help"; text: string }
  | { kind: "prime" }
  | { kind: "error"; message: string };

/** The `--help` text, with defaults and environment variables. */
export function helpText(): string {
  const rows = Object.entries(OPTIONS).map(([name, o]) => {
    const def = o.default === undefined ? "" : ` (default ${o.default})`;
    return `  --${name.padEnd(18)} ${o.help}${def}\n  ${"".padEnd(20)} env ${o.env}`;
  });
  return [
    "ladewerk — firmware of an AC charging station",
    "",
    "Usage: deno task start [options]",
    "",
    ...rows,
    "  --prime-code-cache   Load every part of the program once, so that Deno caches its compiled",
    "                       code, and exit (after a build or an update, before the first start)",
    "  --help               Show this text",
  ].join("\n");
}

/** Options that take no value. */
const FLAGS = ["help", "prime-code-cache"] as const;
type Flag = (typeof FLAGS)[number];

/**
 * The command line as `--name value`, `--name=value`, `--help`/`-h` and `--prime-code-cache`;
 * throws for an unknown option, a missing value and any argument that is not an option. (Not
 * `node:util`'s `parseArgs`: any Node module loads Deno's Node layer, about 10 ms of every
 * start, issue 14.)
 */
function readArgs(
  args: string[],
): { values: Record<string, string>; flags: Set<Flag> } {
  const values: Record<string, string> = {};
  const flags = new Set<Flag>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const m = /^(?:--([^=]+)(?:=([\s\S]*))?|-(h))$/.exec(arg);
    if (!m) throw new Error(`Unexpected argument '${arg}': options only, each with its value`);
    const name = m[3] === undefined ? m[1]! : "help";
    const inline = m[2];
    if ((FLAGS as readonly string[]).includes(name)) {
      if (inline !== undefined) throw new Error(`Option '--${name}' does not take a value`);
      flags.add(name as Flag);
    } else if (Object.hasOwn(OPTIONS, name)) {
      if (inline !== undefined) values[name] = inline;
      else {
        const next = args[i + 1];
        if (next === undefined) throw new Error(`Option '--${name} <value>' argument missing`);
        if (next.startsWith("-")) {
          throw new Error(
            `Option '--${name}' is followed by '${next}', not by a value; for a value that ` +
              `starts with a dash write '--${name}=${next}'`,
          );
        }
        values[name] = next;
        i++;
      }
    } else throw new Error(`Unknown option '${arg.split("=")[0]}'`);
  }
  return { values, flags };
}

/** Parses arguments over the environment over the defaults. */
export function parseOptions(
  args: string[],
  env: (name: string) => string | undefined,
): ParsedOptions {
  let parsed;
  try {
    parsed = readArgs(args);
  } catch (e) {
    return { kind: "error", message: `${(e as Error).message}\n\n${helpText()}` };
  }
  if (parsed.flags.has("help")) return { kind: "help", text: helpText() };
  if (parsed.flags.has("prime-code-cache")) return { kind: "prime" };
  const raw: Record<string, string | undefined> = {};
  for (const [name, spec] of Object.entries(OPTIONS)) {
    raw[name] = parsed.values[name] ?? env(spec.env) ?? spec.default;
  }
  const result = Options.safeParse(raw);
  if (!result.success) {
    const msg = result.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("\n");
    return { kind: "error", message: `Invalid options:\n${msg}` };
  }
  return { kind: "run", options: result.data };
}
