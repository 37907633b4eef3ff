/**
 * What a benchmark module reports: named figures with their units.
 * @module
 */

/** One measured figure, such as `startup median 812 ms`. */
export interface Figure {
  /** What was measured, such as `startup median`. */
  name: string;
  /** The number, in `unit`. */
  value: number;
  /** Unit of `value`, such as `ms` or `MiB`. */
  unit: string;
  /** How it was measured, in a few words. */
  note?: string;
}

/** A benchmark module: `bench/main.ts` runs its `run()` and prints the figures. */
export interface BenchModule {
  /** Measures and returns the figures. */
  run(): Promise<Figure[]>;
}

/** Median of `values` (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  if (values.length === 0) throw new RangeError("Cannot take the median: no values");
  const sorted = values.toSorted((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
