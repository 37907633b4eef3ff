/**
 * The live station status from `GET /api/events` (server-sent events): one EventSource for
 * the whole interface while logged in; no polling.
 * @module
 */
import { get } from "./api.ts";
import { checkSession, session } from "./session.ts";
import { Store } from "./store.ts";
import type { Status } from "./types.ts";

/** The latest status and whether the event stream is connected. */
export interface LiveState {
  status: Status | null;
  connected: boolean;
}

/** The live status. */
export const live: Store<LiveState> = new Store<LiveState>({
  status: null,
  connected: false,
});

let source: EventSource | null = null;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

function publish(status: Status): void {
  live.set({ status, connected: live.get().connected });
}

/** Opens the event stream (once); a first `GET /api/status` fills the page at once. */
export function startLive(): void {
  if (source) return;
  get<Status>("/api/status").then((s) => {
    if (!live.get().status) publish(s);
  }).catch(() => {});
  open();
}

function open(): void {
  const es = new EventSource("/api/events");
  source = es;
  es.addEventListener("status", (event) => {
    publish(JSON.parse((event as MessageEvent<string>).data));
  });
  es.onopen = () => live.set({ ...live.get(), connected: true });
  es.onerror = () => {
    live.set({ ...live.get(), connected: false });
    if (es.readyState !== EventSource.CLOSED || source !== es) return;
    // Closed for good (401, server gone): find out whether the session still exists.
    source = null;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      const again = () => {
        if (!source && session.get().session) open();
      };
      checkSession().then(again, again);
    }, 2_000);
  };
}

/** Closes the event stream (on logout). */
export function stopLive(): void {
  clearTimeout(retryTimer);
  source?.close();
  source = null;
  live.set({ status: null, connected: false });
}
