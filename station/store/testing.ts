/**
 * Test helper: a real store on a fresh temporary data directory, removed afterwards.
 * @module
 */
import { openStore, type Store } from "./mod.ts";

/** Runs `fn` with a store in a temporary directory named after `name`. */
export async function withStore(
  name: string,
  fn: (store: Store) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: `ladewerk_${name}_` });
  try {
    await using store = await openStore(dir);
    await fn(store);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
