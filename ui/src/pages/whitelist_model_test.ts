import { deepStrictEqual, equal } from "node:assert/strict";
import type { WhitelistEntry } from "../types.ts";
import {
  issueRow,
  joinExpiry,
  liveCount,
  pageCount,
  sameEntries,
  splitExpiry,
  visibleRows,
} from "./whitelist_model.ts";

const entry = (uid: string, deleted = false): WhitelistEntry => ({
  uid,
  gid: null,
  expiry: null,
  authorization: "accepted",
  deleted,
});

Deno.test("visibleRows() hides deleted entries and searches the UID case-insensitively", () => {
  const list = [entry("04A2B3"), entry("04FFFF", true), entry("AB04")];
  deepStrictEqual(
    visibleRows(list, { search: "", hideDeleted: true }).map((r) => r.index),
    [0, 2],
  );
  deepStrictEqual(
    visibleRows(list, { search: "ff", hideDeleted: false }).map((r) => r.entry.uid),
    ["04FFFF"],
  );
  deepStrictEqual(
    visibleRows(list, { search: " 04 ", hideDeleted: true }).length,
    2,
  );
});

Deno.test("pageCount() gives 10 entries a page and at least one page", () => {
  equal(pageCount(0), 1);
  equal(pageCount(10), 1);
  equal(pageCount(11), 2);
  equal(pageCount(1000), 100);
});

Deno.test("liveCount() leaves deleted entries out of the 1000-entry limit", () => {
  equal(liveCount([entry("A"), entry("B", true), entry("C")]), 2);
});

Deno.test("expiry date and time inputs round-trip through an ISO time", () => {
  const iso = joinExpiry("2030-01-31", "12:45");
  equal(typeof iso, "string");
  deepStrictEqual(splitExpiry(iso), { date: "2030-01-31", time: "12:45" });
  equal(joinExpiry("", "12:00"), null);
  deepStrictEqual(splitExpiry(null), { date: "", time: "" });
  equal(splitExpiry(joinExpiry("2030-06-01", "")).time, "00:00");
});

Deno.test("issueRow() reads the entry and field of a refusal", () => {
  deepStrictEqual(issueRow("entries.12.uid"), { index: 12, field: "uid" });
  deepStrictEqual(issueRow("entries.3.expiry"), { index: 3, field: "expiry" });
  deepStrictEqual(issueRow("entries.7"), { index: 7, field: "uid" });
  equal(issueRow("entries"), undefined);
});

Deno.test("sameEntries() treats a missing GID like an empty one", () => {
  equal(sameEntries([entry("A")], [{ ...entry("A"), gid: "" }]), true);
  equal(
    sameEntries([entry("A")], [{ ...entry("A"), authorization: "blocked" }]),
    false,
  );
  equal(sameEntries([entry("A")], []), false);
});
