/**
 * OCPP 1.6 GetDiagnostics: builds the diagnostics archive (station/diagnostics) of the asked
 * time range into `<data dir>/diagnostics/`, answers its file name, and uploads it to
 * `location` over HTTP(S) (PUT, or POST when PUT is refused with 405), `retries` times
 * `retryInterval` apart; DiagnosticsStatusNotification Uploading, then Uploaded or UploadFailed.
 * @module
 */
import { join } from "../path.ts";
import { getLogger } from "@logtape/logtape";
import { buildDiagnosticsArchive, diagnosticsFileName } from "../diagnostics/mod.ts";
import type { Station } from "../runtime.ts";
import type { OcppConnection } from "./rpc.ts";
import { type Notifier, StatusReport } from "./status_report.ts";
import { delay, safeUrl, transferUrl, upload, withRetries } from "./transfer.ts";

const log = getLogger(["ladewerk", "ocpp", "diagnostics"]);

/** DiagnosticsStatusNotification status. */
export type DiagnosticsStatus = "Idle" | "Uploaded" | "UploadFailed" | "Uploading";

/** Folder of archives waiting for their upload, inside the data directory. */
export const DIAGNOSTICS_DIR = "diagnostics";

const STATUS_KEY = "diagnostics.status";
const DEFAULT_RETRIES = 2;
const DEFAULT_RETRY_INTERVAL_S = 60;

/** What the uploader needs. */
export interface DiagnosticsDeps {
  station: Station;
  client: Notifier;
  dataDir: string;
  serial: string;
  /** Facts for `system.json` (model, versions, connection ...). */
  system?: () => Record<string, unknown>;
}

/** One GetDiagnostics request. */
interface Job {
  url: URL;
  path: string;
  fileName: string;
  attempts: number;
  retryIntervalS: number;
  fromMs?: number;
  toMs?: number;
}

/** Answers GetDiagnostics and uploads, one archive at a time: a new request replaces one. */
export class DiagnosticsUploader implements AsyncDisposable {
  readonly report: StatusReport<DiagnosticsStatus>;
  #deps: DiagnosticsDeps;
  #job: AbortController | undefined;
  #running: Promise<void> = Promise.resolve();
  #ready: Promise<void>;

  constructor(deps: DiagnosticsDeps) {
    this.#deps = deps;
    this.report = new StatusReport<DiagnosticsStatus>({
      client: deps.client,
      store: deps.station.store,
      action: "DiagnosticsStatusNotification",
      metaKey: STATUS_KEY,
      nowMs: () => deps.station.hardware.clock.nowMs(),
    });
    this.#ready = this.#load();
  }

  async #load(): Promise<void> {
    const last = await this.report.load();
    // An upload a restart interrupted is not retried: the backend asks again if it wants.
    if (last?.status === "Uploading") await this.report.set("UploadFailed");
    await Deno.remove(join(this.#deps.dataDir, DIAGNOSTICS_DIR), { recursive: true })
      .catch(() => {});
  }

  /** The last status, Idle when there has been none. */
  lastStatus(): DiagnosticsStatus {
    return this.report.last();
  }

  /** Registers GetDiagnostics on a connection. */
  register(conn: OcppConnection): void {
    // deno-lint-ignore no-explicit-any
    conn.handle("GetDiagnostics", async (p: any) => {
      await this.#ready;
      const nowMs = this.#deps.station.hardware.clock.nowMs();
      const fileName = diagnosticsFileName(this.#deps.serial, nowMs);
      let url: URL;
      try {
        url = transferUrl(p.location);
      } catch (e) {
        // Answered like any request; the upload then fails at once with the reason in the log.
        log.error(`Diagnostics upload refused: ${e instanceof Error ? e.message : e}`);
        this.#start(() => this.report.set("UploadFailed"));
        return { fileName };
      }
      const job: Job = {
        url: url.pathname.endsWith("/") ? new URL(fileName, url) : url,
        path: join(this.#deps.dataDir, DIAGNOSTICS_DIR, fileName),
        fileName,
        attempts: Math.max(0, p.retries ?? DEFAULT_RETRIES) + 1,
        retryIntervalS: Math.max(0, p.retryInterval ?? DEFAULT_RETRY_INTERVAL_S),
        ...(p.startTime ? { fromMs: Date.parse(p.startTime) } : {}),
        ...(p.stopTime ? { toMs: Date.parse(p.stopTime) } : {}),
      };
      log.info(
        `GetDiagnostics: ${fileName} to ${safeUrl(job.url)}` +
          `${p.startTime ? ` from ${p.startTime}` : ""}${p.stopTime ? ` to ${p.stopTime}` : ""}`,
      );
      this.#start((signal) => this.#run(job, signal));
      return { fileName };
    });
  }

  #start(work: (signal: AbortSignal) => Promise<void>): void {
    this.#job?.abort(new Error("Replaced by a new GetDiagnostics"));
    const job = new AbortController();
    this.#job = job;
    this.#running = this.#running.then(async () => {
      // The answer goes out before the first status.
      await delay(20, job.signal);
      await work(job.signal);
    }).catch((e) => {
      if (!job.signal.aborted) log.error(`Diagnostics upload failed: ${e}`);
    });
  }

  async #run(job: Job, signal: AbortSignal): Promise<void> {
    await this.report.set("Uploading");
    try {
      await this.#build(job);
      const method = await withRetries(
        () => upload(job.url, job.path, job.fileName, { signal }),
        {
          attempts: job.attempts,
          intervalMs: job.retryIntervalS * 1000,
          signal,
          onFailure: (attempt, e) =>
            log.warn(
              `Diagnostics upload to ${safeUrl(job.url)}, attempt ${attempt} of ` +
                `${job.attempts}, failed: ${e instanceof Error ? e.message : e}`,
            ),
        },
      );
      log.info(`Diagnostics ${job.fileName} uploaded to ${safeUrl(job.url)} by ${method}`);
      await this.report.set("Uploaded");
    } catch (e) {
      if (signal.aborted) throw e;
      log.error(`Diagnostics upload failed: ${e instanceof Error ? e.message : e}`);
      await this.report.set("UploadFailed");
    } finally {
      await Deno.remove(job.path).catch(() => {});
    }
  }

  /** Writes the archive to disk once, so that every attempt sends the same bytes. */
  async #build(job: Job): Promise<void> {
    const { station, dataDir } = this.#deps;
    await Deno.mkdir(join(dataDir, DIAGNOSTICS_DIR), { recursive: true });
    const file = await Deno.open(job.path, { write: true, create: true, truncate: true });
    await buildDiagnosticsArchive({
      dataDir,
      settings: station.settings,
      store: station.store,
      ...(job.fromMs !== undefined ? { fromMs: job.fromMs } : {}),
      ...(job.toMs !== undefined ? { toMs: job.toMs } : {}),
      nowMs: station.hardware.clock.nowMs(),
      system: { serial: this.#deps.serial, ...this.#deps.system?.() },
    }).pipeTo(file.writable);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#job?.abort(new Error("Station stopping"));
    this.report[Symbol.dispose]();
    await this.#running;
  }
}
