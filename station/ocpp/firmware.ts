/**
 * OCPP 1.6 UpdateFirmware: downloads the file at `retrieveDate` over HTTP(S) into
 * `<data dir>/firmware/` (streamed, retried from scratch `retries` times `retryInterval` apart),
 * checks and stages it, and hands it to the station's update path (the same as the web
 * upload's: verification, the wait for sessions, the A/B install and the reboot). Installed is
 * reported only after the reboot, once the new slot passed its health checks; a rollback or a
 * refused bundle is InstallationFailed. The request and the last status survive a restart.
 * @module
 */
import { join } from "../path.ts";
import { getLogger } from "@logtape/logtape";
import { roomFor } from "../disk_space.ts";
import type { Station } from "../runtime.ts";
import type { OcppConnection } from "./rpc.ts";
import { type Notifier, StatusReport } from "./status_report.ts";
import { delay, download, type FileFacts, safeUrl, transferUrl, withRetries } from "./transfer.ts";

const log = getLogger(["ladewerk", "ocpp", "firmware"]);

/** FirmwareStatusNotification status. */
export type FirmwareStatus =
  | "Downloaded"
  | "DownloadFailed"
  | "Downloading"
  | "Idle"
  | "InstallationFailed"
  | "Installing"
  | "Installed";

/** Folder of downloaded firmware inside the data directory. */
export const FIRMWARE_DIR = "firmware";

/** Why a staged file is not installed in this build. */
export const NO_UPDATE_MECHANISM =
  "this build has no update mechanism yet (signed A/B update bundles arrive later)";

const REQUEST_KEY = "firmware.request";
const STATUS_KEY = "firmware.status";
/** Retries when UpdateFirmware names none. */
const DEFAULT_RETRIES = 2;
const DEFAULT_RETRY_INTERVAL_S = 60;

/** An UpdateFirmware request, as stored until it is done. */
export interface FirmwareRequest {
  location: string;
  retrieveAtMs: number;
  retries: number;
  retryIntervalS: number;
}

/**
 * Hands a downloaded file to the station's update mechanism: `rebooting` when it is installed
 * and the station restarts into it (the outcome follows after the boot).
 */
export type Installer = (
  file: FileFacts,
) => Promise<
  { installed: true } | { installed: "rebooting" } | { installed: false; reason: string }
>;

/** What the updater needs. */
export interface FirmwareDeps {
  station: Station;
  client: Notifier;
  dataDir: string;
  /** The update mechanism. @default none: every file fails with {@linkcode NO_UPDATE_MECHANISM} */
  install?: Installer;
  /** After a reboot: how the install that was running ended (null: none was pending). */
  outcome?: () => Promise<"Installed" | "InstallationFailed" | null>;
  /** Download attempt given up after this long without data. @default 60000 */
  idleTimeoutMs?: number;
  /** Space kept free for the database. @default DATA_RESERVE_BYTES */
  reserveBytes?: number;
}

/** The file name a download is stored under: the last path segment of its URL, made safe. */
export function firmwareFileName(url: URL): string {
  const last = decodeURIComponent(url.pathname.split("/").pop() ?? "");
  const safe = last.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "");
  return safe === "" || safe.endsWith(".part") ? "firmware.bin" : safe;
}

/** Runs UpdateFirmware requests, one at a time: a new request replaces a running one. */
export class FirmwareUpdater implements AsyncDisposable {
  readonly report: StatusReport<FirmwareStatus>;
  #deps: FirmwareDeps;
  #job: AbortController | undefined;
  #running: Promise<void> = Promise.resolve();
  #ready: Promise<void>;

  constructor(deps: FirmwareDeps) {
    this.#deps = deps;
    this.report = new StatusReport<FirmwareStatus>({
      client: deps.client,
      store: deps.station.store,
      action: "FirmwareStatusNotification",
      metaKey: STATUS_KEY,
      nowMs: () => this.#nowMs(),
    });
    this.#ready = this.#resume();
  }

  #nowMs(): number {
    return this.#deps.station.hardware.clock.nowMs();
  }

  /** After a restart: resumes a request not yet done, else reports the last status once. */
  async #resume(): Promise<void> {
    const last = await this.report.load();
    const text = await this.#deps.station.store.getMeta(REQUEST_KEY);
    if (last?.status === "Installing") {
      // The station rebooted while installing: into the new version, or back to the old one.
      const outcome = await this.#deps.outcome?.() ?? null;
      log.info(`Firmware update after the reboot: ${outcome ?? "the installation broke off"}`);
      await this.report.set(outcome ?? "InstallationFailed");
    }
    if (text) {
      const request: FirmwareRequest = JSON.parse(text);
      log.info(`Firmware update from ${safeUrl(request.location)} resumes after the restart`);
      this.#schedule(request);
    } else if (last && last.status !== "Installing") this.report.report();
  }

  /** The last status, Idle when there has been none. */
  lastStatus(): FirmwareStatus {
    return this.report.last();
  }

  /** Registers UpdateFirmware on a connection. */
  register(conn: OcppConnection): void {
    // deno-lint-ignore no-explicit-any
    conn.handle("UpdateFirmware", async (p: any) => {
      await this.#ready;
      const request: FirmwareRequest = {
        location: p.location,
        retrieveAtMs: Date.parse(p.retrieveDate),
        retries: Math.max(0, p.retries ?? DEFAULT_RETRIES),
        retryIntervalS: Math.max(0, p.retryInterval ?? DEFAULT_RETRY_INTERVAL_S),
      };
      await this.#deps.station.store.setMeta(REQUEST_KEY, JSON.stringify(request));
      log.info(
        `UpdateFirmware from ${safeUrl(request.location)} at ${p.retrieveDate}, ` +
          `${request.retries} retries ${request.retryIntervalS} s apart`,
      );
      this.#schedule(request);
      return {};
    });
  }

  #schedule(request: FirmwareRequest): void {
    this.#job?.abort(new Error("Replaced by a new UpdateFirmware"));
    const job = new AbortController();
    this.#job = job;
    const previous = this.#running;
    this.#running = previous.then(() => this.#run(request, job.signal)).catch((e) => {
      if (!job.signal.aborted) log.error(`Firmware update failed: ${e}`);
    });
  }

  async #run(request: FirmwareRequest, signal: AbortSignal): Promise<void> {
    // The answer goes out first; then wait for the retrieve date, re-reading the clock (it
    // may be set meanwhile).
    await delay(20, signal);
    for (let left = request.retrieveAtMs - this.#nowMs(); left > 0;) {
      await delay(Math.min(left, 60_000), signal);
      left = request.retrieveAtMs - this.#nowMs();
    }
    const file = await this.#download(request, signal);
    // Done with the request before the install: its reboot must not start it again.
    if (!signal.aborted) await this.#deps.station.store.setMeta(REQUEST_KEY, "");
    if (file) await this.#install(file);
  }

  async #download(request: FirmwareRequest, signal: AbortSignal): Promise<FileFacts | undefined> {
    let url: URL;
    try {
      url = transferUrl(request.location);
    } catch (e) {
      log.error(`Firmware download failed: ${e instanceof Error ? e.message : e}`);
      await this.report.set("DownloadFailed");
      return undefined;
    }
    const dir = join(this.#deps.dataDir, FIRMWARE_DIR);
    await Deno.mkdir(dir, { recursive: true });
    const path = join(dir, firmwareFileName(url));
    await this.report.set("Downloading");
    try {
      const file = await withRetries(
        async () => {
          const room = await roomFor(dir, this.#deps.reserveBytes);
          return await download(url, path, {
            signal,
            ...(this.#deps.idleTimeoutMs ? { idleTimeoutMs: this.#deps.idleTimeoutMs } : {}),
            ...(room !== undefined ? { maxBytes: room } : {}),
          });
        },
        {
          attempts: request.retries + 1,
          intervalMs: request.retryIntervalS * 1000,
          signal,
          onFailure: (attempt, e) =>
            log.warn(
              `Firmware download from ${safeUrl(url)}, attempt ${attempt} of ` +
                `${request.retries + 1}, failed: ${e instanceof Error ? e.message : e}`,
            ),
        },
      );
      log.info(`Firmware downloaded: ${file.path}, ${file.bytes} bytes, sha256 ${file.sha256}`);
      await this.report.set("Downloaded");
      return file;
    } catch (e) {
      if (signal.aborted) throw e;
      log.error(`Firmware download from ${safeUrl(url)} failed after every attempt`);
      await this.report.set("DownloadFailed");
      return undefined;
    }
  }

  /** Verifies and stages the file, then hands it to the update mechanism. */
  async #install(file: FileFacts): Promise<void> {
    await this.report.set("Installing");
    const size = (await Deno.stat(file.path)).size;
    if (size === 0 || size !== file.bytes) {
      log.error(
        `Firmware installation failed: ${file.path} holds ${size} bytes, not ${file.bytes}`,
      );
      await this.report.set("InstallationFailed");
      return;
    }
    await this.#removeOthers(file.path);
    log.info(`Firmware staged: ${file.path}, ${size} bytes, sha256 ${file.sha256}`);
    const outcome = this.#deps.install
      ? await this.#deps.install(file).catch((e) => ({ installed: false as const, reason: `${e}` }))
      : { installed: false as const, reason: NO_UPDATE_MECHANISM };
    if (outcome.installed === "rebooting") return;
    if (outcome.installed) {
      await this.report.set("Installed");
      return;
    }
    log.error(`Firmware installation failed: ${outcome.reason}`);
    await this.report.set("InstallationFailed");
  }

  /** Keeps only the newest staged file: the device's storage is small. */
  async #removeOthers(keep: string): Promise<void> {
    const dir = join(this.#deps.dataDir, FIRMWARE_DIR);
    for await (const e of Deno.readDir(dir)) {
      const path = join(dir, e.name);
      if (e.isFile && path !== keep) await Deno.remove(path).catch(() => {});
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#job?.abort(new Error("Station stopping"));
    this.report[Symbol.dispose]();
    await this.#running;
  }
}
