/**
 * A listener list for the `on…` methods of the ports.
 * @module
 */
import type { Unsubscribe } from "./ports.ts";

/**
 * Listeners of one kind of event. Emitting calls every listener subscribed when the emit
 * began and still subscribed when its turn comes; a listener that throws does not keep the
 * others from hearing the event, its error is rethrown once all were called.
 */
export class Listeners<Args extends unknown[]> {
  // Entries are objects so the same function may subscribe twice and unsubscribe once.
  #entries = new Set<{ listener: (...args: Args) => void }>();

  /** Number of subscribed listeners. */
  get size(): number {
    return this.#entries.size;
  }

  /** Subscribes `listener`; the returned function unsubscribes it (twice is harmless). */
  add(listener: (...args: Args) => void): Unsubscribe {
    const entry = { listener };
    this.#entries.add(entry);
    return () => {
      this.#entries.delete(entry);
    };
  }

  /** Calls the listeners with `args`; throws their error (AggregateError for several). */
  emit(...args: Args): void {
    const errors: unknown[] = [];
    for (const entry of [...this.#entries]) {
      if (!this.#entries.has(entry)) continue;
      try {
        entry.listener(...args);
      } catch (error) {
        errors.push(error);
      }
    }
    throwErrors(errors);
  }

  /** Unsubscribes every listener. */
  clear(): void {
    this.#entries.clear();
  }
}

/** Throws nothing, the one error, or an AggregateError of several. */
export function throwErrors(errors: readonly unknown[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} listeners failed`);
}
