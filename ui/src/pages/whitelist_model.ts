/**
 * The whitelist as the page edits it, as pure functions: filter and pages, merging an
 * import, expiry as date and time inputs, refusals per row.
 * @module
 */
import type { WhitelistEntry } from "../types.ts";

/** Entries per page (manual 1.8.2). */
export const PAGE_SIZE = 10;

/** An entry with its position in the whole list (what `entries.N` of a refusal names). */
export interface Row {
  entry: WhitelistEntry;
  index: number;
}

/** The rows to list: matching `search` (part of the UID), without deleted ones if asked. */
export function visibleRows(
  entries: readonly WhitelistEntry[],
  options: { search: string; hideDeleted: boolean },
): Row[] {
  const needle = options.search.trim().toLowerCase();
  const rows: Row[] = [];
  entries.forEach((entry, index) => {
    if (options.hideDeleted && entry.deleted) return;
    if (needle && !entry.uid.toLowerCase().includes(needle)) return;
    rows.push({ entry, index });
  });
  return rows;
}

/** Number of pages for `count` rows (at least 1). */
export function pageCount(count: number): number {
  return Math.max(1, Math.ceil(count / PAGE_SIZE));
}

/** Entries that are not deleted: these count against the limit. */
export function liveCount(entries: readonly WhitelistEntry[]): number {
  return entries.filter((e) => !e.deleted).length;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** An expiry as the values of a date and a time input (local time); empty when none. */
export function splitExpiry(
  expiry: string | null,
): { date: string; time: string } {
  if (!expiry) return { date: "", time: "" };
  const d = new Date(expiry);
  if (Number.isNaN(d.getTime())) return { date: "", time: "" };
  return {
    date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
    time: `${pad(d.getHours())}:${pad(d.getMinutes())}`,
  };
}

/** Date and time inputs (local time) as an ISO expiry; null without a date. */
export function joinExpiry(date: string, time: string): string | null {
  if (!date) return null;
  const d = new Date(`${date}T${time || "00:00"}`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The row and field a refusal names (`entries.12.uid` → 12, "uid"). */
export function issueRow(
  field: string,
): { index: number; field: string } | undefined {
  const m = /^entries\.(\d+)(?:\.(\w+))?$/.exec(field);
  return m ? { index: Number(m[1]), field: m[2] ?? "uid" } : undefined;
}

/** Whether two lists hold the same entries in the same order. */
export function sameEntries(
  a: readonly WhitelistEntry[],
  b: readonly WhitelistEntry[],
): boolean {
  return a.length === b.length && a.every((e, i) => {
    const o = b[i]!;
    return e.uid === o.uid && (e.gid ?? "") === (o.gid ?? "") &&
      e.expiry === o.expiry &&
      e.authorization === o.authorization && e.deleted === o.deleted;
  });
}
