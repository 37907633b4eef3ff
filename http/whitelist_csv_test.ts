import assert from "node:assert/strict";
import {
  type ApiEntry,
  CsvFileError,
  exportCsv,
  formatLocal,
  idTagProblem,
  importCsv,
  parseExpiry,
} from "./whitelist_csv.ts";

const TZ = "Europe/Berlin";

Deno.test("parseExpiry() reads zone-less times as the site's local time, ISO with zone as given", () => {
  assert.equal(parseExpiry("2030-01-01T12:00:00", TZ), Date.parse("2030-01-01T11:00:00Z"));
  assert.equal(parseExpiry("2030-07-01T12:00:00", TZ), Date.parse("2030-07-01T10:00:00Z"));
  assert.equal(parseExpiry("2030-07-01 12:00", TZ), Date.parse("2030-07-01T10:00:00Z"));
  assert.equal(parseExpiry("2030-01-01", TZ), Date.parse("2029-12-31T23:00:00Z"));
  assert.equal(parseExpiry("2030-01-01T12:00:00Z", TZ), Date.parse("2030-01-01T12:00:00Z"));
  assert.equal(parseExpiry("2030-01-01T12:00:00.000Z", TZ), Date.parse("2030-01-01T12:00:00Z"));
  assert.equal(parseExpiry("2030-01-01T12:00:00+02:00", TZ), Date.parse("2030-01-01T10:00:00Z"));
  assert.equal(parseExpiry("2030-01-01T12:00:00", "UTC"), Date.parse("2030-01-01T12:00:00Z"));
  for (const bad of ["2030-02-30T12:00:00", "2030-01-01T25:00:00", "tomorrow", "", "01.01.2030"]) {
    assert.equal(parseExpiry(bad, TZ), undefined, bad);
  }
});

Deno.test("formatLocal() writes the manual's format in the site's time", () => {
  assert.equal(formatLocal(Date.parse("2030-01-01T11:00:00Z"), TZ), "2030-01-01T12:00:00");
  assert.equal(formatLocal(Date.parse("2030-07-01T10:00:00Z"), TZ), "2030-07-01T12:00:00");
});

Deno.test("idTagProblem() refuses blanks, CSV characters, formula starts and length", () => {
  assert.equal(idTagProblem("04A2B3C4D5"), undefined);
  assert.equal(idTagProblem("card_1.a:b"), undefined);
  for (const bad of ["", "a b", "a,b", "a;b", 'a"b', "=1+1", "-x", "@x", "x".repeat(21), "äb"]) {
    assert.ok(idTagProblem(bad), bad);
  }
});

const CURRENT: ApiEntry[] = [
  { uid: "MASTERKEY", gid: null, expiry: null, authorization: "accepted", deleted: false },
  { uid: "AA01", gid: null, expiry: null, authorization: "accepted", deleted: false },
  { uid: "OLD1", gid: null, expiry: null, authorization: "blocked", deleted: true },
];

Deno.test("importCsv() counts every line with the header and reports refused lines", async () => {
  const csv = [
    "UID,GID,Expiry,Authorization",
    "04A2B3C4D5,,2030-01-01T12:00:00,accepted",
    "aa01,GROUP1,,blocked",
    "BAD UID,,,accepted",
    "CC03,,2030-13-01T00:00:00,accepted",
    "DD04,,,maybe",
    "04a2b3c4d5,,,accepted",
    "EE05,,",
    "FF06,,,Accepted,,",
  ].join("\n") + "\n";
  const r = await importCsv(csv, { mode: "append", current: CURRENT, timeZone: TZ });
  assert.equal(r.processedLines, 9);
  assert.equal(r.imported, 3);
  assert.deepEqual(r.errors.map((e) => [e.line, e.code]), [
    [4, "bad_uid"],
    [5, "bad_expiry"],
    [6, "bad_authorization"],
    [7, "duplicate"],
    [8, "columns"],
  ]);
  assert.match(r.errors[3]!.reason, /first on line 2/);
  assert.deepEqual(r.entries.map((e) => e.uid), [
    "MASTERKEY",
    "aa01",
    "OLD1",
    "04A2B3C4D5",
    "FF06",
  ]);
  const updated = r.entries[1]!;
  assert.deepEqual(updated, {
    uid: "aa01",
    gid: "GROUP1",
    expiry: null,
    authorization: "blocked",
    deleted: false,
  });
  assert.equal(r.entries[3]!.expiry, "2030-01-01T11:00:00.000Z");
  assert.equal(r.entries[4]!.authorization, "accepted");
});

Deno.test("importCsv() replace starts from an empty list", async () => {
  const r = await importCsv("UID,GID,Expiry,Authorization\nNEW1,,,accepted\n", {
    mode: "replace",
    current: CURRENT,
    timeZone: TZ,
  });
  assert.deepEqual(r.entries.map((e) => e.uid), ["NEW1"]);
  assert.equal(r.processedLines, 2);
});

Deno.test("importCsv() tolerates BOM, CRLF, blanks after commas, semicolons and rows in one cell", async () => {
  const variants = [
    "\uFEFFUID, GID, Expiry, Authorization\r\nAB12, , 2030-01-01T12:00:00, accepted\r\n",
    "uid,gid,expiry,authorization\n\nAB12,,2030-01-01T12:00:00,accepted\n\n",
    "UID;GID;Expiry;Authorization\r\nAB12;;2030-01-01T12:00:00;accepted\r\n",
    '"UID,GID,Expiry,Authorization"\n"AB12,,2030-01-01T12:00:00,accepted"\n',
  ];
  for (const csv of variants) {
    const r = await importCsv(csv, { mode: "replace", current: [], timeZone: TZ });
    assert.deepEqual(r.errors, [], JSON.stringify(csv));
    assert.equal(r.processedLines, 2, JSON.stringify(csv));
    assert.equal(r.entries[0]?.uid, "AB12");
    assert.equal(r.entries[0]?.expiry, "2030-01-01T11:00:00.000Z");
  }
});

Deno.test("importCsv() refuses a file without the header or with broken quotes", async () => {
  for (
    const csv of [
      "AB12,,,accepted\n",
      "",
      "UID,GID,Expiry\nA,,\n",
      'UID,GID,Expiry,Authorization\n"AB,,,\n',
    ]
  ) {
    await assert.rejects(
      () => importCsv(csv, { mode: "append", current: [], timeZone: TZ }),
      CsvFileError,
      JSON.stringify(csv),
    );
  }
});

Deno.test("exportCsv() writes the header and live entries in local time with CRLF", async () => {
  const csv = await exportCsv([
    {
      uid: "AB12",
      gid: "G1",
      expiryAtMs: Date.parse("2030-01-01T11:00:00Z"),
      authorization: "accepted",
      deleted: false,
    },
    { uid: "GONE", gid: null, expiryAtMs: null, authorization: "accepted", deleted: true },
    { uid: "CD34", gid: null, expiryAtMs: null, authorization: "blocked", deleted: false },
  ], TZ);
  assert.equal(
    csv,
    "UID,GID,Expiry,Authorization\r\nAB12,G1,2030-01-01T12:00:00,accepted\r\nCD34,,,blocked\r\n",
  );
  const back = await importCsv(csv, { mode: "replace", current: [], timeZone: TZ });
  assert.deepEqual(back.errors, []);
  assert.equal(back.entries[0]!.expiry, "2030-01-01T11:00:00.000Z", "round trip");
});
