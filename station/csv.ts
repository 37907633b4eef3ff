/**
 * csv-parse and csv-stringify, loaded with the first CSV import or export instead of with the
 * program: CSV files are made and read rarely, and the two libraries cost about 8 ms of every
 * start (issue 14).
 * @module
 */
import type { parse } from "csv-parse/sync";
import type { stringify } from "csv-stringify/sync";

/** csv-stringify's `stringify`. */
export async function csvStringify(): Promise<typeof stringify> {
  return (await import("csv-stringify/sync")).stringify;
}

/** csv-parse's `parse`. */
export async function csvParse(): Promise<typeof parse> {
  return (await import("csv-parse/sync")).parse;
}
