/**
 * The arithmetic of the power chart, kept pure for tests: a "nice" axis maximum, the SVG
 * path of a series with gaps, and appending live points to a window.
 * @module
 */

/** One point: time in ms and power in W. */
export type Point = [atMs: number, powerW: number];

/** The smallest of 1, 2, 2.5, 5 × 10^n that is at least `value` (and at least `floor`). */
export function niceMax(value: number, floor = 1): number {
  const v = Math.max(value, floor);
  const exp = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * exp >= v) return step * exp;
  }
  return 10 * exp;
}

/**
 * The SVG path (`M x y L x y …`) of `points` between `fromMs` and `toMs` in a `width` ×
 * `height` box, `maxW` at the top; a gap longer than `gapMs` starts a new line.
 */
export function seriesPath(
  points: readonly Point[],
  box: {
    fromMs: number;
    toMs: number;
    maxW: number;
    width: number;
    height: number;
    gapMs: number;
  },
): string {
  const { fromMs, toMs, maxW, width, height, gapMs } = box;
  const span = Math.max(1, toMs - fromMs);
  let path = "";
  let lastAt = -Infinity;
  for (const [atMs, powerW] of points) {
    if (atMs < fromMs || atMs > toMs) continue;
    const x = ((atMs - fromMs) / span) * width;
    const y = height - (Math.max(0, Math.min(powerW, maxW)) / maxW) * height;
    path += `${atMs - lastAt > gapMs ? "M" : "L"}${x.toFixed(1)} ${y.toFixed(1)}`;
    lastAt = atMs;
  }
  return path;
}

/**
 * Adds a live point to a series: within `stepMs` of the last point it replaces that point's
 * value (keeping the series at about one point per step); points older than `windowMs`
 * before it are dropped. Returns a new array.
 */
export function appendPoint(
  points: readonly Point[],
  point: Point,
  stepMs: number,
  windowMs: number,
): Point[] {
  const last = points.at(-1);
  const kept = points.filter(([at]) => at >= point[0] - windowMs);
  if (last && point[0] < last[0]) return kept;
  if (
    last && kept.length > 1 && point[0] - kept[kept.length - 2]![0] < stepMs
  ) {
    kept[kept.length - 1] = point;
    return kept;
  }
  kept.push(point);
  return kept;
}
