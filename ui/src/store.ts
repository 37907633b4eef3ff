/**
 * A tiny observable value and the hook that re-renders a component when it changes.
 * @module
 */
import { useEffect, useState } from "preact/hooks";

/** A value that tells its subscribers when it changes. */
export class Store<T> {
  #value: T;
  #subscribers = new Set<(value: T) => void>();

  constructor(value: T) {
    this.#value = value;
  }

  /** The current value. */
  get(): T {
    return this.#value;
  }

  /** Replaces the value and tells every subscriber. */
  set(value: T): void {
    this.#value = value;
    for (const fn of [...this.#subscribers]) fn(value);
  }

  /** Calls `fn` on every change; returns the unsubscribe function. */
  subscribe(fn: (value: T) => void): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }
}

/** The store's value; the component re-renders on every change. */
export function useStore<T>(store: Store<T>): T {
  const value = store.get();
  const [, setTick] = useState(0);
  useEffect(() => {
    const unsubscribe = store.subscribe(() => setTick((n) => n + 1));
    // A change between render and subscription would otherwise be missed.
    if (store.get() !== value) setTick((n) => n + 1);
    return unsubscribe;
  }, [store]);
  return value;
}
