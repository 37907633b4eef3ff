/**
 * Authorization with a backend (M-1.8.1, OCPP 1.6 local list and cache): the master key
 * always; the local list (whitelist) and cache; the backend when online; the offline rules
 * `LocalAuthorizeOffline` and `AllowOfflineTxForUnknownId`.
 * @module
 */
import { sameIdTag, whitelistDecision } from "../core/mod.ts";
import type { Station } from "../runtime.ts";
import type { AuthCache } from "../store/mod.ts";
import type { AuthResult } from "../types.ts";
import { fromIdTagInfo } from "./conversions.ts";

/**
 * Updates the cache from the idTagInfo of a StartTransaction or StopTransaction answer
 * (OCPP 1.6 §3.5.2), unless the id tag is on the local list or the cache is off.
 */
export async function cacheIdTagInfo(
  station: Station,
  cache: AuthCache,
  idTag: string,
  idTagInfo: Parameters<typeof fromIdTagInfo>[0],
): Promise<void> {
  const v = station.settings.all();
  if (!v["auth.authorizationCacheEnabled"] || sameIdTag(idTag, v["auth.masterKey"])) return;
  const entry = await station.store.whitelist.get(idTag);
  if (entry && !entry.deleted) return;
  const result = fromIdTagInfo(idTagInfo);
  const before = await cache.get(idTag);
  // Transaction answers often leave out what Authorize said (group, expiry): keep it then.
  const kept = result.status === "Accepted" && before?.status === "Accepted"
    ? {
      ...(before.parentIdTag ? { parentIdTag: before.parentIdTag } : {}),
      ...(before.expiresAtMs !== undefined ? { expiresAtMs: before.expiresAtMs } : {}),
      ...result,
    }
    : result;
  await cache.put(idTag, kept, station.hardware.clock.nowMs());
}

/** What the authorizer asks of the OCPP client. */
export interface Backend {
  readonly online: boolean;
  call<T>(action: string, payload: unknown): Promise<T>;
}

function valid(result: AuthResult | undefined, nowMs: number): result is AuthResult {
  if (!result) return false;
  return result.status === "Accepted" &&
    (result.expiresAtMs === undefined || result.expiresAtMs > nowMs);
}

/** Builds the authorizer the station uses while a backend is configured. */
export function backendAuthorizer(station: Station, backend: Backend, cache: AuthCache) {
  return async (idTag: string): Promise<AuthResult> => {
    const v = station.settings.all();
    const nowMs = station.hardware.clock.nowMs();
    if (sameIdTag(idTag, v["auth.masterKey"])) return { status: "Accepted", source: "masterKey" };
    const mode = v["auth.identification"];
    const entry = v["auth.localAuthListEnabled"]
      ? await station.store.whitelist.get(idTag)
      : undefined;
    const local = entry && !entry.deleted ? whitelistDecision(entry, nowMs) : undefined;
    // The local list outranks the cache: a Blocked, Expired or Invalid entry there is never
    // overridden by an Accepted one cached, and ids on the list are not cached.
    const cached = v["auth.authorizationCacheEnabled"] && !local
      ? await cache.get(idTag)
      : undefined;
    const known = local
      ? (valid(local, nowMs) ? local : undefined)
      : valid(cached, nowMs)
      ? cached
      : undefined;

    if (backend.online) {
      if (mode === "validCard" && v["auth.localPreAuthorize"] && known) return known;
      try {
        const res = await backend.call<{ idTagInfo: Parameters<typeof fromIdTagInfo>[0] }>(
          "Authorize",
          { idTag },
        );
        const result = fromIdTagInfo(res.idTagInfo);
        if (v["auth.authorizationCacheEnabled"] && !local) await cache.put(idTag, result, nowMs);
        return result;
      } catch {
        // No answer: decide as offline.
      }
    }
    if (mode === "anyCard") return { status: "Accepted", source: "anyCard" };
    if (mode === "none" && sameIdTag(idTag, v["auth.dummyIdTag"])) {
      return { status: "Accepted", source: "dummy" };
    }
    if (v["auth.localAuthorizeOffline"] && known) return known;
    if (local && local.status !== "Accepted") return local;
    if (!local && !cached && v["auth.allowOfflineTxForUnknownId"]) {
      return { status: "Accepted", source: "anyCard" };
    }
    // Never an acceptance from here: an accepted id that is not `known` has expired, or
    // LocalAuthorizeOffline forbids using it offline.
    if (cached && cached.status !== "Accepted") return cached;
    if (cached && !valid(cached, nowMs)) return { status: "Expired", source: "cache" };
    return { status: "Invalid", source: !local && cached ? "cache" : "whitelist" };
  };
}
