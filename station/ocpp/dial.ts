/**
 * Where and when the station dials its backend: the URL rule of OCPP-J 1.6 §3.1.1 and the
 * reconnect back-off. Pure functions.
 * @module
 */

/**
 * The URL the station dials: `<configured URL>/<chargeBoxId>`, the id percent-encoded and
 * appended exactly once. A configured URL that already ends with `/<chargeBoxId>` is dialled
 * as it is; a query string stays at the end.
 */
export function dialUrl(configured: string, chargeBoxId: string): string {
  const id = encodeURIComponent(chargeBoxId);
  const q = configured.indexOf("?");
  const base = (q < 0 ? configured : configured.slice(0, q)).replace(/\/+$/, "");
  const query = q < 0 ? "" : configured.slice(q);
  const last = base.slice(base.lastIndexOf("/") + 1);
  const endsWithId = base.includes("://") && base.lastIndexOf("/") > base.indexOf("://") + 2 &&
    (last === id || safeDecode(last) === chargeBoxId);
  return `${endsWithId ? base : `${base}/${id}`}${query}`;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Longest wait between two connection attempts. */
export const RECONNECT_CAP_MS = 300_000;

/**
 * Wait before connection attempt `attempt + 1` (0 = the first retry): the cap doubles from
 * 1 s up to 5 min, and the wait is drawn uniformly from the upper half of it (jitter that
 * never collapses to nothing, so the waits grow whatever the draw). The attempt counter is
 * reset only when a BootNotification is Accepted, not when a socket opens.
 */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const capMs = Math.min(RECONNECT_CAP_MS, 1000 * 2 ** Math.min(Math.max(0, attempt), 20));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(capMs / 2 + (r * capMs) / 2);
}

/** Wait before a refused transaction message is sent again: interval × attempt, ≤ 1 h. */
export function retryDelayMs(retryIntervalS: number, attempt: number): number {
  return Math.min(3_600_000, Math.max(1, retryIntervalS) * 1000 * Math.max(1, attempt));
}
