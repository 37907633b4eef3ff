/**
 * The register map as markdown, generated from the table in `registers.ts`:
 * `deno run station/modbus/doc.ts > docs/modbus-registers.md`.
 * @module
 */
import { MIN_CURRENT_MA } from "../core/mod.ts";
import {
  CHARGE_POINT_BASES,
  LAYOUT_VERSION,
  MAX_READ_WORDS,
  MAX_WRITE_WORDS,
  type RegisterDef,
} from "./register_def.ts";
import { CHARGE_POINT_BLOCK, STATION_BLOCK } from "./registers.ts";

// deno-lint-ignore no-explicit-any
type AnyDef = RegisterDef<any>;

/** The type column: `u16`, `u32`, `u64`, `string(N)` with N characters. */
export function typeName(def: AnyDef): string {
  return def.type === "string" ? `string(${def.words * 2})` : def.type;
}

/** The address column: `8` or `8-9`. */
export function addressRange(def: AnyDef): string {
  const last = def.offset + def.words - 1;
  return last === def.offset ? String(def.offset) : `${def.offset}-${last}`;
}

function row(cells: (string | number)[]): string {
  return `| ${cells.join(" | ")} |`.replaceAll("|  |", "| |");
}

const hex = (n: number) => `0x${n.toString(16).padStart(4, "0")}`;

/** The whole document. */
export function registerDoc(): string {
  const { major, minor } = LAYOUT_VERSION;
  const bases = CHARGE_POINT_BASES.map((b, i) => `${b} (${hex(b)}) for charge point ${i + 1}`);
  return [
    "<!-- deno-fmt-ignore-file -->",
    "<!-- Generated from station/modbus/registers.ts by " +
    "`deno run station/modbus/doc.ts > docs/modbus-registers.md`: do not edit. -->",
    "",
    `# Modbus TCP register map (layout ${major}.${minor})`,
    "",
    'The station is a Modbus TCP server for energy managers ("load management level 3"). It',
    "listens when the setting `modbus.enabled` is on, on port `modbus.port` (502 on a device, 5020",
    "with simulated hardware; the command line's `--modbus-port` overrides it, 0 picks a free",
    "port), and answers unit id `modbus.unitId` (default 1) only. `modbus.access` = `read` refuses",
    "every write.",
    "",
    "Conventions:",
    "- Addresses are 0-based protocol (PDU) addresses; `mbpoll -r` counts from 1 (`-r 1` = 0).",
    "- Function code 3 reads (holding registers); 4 (input registers) reads the same values;",
    "  6 and 16 write. Every other function code, the coils and discrete inputs (1, 2, 5, 15)",
    "  among them, answers exception 1. A request whose data does not fit its function code",
    "  gets no answer.",
    "- Multi-word integers: big-endian, high word first. Strings: two ASCII characters per",
    "  register, high byte first, padded with NUL.",
    `- A read takes 1..${MAX_READ_WORDS} registers whose first and last address hold registers`,
    "  of the same block; gaps between read 0. Otherwise exception 2 (address) or 3 (count).",
    "  Reading one word of a multi-word value returns that word.",
    "- Writes to an address outside the map, to a read-only register, or any write in read-only",
    `  access mode: exception 2. A value out of range or more than ${MAX_WRITE_WORDS} registers:`,
    "  exception 3, and nothing of the request is applied.",
    "",
    "## Station block (absolute addresses)",
    row(["addr", "words", "type", "unit", "content"]),
    "|---|---|---|---|---|",
    ...STATION_BLOCK.map((d) => row([addressRange(d), d.words, typeName(d), d.unit, d.content])),
    "",
    "## Charge point block",
    `Base address B = ${bases.join(", ")}.`,
    row(["rel", "words", "type", "unit", "content", "access"]),
    "|---|---|---|---|---|---|",
    ...CHARGE_POINT_BLOCK.map((d) =>
      row([addressRange(d), d.words, typeName(d), d.unit, d.content, d.access])
    ),
    "",
    "## Set-points and fallback",
    "- The set-point is one more limit of the offered current: the core offers the minimum of",
    "  the hardware maximum, the level-1 share, the OCPP and cluster limits and the set-point,",
    `  the smaller of B+256 (share of B+9) and B+257. Below ${MIN_CURRENT_MA} mA the point pauses`,
    "  (status SuspendedEVSE). The new offer is in force when the write is answered.",
    "- Without a write since start, B+256 reads 10000 and B+257 reads B+9, and there is no",
    "  Modbus limit. After a write they read the set-point in force; a register not written",
    "  since keeps 10000 (B+256) or B+9 (B+257).",
    "- Every write to B+256 or B+257 restarts the fallback timer (B+259 seconds; 0 = off). The",
    "  timer starts with the first write: a client that only reads never changes charging.",
    "  When it runs out, the fallback current B+258 (0 = pause) replaces the set-point: B+256",
    "  reads 10000, B+257 the fallback current, until the next write starts a new set-point.",
    "- B+258 and B+259 are the settings `modbus.cpN.fallbackCurrentMa` and",
    "  `modbus.cpN.fallbackTimeoutS`: they are checked as settings (B+258: 0 or 6000..63000)",
    "  and survive a restart; changes apply at once, also to a running timer. Set-points live",
    "  in memory: after a restart there is none.",
    "- Switching Modbus off or to read-only access drops the set-points (the limits go).",
    "",
    "## Values",
    "- B+0-1: the controller's serial when it is a number below 2^32, else a stable 32-bit",
    "  FNV-1a hash of its text. Registers 8-9 likewise for the station's serial (`--serial`).",
    "- B+3 is the OCPP status of the charge point; B+4-7 the Unix time it last changed.",
    "- B+9 is min(hardware maximum of the point, setting `power.stationMaxCurrentMa`).",
    "- Meter values are the last reading (refreshed at least once a second), rounded to the",
    "  register's unit; B+24-27 counts whole watt-hours. Values outside a register's range are",
    "  clamped to it: a read never fails.",
  ].join("\n");
}

if (import.meta.main) console.log(registerDoc());
