/**
 * The diagnostics archive (M-1.9.2, OCPP GetDiagnostics): a tar.gz of the log files, the
 * settings with secrets redacted, the event log of a time range and facts about the system.
 * @module
 */
import { join } from "../path.ts";
import { csvStringify } from "../csv.ts";
import { type SettingDef, SETTINGS, type Settings } from "../settings/mod.ts";
import type { Store } from "../store/mod.ts";
import { type TarEntry, tarStream } from "./tar.ts";

/** What goes into the archive. */
export interface DiagnosticsOptions {
  /** The data directory; log files are read from `<dataDir>/logs/`. */
  dataDir: string;
  settings: Settings;
  store: Store;
  /** Events and log files from this time on (ms since the epoch). */
  fromMs?: number;
  /** Events up to this time. */
  toMs?: number;
  /** Facts added to `system.json` (serial, versions, uptime ...). */
  system?: Record<string, unknown>;
  /** Time of the archive. @default Date.now() */
  nowMs?: number;
}

/** What a secret setting shows in the archive. */
export const REDACTED = "[redacted]";

/** Most events put into one archive. */
const MAX_EVENTS = 100_000;

const encoder = new TextEncoder();
const json = (value: unknown) => encoder.encode(JSON.stringify(value, null, 2) + "\n");

/** Not secret in the web interface (the technician sees them), but never in an archive that
 * leaves the station: the master card's UID starts sessions anywhere it is copied to. */
const ARCHIVE_SECRETS = new Set(["auth.masterKey"]);

/** The settings with every secret replaced by `[redacted]` (or "" when none is set). */
export function redactedSettings(settings: Settings): Record<string, unknown> {
  const values = settings.all() as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const def = (SETTINGS as Record<string, SettingDef>)[key];
    const secret = def?.secret || ARCHIVE_SECRETS.has(key);
    out[key] = secret ? (value === "" ? "" : REDACTED) : value;
  }
  return out;
}

async function eventsCsv(options: DiagnosticsOptions): Promise<Uint8Array<ArrayBuffer>> {
  const rows = await options.store.events.list({
    ...(options.fromMs !== undefined ? { fromMs: options.fromMs } : {}),
    ...(options.toMs !== undefined ? { toMs: options.toMs } : {}),
    limit: MAX_EVENTS,
  });
  const records = rows.reverse().map((e) => [
    e.id,
    new Date(e.at).toISOString(),
    e.kind,
    e.connector_id ?? "",
    e.code ?? "",
    e.message,
    e.data ?? "",
  ]);
  const stringify = await csvStringify();
  return encoder.encode(stringify([
    ["id", "time", "kind", "connectorId", "code", "message", "data"],
    ...records,
  ], { record_delimiter: "unix" }));
}

async function auditCsv(options: DiagnosticsOptions): Promise<Uint8Array<ArrayBuffer>> {
  const rows = await options.store.audit.list(
    { fromMs: options.fromMs ?? 0, toMs: options.toMs ?? Number.MAX_SAFE_INTEGER },
    { limit: MAX_EVENTS, offset: 0 },
  );
  const records = rows.reverse().map((e) => [
    e.id,
    new Date(e.at).toISOString(),
    e.actor,
    e.action,
    e.target ?? "",
    e.old_value ?? "",
    e.new_value ?? "",
    e.detail ?? "",
  ]);
  const stringify = await csvStringify();
  return encoder.encode(stringify([
    ["id", "time", "actor", "action", "target", "old", "new", "detail"],
    ...records,
  ], { record_delimiter: "unix" }));
}

function systemInfo(options: DiagnosticsOptions, nowMs: number): Record<string, unknown> {
  const safe = <T>(f: () => T): T | null => {
    try {
      return f();
    } catch {
      return null;
    }
  };
  const iso = (ms: number | undefined) => ms === undefined ? null : new Date(ms).toISOString();
  return {
    createdAt: iso(nowMs),
    from: iso(options.fromMs),
    to: iso(options.toMs),
    deno: Deno.version,
    os: Deno.build.os,
    arch: Deno.build.arch,
    osRelease: safe(() => Deno.osRelease()),
    osUptimeS: safe(() => Deno.osUptime()),
    loadAvg: safe(() => Deno.loadavg()),
    memory: safe(() => Deno.memoryUsage()),
    systemMemory: safe(() => Deno.systemMemoryInfo()),
    ...options.system,
  };
}

async function* logEntries(options: DiagnosticsOptions, problems: string[]) {
  const dir = join(options.dataDir, "logs");
  let names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.isFile) names.push(e.name);
  } catch (e) {
    problems.push(`Cannot list ${dir}: ${e instanceof Error ? e.message : e}`);
  }
  names = names.sort();
  for (const name of names) {
    const path = join(dir, name);
    try {
      const stat = await Deno.stat(path);
      const mtimeMs = stat.mtime?.getTime();
      // A file last written before the range holds nothing of it.
      if (options.fromMs !== undefined && mtimeMs !== undefined && mtimeMs < options.fromMs) {
        continue;
      }
      yield { name: `logs/${name}`, data: await Deno.readFile(path), mtimeMs };
    } catch (e) {
      problems.push(`Cannot read ${path}: ${e instanceof Error ? e.message : e}`);
    }
  }
}

/** Replaces every occurrence of the master key's UID (any case) in a text file. */
function scrubber(
  settings: Settings,
): (data: Uint8Array<ArrayBuffer>) => Uint8Array<ArrayBuffer> {
  const key = String(settings.get("auth.masterKey") ?? "");
  if (key.length < 4) return (data) => data;
  const pattern = new RegExp(key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi");
  return (data) => encoder.encode(new TextDecoder().decode(data).replace(pattern, REDACTED));
}

async function* entries(options: DiagnosticsOptions): AsyncGenerator<TarEntry> {
  const nowMs = options.nowMs ?? Date.now();
  const problems: string[] = [];
  const scrub = scrubber(options.settings);
  yield { name: "system.json", data: json(systemInfo(options, nowMs)), mtimeMs: nowMs };
  yield {
    name: "settings.json",
    data: json(redactedSettings(options.settings)),
    mtimeMs: nowMs,
  };
  try {
    yield { name: "events.csv", data: scrub(await eventsCsv(options)), mtimeMs: nowMs };
  } catch (e) {
    problems.push(`Cannot read the event log: ${e instanceof Error ? e.message : e}`);
  }
  try {
    yield { name: "audit.csv", data: scrub(await auditCsv(options)), mtimeMs: nowMs };
  } catch (e) {
    problems.push(`Cannot read the audit log: ${e instanceof Error ? e.message : e}`);
  }
  for await (const entry of logEntries(options, problems)) {
    yield { ...entry, data: scrub(entry.data) };
  }
  if (problems.length > 0) {
    yield {
      name: "problems.txt",
      data: encoder.encode(problems.join("\n") + "\n"),
      mtimeMs: nowMs,
    };
  }
}

/**
 * Streams the diagnostics archive (tar.gz): `system.json`, `settings.json`, `events.csv`,
 * `audit.csv`,
 * `logs/*` and, when something could not be read, `problems.txt`. Nothing is buffered beyond
 * one file at a time.
 */
export function buildDiagnosticsArchive(
  options: DiagnosticsOptions,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  return tarStream(entries(options)).pipeThrough(new CompressionStream("gzip"));
}

/** File name of an archive: `ladewerk-diagnostics-<serial>-<UTC time>.tar.gz`. */
export function diagnosticsFileName(serial: string, nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `ladewerk-diagnostics-${serial}-${stamp}.tar.gz`;
}
