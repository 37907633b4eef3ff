/**
 * One install path for every update, from the web upload and from OCPP UpdateFirmware: a
 * verified bundle waits until no session runs (the points take no new session meanwhile and
 * go Unavailable as their sessions end), unless the technician forces it; then the update
 * port writes it into the other slot and the station reboots into it. After the boot the
 * station marks its slot good only when its own health checks pass within a timeout; a slot
 * that fails them reboots, and after three tries the boot counter boots the old slot, which
 * then says "rolled back" and why. What is going on is in `GET /api/status` → `update`.
 * @module
 */
import { join } from "../path.ts";
import { getLogger } from "@logtape/logtape";
import { delay } from "../delay.ts";
import type { Station } from "../runtime.ts";
import type { Slot } from "./boot_env.ts";
import { writeAtomic } from "./file_slots.ts";
import {
  type BootStatus,
  InstallError,
  type InstallProgress,
  type UpdatePort,
  type VerifiedBundle,
} from "./port.ts";

const log = getLogger(["ladewerk", "update"]);

/** Folder of the updater's record inside the data directory. */
export const UPDATE_STATE_DIR = "update";

/** Health checks get this long after a boot by default. */
export const HEALTH_TIMEOUT_MS = 120_000;

/** Where an update came from. */
export type UpdateSource = "web" | "ocpp";

/** An installed slot waiting to prove itself after the reboot. */
interface Pending {
  version: string;
  fromVersion: string;
  slot: Slot;
  fromSlot: Slot;
  source: UpdateSource;
  atMs: number;
  /** Why each boot of the new slot failed its health checks. */
  failures: string[];
}

/** How the last update ended. */
export interface UpdateResult {
  outcome: "installed" | "rolledBack" | "failed";
  version: string;
  fromVersion: string;
  source: UpdateSource;
  reason: string | null;
  atMs: number;
}

interface Record {
  pending?: Pending;
  last?: UpdateResult;
}

/** What the updater is doing. */
export type UpdatePhase = "idle" | "waiting" | "installing" | "rebooting" | "confirming";

/** The `update` part of the station status. */
export interface UpdateStatus {
  phase: UpdatePhase;
  /** The version being installed or confirmed. */
  version: string | null;
  source: UpdateSource | null;
  percent: number | null;
  step: string | null;
  /** Whether the install goes ahead while sessions run. */
  force: boolean;
  last: UpdateResult | null;
  booted: Slot | null;
  slots: BootStatus["slots"];
  backend: UpdatePort["kind"];
}

/** Thrown when an update is started while another one runs. */
export class UpdateBusy extends Error {
  override name = "UpdateBusy";
}

/** What the updater needs. */
export interface UpdaterDeps {
  port: UpdatePort;
  station: Station;
  dataDir: string;
  /** The running version. */
  version: string;
  /** Reboots the system (a restart of the program in simulation). */
  reboot: () => void;
  nowMs: () => number;
  /** @default HEALTH_TIMEOUT_MS */
  healthTimeoutMs?: number;
  /** Poll period of the health checks and of the wait for sessions. @default 500 */
  pollMs?: number;
}

/** The station's update service. */
export class Updater {
  #deps: UpdaterDeps;
  #record: Record = {};
  #boot: BootStatus | undefined;
  #phase: UpdatePhase = "idle";
  #current: { version: string; source: UpdateSource; force: boolean } | undefined;
  #progress: InstallProgress | undefined;
  #cancel: AbortController | undefined;
  #ocppOutcome = Promise.withResolvers<"Installed" | "InstallationFailed" | null>();
  #ocppDecided = false;
  #listeners = new Set<() => void>();

  constructor(deps: UpdaterDeps) {
    this.#deps = deps;
  }

  get #file(): string {
    return join(this.#deps.dataDir, UPDATE_STATE_DIR, "state.json");
  }

  async #save(): Promise<void> {
    await Deno.mkdir(join(this.#deps.dataDir, UPDATE_STATE_DIR), { recursive: true });
    await writeAtomic(this.#file, JSON.stringify(this.#record) + "\n");
  }

  async #refresh(): Promise<void> {
    this.#boot = await this.#deps.port.status().catch((e) => {
      log.warn(`Update slots not readable: ${e}`);
      return this.#boot;
    });
    this.#changed();
  }

  #changed(): void {
    for (const l of this.#listeners) l();
  }

  /** Calls `listener` on every change of {@linkcode status}. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * After the boot: reads the record; a pending update whose slot did not boot is a
   * rollback (said in the event log, on the Software page and to OCPP).
   */
  async start(): Promise<void> {
    try {
      this.#record = JSON.parse(await Deno.readTextFile(this.#file));
    } catch {
      this.#record = {};
    }
    await this.#refresh();
    const pending = this.#record.pending;
    const booted = this.#boot?.booted;
    if (!pending) return this.#decideOcpp(null);
    if (booted === pending.slot) {
      this.#phase = "confirming";
      this.#current = { version: pending.version, source: pending.source, force: false };
      this.#changed();
      return;
    }
    const why = pending.failures.at(-1) ??
      await this.#deps.port.lastBootFailure?.(pending.slot).catch(() => undefined) ??
      "it did not start";
    const reason =
      `Version ${pending.version} in slot ${pending.slot} failed ${pending.failures.length || 3} ` +
      `boot(s): ${why}`;
    log.error(`Update rolled back to ${this.#deps.version}: ${reason}`);
    await this.#deps.port.markBad(pending.slot).catch(() => {});
    await this.#finish({
      outcome: "rolledBack",
      version: pending.version,
      fromVersion: pending.fromVersion,
      source: pending.source,
      reason,
      atMs: this.#deps.nowMs(),
    }, `Rolled back to ${this.#deps.version}: ${reason}`);
  }

  async #finish(result: UpdateResult, message: string): Promise<void> {
    delete this.#record.pending;
    this.#record.last = result;
    this.#phase = "idle";
    this.#current = undefined;
    this.#progress = undefined;
    await this.#save().catch((e) => log.error(`Update record not stored: ${e}`));
    await this.#event(
      result.outcome === "installed"
        ? "UpdateInstalled"
        : result.outcome === "rolledBack"
        ? "UpdateRolledBack"
        : "UpdateFailed",
      message,
    );
    if (result.source === "ocpp") {
      this.#decideOcpp(result.outcome === "installed" ? "Installed" : "InstallationFailed");
    }
    await this.#refresh();
  }

  #decideOcpp(status: "Installed" | "InstallationFailed" | null): void {
    if (this.#ocppDecided) return;
    this.#ocppDecided = true;
    this.#ocppOutcome.resolve(status);
  }

  /**
   * How the OCPP update that was installing before this boot ended; null when there was
   * none. Resolves once known (after the health checks, for a new slot).
   */
  ocppOutcome(): Promise<"Installed" | "InstallationFailed" | null> {
    return this.#ocppOutcome.promise;
  }

  async #event(code: string, message: string): Promise<void> {
    await this.#deps.station.store.events.append([{
      atMs: this.#deps.nowMs(),
      kind: "update",
      code,
      message,
    }]).catch((e) => log.warn(`Update event not logged: ${e}`));
  }

  /**
   * Runs `check` (undefined: healthy, else the reason) until it passes, then marks the slot
   * good (resolves true). A new slot that does not pass within the timeout records why and
   * reboots.
   */
  async confirm(check: () => Promise<string | undefined>, signal: AbortSignal): Promise<boolean> {
    const timeoutMs = this.#deps.healthTimeoutMs ?? HEALTH_TIMEOUT_MS;
    const pollMs = this.#deps.pollMs ?? 500;
    const startMs = performance.now();
    let reason: string | undefined = "not checked";
    while (!signal.aborted) {
      reason = await check().catch((e) => `health check failed: ${e}`);
      if (reason === undefined || performance.now() - startMs >= timeoutMs) break;
      await delay(pollMs, signal);
    }
    if (signal.aborted) return false;
    const pending = this.#record.pending;
    const isNew = pending !== undefined && this.#boot?.booted === pending.slot;
    if (reason === undefined) {
      await this.#deps.port.markGood().catch((e) => log.error(`mark-good failed: ${e}`));
      // The slots as marked (tries reset) before the outcome shows: never one without the other.
      await this.#refresh();
      log.info(`Health checks passed: slot ${this.#boot?.booted ?? "(unknown)"} marked good`);
      if (isNew) {
        await this.#finish({
          outcome: "installed",
          version: pending.version,
          fromVersion: pending.fromVersion,
          source: pending.source,
          reason: null,
          atMs: this.#deps.nowMs(),
        }, `Version ${pending.version} installed in slot ${pending.slot} and marked good`);
      } else await this.#refresh();
      return true;
    }
    if (!isNew) {
      log.warn(`Health checks not passed (${reason}): slot not marked good`);
      return false;
    }
    pending.failures.push(reason);
    await this.#save().catch(() => {});
    await this.#event(
      "UpdateHealthCheckFailed",
      `Version ${pending.version} failed its health checks (${reason}); rebooting`,
    );
    log.error(`Version ${pending.version} failed its health checks: ${reason}; rebooting`);
    this.#deps.reboot();
    return false;
  }

  /** What the updater is doing, for the status. */
  status(): UpdateStatus {
    return {
      phase: this.#phase,
      version: this.#current?.version ?? null,
      source: this.#current?.source ?? null,
      percent: this.#progress?.percent ?? null,
      step: this.#progress?.step ?? null,
      force: this.#current?.force ?? false,
      last: this.#record.last ?? null,
      booted: this.#boot?.booted ?? null,
      slots: this.#boot?.slots ?? [],
      backend: this.#deps.port.kind,
    };
  }

  /** Whether an update is being installed (or waits for the sessions). */
  get busy(): boolean {
    return this.#phase === "waiting" || this.#phase === "installing" ||
      this.#phase === "rebooting";
  }

  /**
   * Installs a verified bundle: resolves when it is installed and the reboot requested,
   * rejects with the reason when it could not be (the running slot is untouched).
   * Throws {@linkcode UpdateBusy} at once when another update runs.
   */
  install(
    bundle: VerifiedBundle,
    options: { source: UpdateSource; force?: boolean; cleanup?: () => Promise<void> },
  ): Promise<void> {
    if (this.busy) throw new UpdateBusy("Another update is being installed");
    const force = options.force ?? false;
    this.#current = { version: bundle.info.version, source: options.source, force };
    this.#progress = undefined;
    const cancel = new AbortController();
    this.#cancel = cancel;
    let cleaned: Promise<void> | undefined;
    const cleanup = () => cleaned ??= options.cleanup?.() ?? Promise.resolve();
    return this.#install(bundle, force, cancel.signal, cleanup).finally(cleanup);
  }

  /** Stops an update that still waits for the sessions to end. */
  cancel(): boolean {
    if (this.#phase !== "waiting") return false;
    this.#cancel?.abort(new Error("Cancelled by the technician"));
    return true;
  }

  async #install(
    bundle: VerifiedBundle,
    force: boolean,
    signal: AbortSignal,
    cleanup: () => Promise<void>,
  ): Promise<void> {
    const { station } = this.#deps;
    const version = bundle.info.version;
    const source = this.#current!.source;
    const running = () => station.state.connectors.some((c) => c.session);
    let held = false;
    try {
      if (running() && !force) {
        this.#phase = "waiting";
        this.#changed();
        held = true;
        log.info(`Update to ${version} waits until the running sessions end`);
        await station.dispatch({ type: "availability", connectorId: 0, operative: false });
        while (running()) await delay(this.#deps.pollMs ?? 500, signal);
      }
      this.#phase = "installing";
      this.#changed();
      const from = this.#boot?.booted ?? "A";
      log.info(`Installing ${version} (from ${source}) into the other slot`);
      const { slot } = await this.#deps.port.install(bundle, (p) => {
        this.#progress = p;
        this.#changed();
      });
      this.#record.pending = {
        version,
        fromVersion: this.#deps.version,
        slot,
        fromSlot: from,
        source,
        atMs: this.#deps.nowMs(),
        failures: [],
      };
      await this.#save();
      await this.#event(
        "UpdateInstalling",
        `Version ${version} written to slot ${slot}; rebooting`,
      );
      this.#phase = "rebooting";
      await this.#refresh();
      // The upload goes before the reboot, which may end this process at once.
      await cleanup().catch((e) => log.warn(`Update files not removed: ${e}`));
      log.info(`Version ${version} written to slot ${slot}: rebooting into it`);
      this.#deps.reboot();
    } catch (e) {
      const reason = signal.aborted
        ? String(signal.reason instanceof Error ? signal.reason.message : signal.reason)
        : e instanceof InstallError
        ? e.message
        : `Installation failed: ${e instanceof Error ? e.message : e}`;
      log.error(`Update to ${version} not installed: ${reason}`);
      if (held) await station.restoreAvailability().catch(() => {});
      await this.#finish({
        outcome: "failed",
        version,
        fromVersion: this.#deps.version,
        source,
        reason,
        atMs: this.#deps.nowMs(),
      }, `Version ${version} not installed: ${reason}`);
      throw e instanceof InstallError ? e : new InstallError("installer", reason);
    }
  }
}
