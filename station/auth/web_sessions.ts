/**
 * Web interface sessions, kept in memory: random 32-byte ids, a CSRF token each, idle and
 * absolute expiry on an injected clock. Only the restart into an update carries them over
 * (a file on the data partition, read and deleted at the next start).
 * @module
 */
import type { Clock } from "../../drivers/ports.ts";

/** One logged-in browser. */
export interface WebSession {
  /** The cookie value: 32 random bytes, base64url. */
  readonly id: string;
  /** Sent back as `X-CSRF-Token` with every state change. */
  readonly csrfToken: string;
  readonly user: string;
  readonly createdAtMs: number;
  lastSeenMs: number;
}

/** Options of {@linkcode WebSessions}. */
export interface WebSessionsOptions {
  clock: Clock;
  /** Idle timeout. @default 1_800_000 (30 min) */
  idleMs?: number;
  /** Absolute lifetime. @default 43_200_000 (12 h) */
  absoluteMs?: number;
  /** Most sessions kept; the least recently used goes first. @default 32 */
  max?: number;
}

/** 32 random bytes, base64url. */
const token = () =>
  crypto.getRandomValues(new Uint8Array(32)).toBase64({ alphabet: "base64url", omitPadding: true });

/** The sessions of the web interface. */
export class WebSessions {
  readonly idleMs: number;
  readonly absoluteMs: number;
  #clock: Clock;
  #max: number;
  #sessions = new Map<string, WebSession>();

  constructor(options: WebSessionsOptions) {
    this.#clock = options.clock;
    this.idleMs = options.idleMs ?? 30 * 60_000;
    this.absoluteMs = options.absoluteMs ?? 12 * 3_600_000;
    this.#max = options.max ?? 32;
  }

  /** Number of live sessions. */
  get size(): number {
    this.#prune();
    return this.#sessions.size;
  }

  /** Starts a session for `user`. */
  create(user: string): WebSession {
    this.#prune();
    const nowMs = this.#clock.nowMs();
    const session: WebSession = {
      id: token(),
      csrfToken: token(),
      user,
      createdAtMs: nowMs,
      lastSeenMs: nowMs,
    };
    this.#sessions.set(session.id, session);
    while (this.#sessions.size > this.#max) {
      const oldest = [...this.#sessions.values()].sort((a, b) => a.lastSeenMs - b.lastSeenMs)[0];
      if (oldest) this.#sessions.delete(oldest.id);
    }
    return session;
  }

  /** The live session of `id` (marked as used now), or undefined when unknown or expired. */
  touch(id: string | undefined): WebSession | undefined {
    if (!id) return undefined;
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    const nowMs = this.#clock.nowMs();
    if (nowMs >= this.expiresAtMs(session)) {
      this.#sessions.delete(id);
      return undefined;
    }
    session.lastSeenMs = nowMs;
    return session;
  }

  /** Whether `id` is a live session, without marking it as used (for event streams). */
  isLive(id: string): boolean {
    const session = this.#sessions.get(id);
    return session !== undefined && this.#clock.nowMs() < this.expiresAtMs(session);
  }

  /** When the session ends unless used again: the earlier of idle and absolute expiry. */
  expiresAtMs(session: WebSession): number {
    return Math.min(session.lastSeenMs + this.idleMs, session.createdAtMs + this.absoluteMs);
  }

  /** The live sessions, to carry them across a restart into an update (`restore`). */
  snapshot(): WebSession[] {
    this.#prune();
    return [...this.#sessions.values()].map((s) => ({ ...s }));
  }

  /** Takes back sessions of {@linkcode snapshot}; expired and malformed ones are dropped. */
  restore(list: unknown): number {
    if (!Array.isArray(list)) return 0;
    let n = 0;
    for (const s of list.slice(0, this.#max)) {
      const ok = s && typeof s.id === "string" && typeof s.csrfToken === "string" &&
        typeof s.user === "string" && Number.isFinite(s.createdAtMs) &&
        Number.isFinite(s.lastSeenMs);
      if (!ok) continue;
      const session: WebSession = {
        id: s.id,
        csrfToken: s.csrfToken,
        user: s.user,
        createdAtMs: s.createdAtMs,
        lastSeenMs: s.lastSeenMs,
      };
      if (this.#clock.nowMs() < this.expiresAtMs(session)) {
        this.#sessions.set(session.id, session);
        n++;
      }
    }
    return n;
  }

  /** Ends one session (logout). */
  delete(id: string): boolean {
    return this.#sessions.delete(id);
  }

  /** Ends every session except `keepId` (after a password change), or only those of `user`;
   * returns how many ended. */
  deleteAllExcept(keepId?: string, user?: string): number {
    let n = 0;
    for (const [id, s] of [...this.#sessions]) {
      if (id === keepId || (user !== undefined && s.user !== user)) continue;
      if (this.#sessions.delete(id)) n++;
    }
    return n;
  }

  #prune(): void {
    const nowMs = this.#clock.nowMs();
    for (const s of [...this.#sessions.values()]) {
      if (nowMs >= this.expiresAtMs(s)) this.#sessions.delete(s.id);
    }
  }
}
