/**
 * The last status of a long-running job (firmware update, diagnostics upload), kept in `meta`
 * and reported to the backend: every status in order while online; while offline only the
 * latest, sent once the station is accepted again.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Store } from "../store/mod.ts";

const log = getLogger(["ladewerk", "ocpp"]);

/** Failed sends while online after which a status is given up. */
const MAX_FAILURES = 3;

/** What the reporter asks of the OCPP client. */
export interface Notifier {
  readonly online: boolean;
  call<T>(action: string, payload: unknown): Promise<T>;
}

/** A stored status. */
export interface StoredStatus<S extends string> {
  status: S;
  atMs: number;
}

/** What a reporter needs. */
export interface StatusReportOptions {
  client: Notifier;
  store: Pick<Store, "getMeta" | "setMeta">;
  /** FirmwareStatusNotification or DiagnosticsStatusNotification. */
  action: string;
  /** Key of the last status in `meta`. */
  metaKey: string;
  nowMs: () => number;
  /** How often an unsent status is tried again while offline. @default 1000 */
  retryMs?: number;
}

/** Reports the statuses of one kind of job. */
export class StatusReport<S extends string> implements Disposable {
  #options: StatusReportOptions;
  #last: StoredStatus<S> | undefined;
  #unsent: S[] = [];
  #sending = false;
  #failures = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: StatusReportOptions) {
    this.#options = options;
  }

  /** Reads the stored last status. */
  async load(): Promise<StoredStatus<S> | undefined> {
    const text = await this.#options.store.getMeta(this.#options.metaKey);
    if (text) {
      try {
        this.#last = JSON.parse(text);
      } catch {
        log.warn(`Stored ${this.#options.metaKey} unreadable: ignored`);
      }
    }
    return this.#last;
  }

  /** The last status, `Idle` when there has been none. */
  last(): S | "Idle" {
    return this.#last?.status ?? "Idle";
  }

  /** Stores a new status and reports it. */
  async set(status: S): Promise<void> {
    this.#last = { status, atMs: this.#options.nowMs() };
    await this.#options.store.setMeta(this.#options.metaKey, JSON.stringify(this.#last));
    this.report(status);
  }

  /** Reports a status (the last one when omitted) once the station is online. */
  report(status: S | "Idle" = this.last()): void {
    this.#unsent.push(status as S);
    void this.#flush();
  }

  /** Sends the last status now (TriggerMessage); rejects when offline. */
  async trigger(): Promise<void> {
    await this.#options.client.call(this.#options.action, { status: this.last() });
  }

  async #flush(): Promise<void> {
    if (this.#sending || this.#closed) return;
    this.#sending = true;
    try {
      while (this.#unsent.length > 0 && !this.#closed) {
        const { client, action } = this.#options;
        // Offline only the latest status matters.
        if (!client.online) this.#unsent = this.#unsent.slice(-1);
        const status = this.#unsent[0]!;
        try {
          if (!client.online) throw new Error("offline");
          await client.call(action, { status });
          this.#unsent.shift();
          this.#failures = 0;
        } catch (e) {
          if (client.online) {
            log.warn(`${action} ${status} failed: ${e instanceof Error ? e.message : e}`);
            // A backend that refuses the message would be asked forever: give up on it.
            if (++this.#failures >= MAX_FAILURES) {
              this.#unsent.shift();
              this.#failures = 0;
              continue;
            }
          }
          this.#retryLater();
          return;
        }
      }
    } finally {
      this.#sending = false;
    }
  }

  #retryLater(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, this.#options.retryMs ?? 1000);
  }

  [Symbol.dispose](): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }
}
