/**
 * The device description (`--device-config FILE`): which driver sits behind each port, the
 * serial buses and their line settings, Modbus unit ids, which charge point each meter and
 * controller serves. Validated with zod; a wrong file stops the start with the field and the
 * reason. The simulated station is the same program with a description of simulated parts.
 * Drivers so far: meters `modbus-rtu` (register maps in `drivers/rtu/meter_maps.ts`) or
 * `sim`; controllers `rapi` (OpenEVSE) or `sim`; the reader `evdev` (a USB reader typing the
 * UID), `pn532` (NXP PN532 over UART) or `sim`; LEDs `sysfs` (the Linux LED class) or `sim`.
 * @module
 */
import * as z from "zod";
import { METER_MAPS } from "../rtu/meter_maps.ts";

const BAUD_RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] as const;
const connector = z.int().min(1).max(2);

const Bus = z.strictObject({
  path: z.string().min(1, "The serial device, such as /dev/ttyUSB0"),
  baudRate: z.union(BAUD_RATES.map((b) => z.literal(b)), {
    error: `One of ${BAUD_RATES.join(", ")}`,
  }).default(9600),
  parity: z.enum(["none", "even", "odd"]).default("none"),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
  timeoutMs: z.int().min(20).max(5000).default(300),
});

const models = Object.keys(METER_MAPS) as [keyof typeof METER_MAPS, ...(keyof typeof METER_MAPS)[]];

const Meter = z.discriminatedUnion("driver", [
  z.strictObject({
    connector,
    driver: z.literal("modbus-rtu"),
    model: z.enum(models),
    bus: z.string().min(1),
    unit: z.int().min(1).max(247),
    pollMs: z.int().min(100).max(60_000).default(1000),
  }),
  z.strictObject({ connector, driver: z.literal("sim") }),
]);

const Sim = z.strictObject({ driver: z.literal("sim") });

const Controller = z.discriminatedUnion("driver", [
  z.strictObject({
    connector,
    driver: z.literal("rapi"),
    path: z.string().min(1, "The serial device, such as /dev/ttyAMA0"),
    baudRate: z.union(BAUD_RATES.map((b) => z.literal(b)), {
      error: `One of ${BAUD_RATES.join(", ")}`,
    }).default(115200),
    heartbeatS: z.int().min(2).max(600).default(10),
    /** The firmware a flash writes (M-1.6.2), an Intel HEX file in the image. */
    firmware: z.string().min(1).default("/opt/ladewerk/firmware/openevse.hex"),
    /** The avrdude to flash with. */
    avrdude: z.string().min(1).default("avrdude"),
  }),
  z.strictObject({ connector, driver: z.literal("sim") }),
]);

/** The schema of a device description. */
export const DeviceDescription = z.strictObject({
  connectors: z.union([z.literal(1), z.literal(2)]),
  buses: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, "A name like rs485-1"), Bus).default({}),
  meters: z.array(Meter).min(1),
  controllers: z.array(Controller).min(1),
  reader: z.discriminatedUnion("driver", [
    Sim,
    z.strictObject({
      driver: z.literal("evdev"),
      path: z.string().min(1, "The input device, such as /dev/input/by-id/...-event-kbd"),
    }),
    z.strictObject({
      driver: z.literal("pn532"),
      path: z.string().min(1, "The serial device, such as /dev/ttyS2"),
    }),
  ]).default({ driver: "sim" }),
  leds: z.discriminatedUnion("driver", [
    Sim,
    z.strictObject({
      driver: z.literal("gpio"),
      points: z.partialRecord(
        z.enum(["0", "1", "2"]),
        z.strictObject({
          green: z.string().regex(/^gpiochip\d+:\d+$/, "chip:line, e.g. gpiochip0:17").optional(),
          red: z.string().regex(/^gpiochip\d+:\d+$/, "chip:line, e.g. gpiochip0:17").optional(),
          blue: z.string().regex(/^gpiochip\d+:\d+$/, "chip:line, e.g. gpiochip0:17").optional(),
        }),
      ),
    }),
    z.strictObject({
      driver: z.literal("sysfs"),
      root: z.string().min(1).default("/sys/class/leds"),
      points: z.partialRecord(
        z.enum(["0", "1", "2"]),
        z.strictObject({
          green: z.string().min(1).optional(),
          red: z.string().min(1).optional(),
          blue: z.string().min(1).optional(),
        }),
      ),
    }),
  ]).default({ driver: "sim" }),
  modem: z.discriminatedUnion("driver", [
    Sim,
    z.strictObject({ driver: z.literal("mmcli") }),
    z.strictObject({ driver: z.literal("none") }),
  ]).default({ driver: "sim" }),
  time: z.discriminatedUnion("driver", [Sim, z.strictObject({ driver: z.literal("chrony") })])
    .default({ driver: "sim" }),
  vendorAccess: z.discriminatedUnion("driver", [
    Sim,
    z.strictObject({
      driver: z.literal("systemd"),
      units: z.array(z.string().regex(/^[\w@.-]+\.(service|socket)$/, "A unit such as ssh.service"))
        .min(1).default(["ssh.service", "openvpn-client@vendor.service"]),
    }),
  ]).default({ driver: "sim" }),
  network: z.discriminatedUnion("driver", [
    Sim,
    z.strictObject({
      driver: z.literal("networkd"),
      iface: z.string().regex(/^[a-zA-Z0-9._-]{1,15}$/, "An interface name such as eth0"),
      dir: z.string().min(1).default("/etc/systemd/network"),
    }),
  ]).default({ driver: "sim" }),
  /** The board simulator's control API (`deno task board`): `/api/sim/*` is forwarded there. */
  simulator: z.strictObject({
    url: z.url({
      protocol: /^https?$/,
      error: "The board simulator's URL, such as http://127.0.0.1:8090",
    }),
  }).optional(),
}).superRefine((d, ctx) => {
  for (const [list, what] of [[d.meters, "meters"], [d.controllers, "controllers"]] as const) {
    for (let id = 1; id <= d.connectors; id++) {
      const n = list.filter((x) => x.connector === id).length;
      if (n !== 1) {
        ctx.addIssue({
          code: "custom",
          path: [what],
          message: `Charge point ${id} needs exactly one entry, it has ${n}`,
        });
      }
    }
    list.forEach((x, i) => {
      if (x.connector > d.connectors) {
        ctx.addIssue({
          code: "custom",
          path: [what, i, "connector"],
          message: `The station has ${d.connectors} charge point(s)`,
        });
      }
    });
  }
  d.controllers.forEach((c, i) => {
    const meter = d.meters.find((m) => m.connector === c.connector);
    if (c.driver === "rapi" && meter?.driver === "sim") {
      ctx.addIssue({
        code: "custom",
        path: ["controllers", i, "driver"],
        message: `A real controller needs a real meter: charge point ${c.connector}'s is simulated`,
      });
    }
  });
  const units = new Set<string>();
  d.meters.forEach((m, i) => {
    if (m.driver !== "modbus-rtu") return;
    if (!d.buses[m.bus]) {
      ctx.addIssue({ code: "custom", path: ["meters", i, "bus"], message: `No bus ${m.bus}` });
    }
    const key = `${m.bus}/${m.unit}`;
    if (units.has(key)) {
      ctx.addIssue({
        code: "custom",
        path: ["meters", i, "unit"],
        message: `Unit ${m.unit} is already on bus ${m.bus}`,
      });
    }
    units.add(key);
  });
});

/** A validated device description. */
export type DeviceDescription = z.infer<typeof DeviceDescription>;

/** Why a description was refused: the first problem as `field: reason`. */
export class DescriptionError extends Error {
  override name = "DescriptionError";
}

/** Parses a description's text; throws {@linkcode DescriptionError}. */
export function parseDescription(text: string): DeviceDescription {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DescriptionError(`Not JSON: ${e instanceof Error ? e.message : e}`);
  }
  const r = DeviceDescription.safeParse(json);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.map(String).join(".") || "(the file)";
  throw new DescriptionError(`${field}: ${issue.message}`);
}

/** The description of an all-simulated station. */
export function simulatedDescription(connectors: 1 | 2): DeviceDescription {
  const ids = connectors === 1 ? [1] : [1, 2];
  return {
    connectors,
    buses: {},
    meters: ids.map((connector) => ({ connector, driver: "sim" as const })),
    controllers: ids.map((connector) => ({ connector, driver: "sim" as const })),
    reader: { driver: "sim" },
    leds: { driver: "sim" },
    network: { driver: "sim" },
    vendorAccess: { driver: "sim" },
    modem: { driver: "sim" },
    time: { driver: "sim" },
  };
}
