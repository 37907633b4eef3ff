/**
 * What a station holds from the factory: the master card in the whitelist (M-1.8.2).
 * @module
 */
import type { Store } from "./store/mod.ts";

const MASTER_KEY_INSTALLED = "factory.masterKeyInstalled";

/** Puts the master key into the whitelist once, on the first start of a station. */
export async function installFactoryWhitelist(
  store: Store,
  masterKey: string,
  nowMs: number,
): Promise<void> {
  if (await store.getMeta(MASTER_KEY_INSTALLED)) return;
  await store.whitelist.apply({
    upsert: [{
      uid: masterKey,
      gid: null,
      expiryAtMs: null,
      authorization: "accepted",
      deleted: false,
    }],
  }, nowMs);
  await store.setMeta(MASTER_KEY_INSTALLED, masterKey);
}
