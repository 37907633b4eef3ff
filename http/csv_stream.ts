/**
 * A CSV download streamed a page at a time (CRLF, for spreadsheets): memory stays flat however
 * many rows a filter selects.
 * @module
 */
import { csvStringify } from "../station/csv.ts";

/** Rows read per page. */
export const CSV_PAGE = 1000;

/** The CSV of `header` and every page `read(offset, CSV_PAGE)` gives, until a short page. */
export function csvStream<T>(
  header: readonly string[],
  read: (offset: number, limit: number) => Promise<T[]>,
  record: (row: T) => unknown[],
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const rows = await read(offset, CSV_PAGE);
      const records = rows.map(record);
      if (offset === 0) records.unshift([...header]);
      offset += rows.length;
      if (records.length > 0) {
        const stringify = await csvStringify();
        controller.enqueue(encoder.encode(stringify(records, { record_delimiter: "windows" })));
      }
      if (rows.length < CSV_PAGE) controller.close();
    },
  });
}
