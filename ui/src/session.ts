/**
 * The login session: check, log in, log out, and the wait for the station to come back
 * after a restart.
 * @module
 */
import { ApiError, get, onUnauthorized, post, setCsrfToken } from "./api.ts";
import { Store } from "./store.ts";
import type { SessionInfo } from "./types.ts";

/** Why the login page is shown (a message above the form), if not a plain start. */
export type LoginReason =
  | "expired"
  | "loggedOut"
  | "passwordChanged"
  | "restarted"
  | "reset";

/** `undefined` while checking, `null` when logged out. */
export interface SessionState {
  session: SessionInfo | null | undefined;
  reason?: LoginReason;
  /** A restart is under way: "restarting…" is shown until the station answers again. */
  restarting?: boolean;
}

/** The session as the interface knows it. */
export const session: Store<SessionState> = new Store<SessionState>({
  session: undefined,
});

function loggedOut(reason?: LoginReason): void {
  setCsrfToken("");
  session.set({ session: null, reason });
}

onUnauthorized(() => {
  if (session.get().session) loggedOut("expired");
});

/** Asks the station whether this browser has a session. */
export async function checkSession(): Promise<void> {
  try {
    // "optional": no session is a 204, not a 401 that the browser console would show.
    const info = await get<SessionInfo | undefined>("/api/session?optional=1");
    if (!info) return loggedOut(session.get().reason);
    setCsrfToken(info.csrfToken);
    session.set({ session: info });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      loggedOut(session.get().reason);
    } else throw e;
  }
}

/** Logs in as `user`; throws ApiError (401 wrong password, 429 wait). */
export async function login(user: string, password: string): Promise<void> {
  const info = await post<SessionInfo>("/api/login", { user, password });
  setCsrfToken(info.csrfToken);
  session.set({ session: info });
}

/** Logs out (the station forgets the session). */
export async function logout(): Promise<void> {
  try {
    await post("/api/logout");
  } finally {
    loggedOut("loggedOut");
  }
}

/** Ends the session locally with `reason` (after a password change, say). */
export function endSession(reason: LoginReason): void {
  loggedOut(reason);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function answers(): Promise<number> {
  try {
    const response = await fetch("/api/session?optional=1", { cache: "no-store" });
    return response.status;
  } catch {
    return 0;
  }
}

/**
 * Shows "restarting…" and waits for the station: until it stops answering (or 3 s pass: a
 * restart in-process can be quicker than a poll), then until it answers again; then the
 * session is checked anew.
 */
export async function awaitRestart(
  reason: LoginReason = "restarted",
): Promise<void> {
  session.set({ ...session.get(), restarting: true });
  const downBy = Date.now() + 3_000;
  while (Date.now() < downBy && (await answers()) !== 0) await sleep(200);
  const deadline = Date.now() + 15 * 60_000;
  while (Date.now() < deadline && (await answers()) === 0) await sleep(500);
  session.set({ session: undefined });
  try {
    await checkSession();
  } catch {
    loggedOut(reason);
  }
  const now = session.get();
  if (!now.session) session.set({ session: null, reason });
}
