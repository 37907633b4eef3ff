/**
 * The whitelist as the web interface and its CSV files know it (M-1.8.2): entries with ISO
 * expiry, CSV import (header `UID,GID,Expiry,Authorization`) and export. Times without a zone
 * are the site's local time (`time.zone`). Pure functions; the two that read or write CSV load
 * the CSV libraries with their first call.
 * @module
 */
import { csvParse, csvStringify } from "../station/csv.ts";
import type { WhitelistEntry } from "../station/store/mod.ts";
import { utcOffsetMs } from "../station/time_zone.ts";

/** Authorizations an entry may hold: the manual's two, and what an OCPP list may send. */
export const AUTHORIZATIONS = [
  "accepted",
  "blocked",
  "expired",
  "invalid",
  "concurrentTx",
] as const;

/** A whitelist entry as the API sends and takes it. */
export interface ApiEntry {
  uid: string;
  gid: string | null;
  /** ISO time (UTC) or null for no expiry. */
  expiry: string | null;
  authorization: WhitelistEntry["authorization"];
  deleted: boolean;
}

/** A refused CSV line. */
export interface LineError {
  line: number;
  reason: string;
  code: string;
}

/** The CSV header, in this spelling on export. */
export const CSV_HEADER = ["UID", "GID", "Expiry", "Authorization"];

/** Why an id tag (UID or GID) is refused, or undefined when fine. */
export function idTagProblem(tag: string): string | undefined {
  if (tag.length < 1 || tag.length > 20) return "Must have 1 to 20 characters";
  if (!/^[\x21-\x7e]+$/.test(tag)) return "Only letters, digits and symbols, no blanks";
  if (/[,;"'\\]/.test(tag)) return `Must not contain , ; " ' or \\`;
  if (/^[=+\-@]/.test(tag)) return "Must not start with = + - or @";
  return undefined;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/;

/**
 * An expiry text to ms since the epoch: ISO with `Z` or an offset, or local time of
 * `timeZone` (`2030-01-01T12:00:00`, `2030-01-01 12:00`, `2030-01-01`). Undefined if invalid.
 */
export function parseExpiry(text: string, timeZone: string): number | undefined {
  const m = LOCAL.exec(text);
  if (m) {
    const [y, mo, d, h = 0, mi = 0, s = 0] = m.slice(1).map((v) =>
      v === undefined ? undefined : Number(v)
    );
    const guess = Date.UTC(y!, mo! - 1, d!, h, mi, s);
    const check = new Date(guess);
    if (
      check.getUTCMonth() !== mo! - 1 || check.getUTCDate() !== d! || h > 23 || mi > 59 || s > 59
    ) {
      return undefined;
    }
    let utc = guess - utcOffsetMs(timeZone, guess);
    const again = guess - utcOffsetMs(timeZone, utc);
    if (again !== utc) utc = again;
    return utc;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    return undefined;
  }
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Local time of `timeZone` as the manual writes it: `2030-01-01T12:00:00`. */
export function formatLocal(ms: number, timeZone: string): string {
  return new Date(ms + utcOffsetMs(timeZone, ms)).toISOString().slice(0, 19);
}

/** A stored entry as the API shows it. */
export function toApi(e: WhitelistEntry): ApiEntry {
  return {
    uid: e.uid,
    gid: e.gid,
    expiry: e.expiryAtMs === null ? null : new Date(e.expiryAtMs).toISOString(),
    authorization: e.authorization,
    deleted: e.deleted,
  };
}

const sameUid = (a: string, b: string) => a.toUpperCase() === b.toUpperCase();

/** The result of an import: the merged list (not stored), counts and refused lines. */
export interface ImportResult {
  entries: ApiEntry[];
  processedLines: number;
  /** Rows taken from the file. */
  imported: number;
  errors: LineError[];
}

/** Thrown for a file that is no whitelist at all (bad header, broken quoting). */
export class CsvFileError extends Error {
  readonly line: number;
  readonly code: string;
  constructor(message: string, line: number, code: string) {
    super(message);
    this.name = "CsvFileError";
    this.line = line;
    this.code = code;
  }
}

async function parseRecords(csv: string): Promise<{ record: string[]; line: number }[]> {
  const parse = await csvParse();
  const firstLine = csv.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
  // German spreadsheet programs write semicolons.
  const delimiter = firstLine.includes(";") && !firstLine.includes(",") ? ";" : ",";
  try {
    const rows = parse(csv, {
      bom: true,
      delimiter,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
    return rows.map(({ record, info }) => ({
      // A whole row typed into one cell comes back quoted as one field.
      record: record.length === 1 && record[0]!.includes(delimiter)
        ? record[0]!.split(delimiter).map((s) => s.trim())
        : record,
      line: info.lines,
    }));
  } catch (e) {
    const line = (e as { lines?: number }).lines ?? 0;
    throw new CsvFileError(`Cannot read the CSV file: ${(e as Error).message}`, line, "bad_csv");
  }
}

function rowEntry(
  cells: string[],
  timeZone: string,
): { entry: ApiEntry } | { reason: string; code: string } {
  while (cells.length > 4 && cells.at(-1) === "") cells = cells.slice(0, -1);
  if (cells.length !== 4) {
    return { reason: "Expected 4 columns: UID,GID,Expiry,Authorization", code: "columns" };
  }
  const [uid, gid, expiry, authorization] = cells as [string, string, string, string];
  const uidProblem = idTagProblem(uid);
  if (uidProblem) return { reason: `Bad UID "${uid}": ${uidProblem}`, code: "bad_uid" };
  const gidProblem = gid === "" ? undefined : idTagProblem(gid);
  if (gidProblem) return { reason: `Bad GID "${gid}": ${gidProblem}`, code: "bad_gid" };
  const expiryMs = expiry === "" ? null : parseExpiry(expiry, timeZone);
  if (expiryMs === undefined) {
    return {
      reason: `Bad expiry "${expiry}": expected a date like 2030-01-01T12:00:00`,
      code: "bad_expiry",
    };
  }
  const auth = AUTHORIZATIONS.find((a) => a.toLowerCase() === authorization.toLowerCase());
  if (!auth) {
    return {
      reason: `Bad authorization "${authorization}": expected accepted or blocked`,
      code: "bad_authorization",
    };
  }
  return {
    entry: {
      uid,
      gid: gid === "" ? null : gid,
      expiry: expiryMs === null ? null : new Date(expiryMs).toISOString(),
      authorization: auth,
      deleted: false,
    },
  };
}

/**
 * Reads a whitelist CSV and merges it: `replace` starts empty, `append` updates entries of
 * `current` with the same UID and adds the others. Throws CsvFileError for a wrong header.
 */
export async function importCsv(
  csv: string,
  options: { mode: "append" | "replace"; current: ApiEntry[]; timeZone: string },
): Promise<ImportResult> {
  const records = await parseRecords(csv);
  const header = records[0];
  const wanted = CSV_HEADER.map((h) => h.toLowerCase()).join(",");
  if (!header || header.record.map((c) => c.toLowerCase()).join(",") !== wanted) {
    throw new CsvFileError(
      "The first line must be the header UID,GID,Expiry,Authorization",
      header?.line ?? 1,
      "bad_header",
    );
  }
  const errors: LineError[] = [];
  const rows: ApiEntry[] = [];
  const firstLine = new Map<string, number>();
  for (const { record, line } of records.slice(1)) {
    const result = rowEntry(record, options.timeZone);
    if ("reason" in result) {
      errors.push({ line, reason: result.reason, code: result.code });
      continue;
    }
    const key = result.entry.uid.toUpperCase();
    const seen = firstLine.get(key);
    if (seen !== undefined) {
      errors.push({
        line,
        reason: `Duplicate UID ${result.entry.uid}: first on line ${seen}`,
        code: "duplicate",
      });
      continue;
    }
    firstLine.set(key, line);
    rows.push(result.entry);
  }
  let entries: ApiEntry[];
  if (options.mode === "replace") entries = rows;
  else {
    const merged = options.current.map((e) => rows.find((r) => sameUid(r.uid, e.uid)) ?? e);
    const added = rows.filter((r) => !options.current.some((e) => sameUid(e.uid, r.uid)));
    entries = [...merged, ...added];
  }
  return { entries, processedLines: records.length, imported: rows.length, errors };
}

/** The CSV export: header and every entry not deleted, expiry in local time, CRLF. */
export async function exportCsv(
  entries: readonly WhitelistEntry[],
  timeZone: string,
): Promise<string> {
  const stringify = await csvStringify();
  return stringify([
    CSV_HEADER,
    ...entries.filter((e) => !e.deleted).map((e) => [
      e.uid,
      e.gid ?? "",
      e.expiryAtMs === null ? "" : formatLocal(e.expiryAtMs, timeZone),
      e.authorization,
    ]),
  ], { record_delimiter: "windows" });
}
