/**
 * The line of messages the station owes the backend while it is connected: the transaction
 * journal one message at a time, oldest first, and StatusNotifications in between, so that
 * `Charging` follows its StartTransaction. A transaction message the backend refuses waits for
 * its retry and holds the later transaction messages behind it, but not the statuses (the
 * latest per connector). The connection itself belongs to the client; the line only sends.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { EventStore, Journal, OwedMessage } from "../store/mod.ts";
import { retryDelayMs } from "./dial.ts";
import { type StatusEffect, StatusQueue } from "./status_queue.ts";

const log = getLogger(["ladewerk", "ocpp"]);

/** A transaction message that failed and waits for its next attempt. */
export interface StuckMessage {
  kind: OwedMessage["kind"];
  sessionId: number;
  attempts: number;
  lastError: string;
  nextAttemptAt: string;
}

/** What the line sends with and reports to. */
export interface MessageLineDeps {
  journal: Journal;
  events: EventStore;
  /** Sends one transaction message and books its answer; throws when it was not delivered. */
  deliver(m: OwedMessage): Promise<void>;
  /** Sends one StatusNotification; never throws. */
  sendStatus(status: StatusEffect): Promise<void>;
  /** TransactionMessageRetryInterval in seconds, read at every failure. */
  retryIntervalS(): number;
  now(): number;
}

/** The owed messages of one backend, in order. */
export class MessageLine {
  #deps: MessageLineDeps;
  #statuses = new StatusQueue();
  #stuck: StuckMessage | null = null;
  #queue = 0;
  #wake: (() => void) | undefined;
  /** Ends a retry wait early; only `stop`, not new messages. */
  #release: (() => void) | undefined;

  constructor(deps: MessageLineDeps) {
    this.#deps = deps;
  }

  /** Transaction messages owed, as last counted. */
  get queue(): number {
    return this.#queue;
  }

  /** The message the backend keeps refusing, while it does. */
  get stuck(): StuckMessage | null {
    return this.#stuck;
  }

  /** Queues a StatusNotification (the latest per connector wins). */
  pushStatus(status: StatusEffect): void {
    this.#statuses.push(status);
    this.#wake?.();
  }

  /** Forgets queued statuses (a new boot sends them all afresh). */
  clearStatuses(): void {
    this.#statuses.clear();
  }

  /** New transaction messages may be owed. */
  wake(): void {
    void this.refreshQueue();
    this.#wake?.();
  }

  /** The connection is gone or replaced: a running `run` returns soon. */
  stop(): void {
    this.#wake?.();
    this.#release?.();
  }

  async refreshQueue(): Promise<void> {
    this.#queue = await this.#deps.journal.count().catch(() => this.#queue);
  }

  /** Sends what is owed while `current()` holds (the connection it was started for). */
  async run(current: () => boolean): Promise<void> {
    let attempt = 0;
    while (current()) {
      const next = await this.#deps.journal.next();
      await this.refreshQueue();
      // A reconnect while reading started another run; this one must not send on its socket.
      if (!current()) return;
      const status = this.#statuses.peek();
      if (status && (!next || status.atMs < next.atMs)) {
        this.#statuses.shift();
        await this.#deps.sendStatus(status);
        continue;
      }
      if (!next) {
        await new Promise<void>((resolve) => this.#wake = resolve);
        continue;
      }
      try {
        await this.#deps.deliver(next);
        attempt = 0;
        this.#stuck = null;
      } catch (e) {
        if (!current()) return;
        attempt++;
        await this.#stuckOn(next, attempt, e, current);
      }
    }
  }

  /** Waits out the retry delay of a failed message, sending the statuses that come meanwhile. */
  async #stuckOn(
    m: OwedMessage,
    attempt: number,
    e: unknown,
    current: () => boolean,
  ): Promise<void> {
    const delay = retryDelayMs(this.#deps.retryIntervalS(), attempt);
    const error = e instanceof Error ? e.message : String(e);
    const nowMs = this.#deps.now();
    this.#stuck = {
      kind: m.kind,
      sessionId: m.session.id,
      attempts: attempt,
      lastError: error,
      nextAttemptAt: new Date(nowMs + delay).toISOString(),
    };
    log.warn(
      `${m.kind} of session ${m.session.id} failed (attempt ${attempt}), again in ` +
        `${delay / 1000} s: ${error}`,
    );
    await this.#deps.events.append([{
      atMs: nowMs,
      kind: "ocpp",
      connectorId: m.session.connector_id,
      code: "TransactionMessageFailed",
      message: `${m.kind} of session ${m.session.id} failed (attempt ${attempt}): ${error}`,
    }]).catch(() => {});
    let due = false;
    const timer = setTimeout(() => {
      due = true;
      this.#release?.();
    }, delay);
    try {
      while (!due && current()) {
        const status = this.#statuses.shift();
        if (status) {
          await this.#deps.sendStatus(status);
          continue;
        }
        // Woken by the delay, `stop`, or a status to send.
        await new Promise<void>((resolve) => {
          this.#release = resolve;
          this.#wake = resolve;
        });
      }
    } finally {
      this.#release = undefined;
      clearTimeout(timer);
    }
  }
}
