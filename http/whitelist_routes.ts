/**
 * The whitelist (M-1.8.2): read, save the whole list in one transaction, CSV import (nothing
 * stored until saved) and export. Every save bumps the local list version for OCPP.
 * @module
 */
import { Hono } from "hono";
import * as z from "zod";
import { WHITELIST_MAX, type WhitelistEntry } from "../station/store/mod.ts";
import type { AppContext, AppEnv } from "./context.ts";
import { roleOf } from "./security.ts";
import { HttpError, type Issue, parseBody, parseQuery } from "./errors.ts";
import {
  type ApiEntry,
  AUTHORIZATIONS,
  CsvFileError,
  exportCsv,
  idTagProblem,
  importCsv,
  parseExpiry,
  toApi,
} from "./whitelist_csv.ts";

/** Meta key of the local authorization list version (OCPP GetLocalListVersion). */
export const LIST_VERSION_KEY = "localList.version";

/** Most entries (deleted ones included) one request may carry. */
const MAX_SENT = 5 * WHITELIST_MAX;
const MAX_CSV_BYTES = 1024 * 1024;

// The shape only: the stricter rule of idTagProblem() applies to UIDs the station does not hold
// yet, so that ids an OCPP backend sent can be saved back unchanged.
const idTag = z.string().min(1).max(20).refine(
  (v) => ![...v].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f),
  "No control characters",
);

const Entry = z.strictObject({
  uid: idTag,
  gid: z.union([idTag, z.literal(""), z.null()]).default(null).transform((v) => v || null),
  expiry: z.string().max(40).nullable().default(null),
  authorization: z.enum(AUTHORIZATIONS),
  deleted: z.boolean().default(false),
});
const Entries = z.array(Entry).max(MAX_SENT);
const PutBody = z.strictObject({ entries: Entries });
const Mode = z.enum(["append", "replace"]);
const ImportQuery = z.object({ mode: Mode.default("append") });
const ImportBody = z.strictObject({
  mode: Mode,
  csv: z.string().max(MAX_CSV_BYTES),
  current: Entries.optional(),
});

/** What a save changes: UIDs added, changed (GID, expiry or authorization) and removed. */
export function whitelistDiff(
  before: readonly WhitelistEntry[],
  after: readonly WhitelistEntry[],
): { added: string[]; changed: string[]; removed: string[] } {
  const key = (uid: string) => uid.toUpperCase();
  const old = new Map(before.filter((e) => !e.deleted).map((e) => [key(e.uid), e]));
  const now = new Map(after.filter((e) => !e.deleted).map((e) => [key(e.uid), e]));
  const same = (a: WhitelistEntry, b: WhitelistEntry) =>
    a.gid === b.gid && a.expiryAtMs === b.expiryAtMs && a.authorization === b.authorization;
  return {
    added: [...now.values()].filter((e) => !old.has(key(e.uid))).map((e) => e.uid),
    changed: [...now.values()].filter((e) => old.has(key(e.uid)) && !same(old.get(key(e.uid))!, e))
      .map((e) => e.uid),
    removed: [...old.values()].filter((e) => !now.has(key(e.uid))).map((e) => e.uid),
  };
}

/** The diff as one line: counts, and the first UIDs of each. */
function describeDiff(d: ReturnType<typeof whitelistDiff>): string {
  const part = (name: string, uids: string[]) =>
    uids.length === 0
      ? []
      : [`${name} ${uids.length}: ${uids.slice(0, 20).join(" ")}${uids.length > 20 ? " …" : ""}`];
  return [
    ...part("added", d.added),
    ...part("changed", d.changed),
    ...part("removed", d.removed),
  ].join("; ");
}

/** The local list version now (0 before the first save). */
export async function listVersion(ctx: AppContext): Promise<number> {
  return Number(await ctx.station.store.getMeta(LIST_VERSION_KEY) ?? 0) || 0;
}

/** Validated entries for the store; 400 with `entries.N.field` issues. */
function toStored(
  entries: z.infer<typeof Entries>,
  timeZone: string,
  known: ReadonlySet<string>,
): WhitelistEntry[] {
  const issues: Issue[] = [];
  const seen = new Map<string, number>();
  const stored = entries.map((e, i) => {
    for (const [key, tag] of [["uid", e.uid], ["gid", e.gid]] as const) {
      const problem = tag === null || known.has(tag) ? undefined : idTagProblem(tag);
      if (problem) {
        issues.push({ field: `entries.${i}.${key}`, reason: problem, code: "bad_id_tag" });
      }
    }
    const key = e.uid.toUpperCase();
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push({
        field: `entries.${i}.uid`,
        reason: `Duplicate UID ${e.uid}: also entry ${first}`,
        code: "duplicate",
      });
    } else seen.set(key, i);
    const expiryAtMs = e.expiry === null || e.expiry === ""
      ? null
      : parseExpiry(e.expiry, timeZone);
    if (expiryAtMs === undefined) {
      issues.push({
        field: `entries.${i}.expiry`,
        reason: "Expected an ISO date and time such as 2030-01-01T12:00:00Z",
        code: "bad_expiry",
      });
    }
    return {
      uid: e.uid,
      gid: e.gid,
      expiryAtMs: expiryAtMs ?? null,
      authorization: e.authorization,
      deleted: e.deleted,
    };
  });
  if (issues.length > 0) throw new HttpError(400, "Invalid whitelist", issues);
  return stored;
}

/** The routes under `/api`. */
export function whitelistRoutes(ctx: AppContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { store, settings } = ctx.station;
  const timeZone = () => settings.get("time.zone");

  app.get("/whitelist", async (c) => {
    const entries = await store.whitelist.all();
    return c.json({
      entries: entries.map(toApi),
      max: WHITELIST_MAX,
      listVersion: await listVersion(ctx),
    });
  });

  app.put("/whitelist", async (c) => {
    const body = await parseBody(c, PutBody);
    const held = await store.whitelist.all();
    const known = new Set(held.flatMap((e) => e.gid ? [e.uid, e.gid] : [e.uid]));
    const entries = toStored(body.entries, timeZone(), known);
    // The store refuses more than 1000 live entries (WhitelistFullError, a 400).
    await store.whitelist.apply(
      { replace: true, upsert: entries },
      ctx.station.hardware.clock.nowMs(),
    );
    const version = await listVersion(ctx) + 1;
    await store.setMeta(LIST_VERSION_KEY, String(version));
    const count = entries.filter((e) => !e.deleted).length;
    const diff = whitelistDiff(held, entries);
    if (diff.added.length + diff.changed.length + diff.removed.length > 0) {
      await ctx.station.audit([{
        actor: roleOf(c.get("session")!),
        action: "whitelist",
        target: `listVersion ${version}`,
        detail: describeDiff(diff),
      }]);
    }
    return c.json({ count, total: entries.length, listVersion: version });
  });

  app.post("/whitelist/import", async (c) => {
    const isJson = (c.req.header("content-type") ?? "").includes("application/json");
    let mode: "append" | "replace";
    let csv: string;
    let current: ApiEntry[] | undefined;
    if (isJson) {
      const body = await parseBody(c, ImportBody);
      ({ mode, csv } = body);
      current = body.current?.map((e) => ({ ...e, gid: e.gid ?? null }));
    } else {
      mode = parseQuery(c, ImportQuery).mode;
      csv = await c.req.text();
      if (csv.length > MAX_CSV_BYTES) {
        throw new HttpError(413, "CSV file too large", [{
          field: "body",
          reason: "At most 1 MiB",
          code: "too_big",
        }]);
      }
    }
    current ??= (await store.whitelist.all()).map(toApi);
    try {
      const result = await importCsv(csv, { mode, current, timeZone: timeZone() });
      return c.json({
        ...result,
        count: result.entries.filter((e) => !e.deleted).length,
        max: WHITELIST_MAX,
      });
    } catch (e) {
      if (!(e instanceof CsvFileError)) throw e;
      throw new HttpError(400, e.message, [{
        field: "csv",
        reason: e.message,
        code: e.code,
        params: { line: e.line },
      }]);
    }
  });

  app.get("/whitelist.csv", async (c) => {
    const csv = await exportCsv(await store.whitelist.all(), timeZone());
    c.header("Content-Disposition", `attachment; filename="whitelist-${ctx.deps.info.serial}.csv"`);
    return c.body(csv, 200, { "Content-Type": "text/csv; charset=utf-8" });
  });

  return app;
}
