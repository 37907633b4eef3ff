/**
 * Logging: LogTape to the console and to rotating files in the data directory (the files the
 * downloadable log and diagnostics are made of).
 * @module
 */
import {
  configure,
  dispose,
  getConsoleSink,
  getTextFormatter,
  type LogRecord,
  type Sink,
  type TextFormatter,
} from "@logtape/logtape";
import { join } from "./station/path.ts";

/** Folder of the log files inside the data directory. */
export const LOG_DIR = "logs";

/** Size at which the log file is rotated, and how many rotated files are kept beside it. */
export const LOG_MAX_BYTES = 2 * 1024 * 1024;
export const LOG_ROTATED_FILES = 5;

/**
 * A sink that appends each record to `path` as it comes (nothing waits in a buffer: the lines
 * are there for the log download and after a crash). A record that would take the file over
 * `maxBytes` first moves it to `path.1`, `path.1` to `path.2` and so on; `path.<rotated>` is
 * dropped, so the files never hold more than `(rotated + 1) × maxBytes` (a file that cannot be
 * moved is emptied instead). A write that fails (a full disk) loses that record, never the
 * station's work: the next one opens the file again.
 *
 * The station's own, not `@logtape/file`'s: that package bundles a path library whose start
 * looks up `process`, which loads Deno's Node layer, about 10 ms of every start (issue 14).
 */
export function rotatingFileSink(
  path: string,
  options: { formatter: TextFormatter; maxBytes: number; rotated: number },
): Sink & Disposable {
  const encoder = new TextEncoder();
  let file: Deno.FsFile | undefined;
  let size = 0;
  const open = () => {
    file = Deno.openSync(path, { append: true, create: true, mode: 0o640 });
    size = file.statSync().size;
    return file;
  };
  const close = () => {
    try {
      file?.close();
    } catch { /* already gone */ }
    file = undefined;
  };
  const rotate = () => {
    close();
    for (let i = options.rotated; i >= 1; i--) {
      try {
        Deno.renameSync(i === 1 ? path : `${path}.${i - 1}`, `${path}.${i}`);
      } catch (e) {
        // Not there yet; but a file that cannot be moved away is emptied, so it stays bounded.
        if (i === 1 && !(e instanceof Deno.errors.NotFound)) Deno.truncateSync(path);
      }
    }
  };
  const sink = (record: LogRecord) => {
    const bytes = encoder.encode(options.formatter(record));
    try {
      if (file === undefined) open();
      if (size > 0 && size + bytes.length > options.maxBytes) {
        rotate();
        open();
      }
      for (let done = 0; done < bytes.length;) done += file!.writeSync(bytes.subarray(done));
      size += bytes.length;
    } catch {
      close();
    }
  };
  return Object.assign(sink, { [Symbol.dispose]: close });
}

/** Sets up logging; returns the function that flushes and closes the sinks. */
export async function setupLogging(
  dataDir: string,
  options: { level?: "debug" | "info" | "warning" } = {},
): Promise<() => Promise<void>> {
  const dir = join(dataDir, LOG_DIR);
  await Deno.mkdir(dir, { recursive: true });
  const formatter = getTextFormatter({ timestamp: "date-time-timezone", value: (v) => String(v) });
  await configure({
    reset: true,
    sinks: {
      console: getConsoleSink({ formatter }),
      file: rotatingFileSink(join(dir, "ladewerk.log"), {
        formatter,
        maxBytes: LOG_MAX_BYTES,
        rotated: LOG_ROTATED_FILES,
      }),
    },
    loggers: [
      { category: ["ladewerk"], lowestLevel: options.level ?? "info", sinks: ["console", "file"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["console"] },
    ],
  });
  return dispose;
}
