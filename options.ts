/**
 * The command line: options, their `LADEWERK_*` environment variables and defaults.
 * Precedence: command line, then environment, then default.
 * @module
 */
import { parseArgs } from "node:util";
import { z } from "zod";

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
});

/** The parsed command line. */
export type ProgramOptions = z.infer<typeof Options>;

/** The answer of `parseOptions`: options, a help request, or the reason they are refused. */
export type ParsedOptions =
  | { kind: "run"; options: ProgramOptions }
  | { kind: "help"; text: string }
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
    "  --help               Show this text",
  ].join("\n");
}

/** Parses arguments over the environment over the defaults. */
export function parseOptions(
  args: string[],
  env: (name: string) => string | undefined,
): ParsedOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        ...Object.fromEntries(Object.keys(OPTIONS).map((k) => [k, { type: "string" as const }])),
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    return { kind: "error", message: `${(e as Error).message}\n\n${helpText()}` };
  }
  if (parsed.values.help) return { kind: "help", text: helpText() };
  const raw: Record<string, string | undefined> = {};
  for (const [name, spec] of Object.entries(OPTIONS)) {
    raw[name] = (parsed.values as Record<string, string | undefined>)[name] ?? env(spec.env) ??
      spec.default;
  }
  const result = Options.safeParse(raw);
  if (!result.success) {
    const msg = result.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("\n");
    return { kind: "error", message: `Invalid options:\n${msg}` };
  }
  return { kind: "run", options: result.data };
}
