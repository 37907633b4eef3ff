/**
 * Logging: LogTape to the console and to rotating files in the data directory (the files the
 * downloadable log and diagnostics are made of).
 * @module
 */
import { configure, dispose, getConsoleSink, getTextFormatter } from "@logtape/logtape";
import { getRotatingFileSink } from "@logtape/file";
import { join } from "node:path";

/** Folder of the log files inside the data directory. */
export const LOG_DIR = "logs";

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
      file: getRotatingFileSink(join(dir, "ladewerk.log"), {
        formatter,
        maxSize: 2 * 1024 * 1024,
        maxFiles: 5,
      }),
    },
    loggers: [
      { category: ["ladewerk"], lowestLevel: options.level ?? "info", sinks: ["console", "file"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["console"] },
    ],
  });
  return dispose;
}
