/**
 * OCPP Reset as the configuration keys say it: `StopTxOnReset` true stops every running
 * transaction first (reason SoftReset or HardReset); false lets them charge to their end, a
 * soft reset then waits until no session runs, with the points taking no new session
 * meanwhile. A hard reset restarts the hardware, which ends what runs either way. An attempt
 * that fails is tried again `ResetRetries` times, a growing wait apart.
 * @module
 */
import type { StopReason } from "../types.ts";

/** What a reset needs from the station around it. */
export interface ResetDeps {
  hard: boolean;
  /** StopTxOnReset. */
  stopTransactions: boolean;
  /** ResetRetries: attempts after the first failed one. */
  retries: number;
  /** Charge points with a running session. */
  running(): number[];
  /** Ends the session on a point. */
  stop(connectorId: number, reason: StopReason): Promise<void>;
  /** Lets no point start a new session (a soft reset waiting for sessions to end). */
  hold(): Promise<void>;
  /** Resolves when no session runs any more. */
  idle(): Promise<void>;
  /** Restarts the station; throws when it could not. */
  restart(): Promise<void>;
  /** Waits before an attempt is repeated. */
  sleep(ms: number): Promise<void>;
  /** A failed attempt, and whether another follows. */
  failed(attempt: number, error: unknown, again: boolean): void;
}

/** Wait before the n-th repetition of a failed reset (1-based): 5 s, 10 s, 20 s, ... ≤ 60 s. */
export function resetRetryDelayMs(n: number): number {
  return Math.min(60_000, 5_000 * 2 ** Math.max(0, n - 1));
}

/** Carries out an accepted Reset; resolves true when the restart was made. */
export async function performReset(deps: ResetDeps): Promise<boolean> {
  if (deps.stopTransactions || deps.hard) {
    const reason: StopReason = deps.hard ? "HardReset" : "SoftReset";
    for (const id of deps.running()) await deps.stop(id, reason);
  } else if (deps.running().length > 0) {
    await deps.hold();
    await deps.idle();
  }
  for (let attempt = 1;; attempt++) {
    try {
      await deps.restart();
      return true;
    } catch (e) {
      const again = attempt <= deps.retries;
      deps.failed(attempt, e, again);
      if (!again) return false;
      await deps.sleep(resetRetryDelayMs(attempt));
    }
  }
}
