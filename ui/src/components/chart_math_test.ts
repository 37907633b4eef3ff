import { deepStrictEqual, equal } from "node:assert/strict";
import { appendPoint, niceMax, seriesPath } from "./chart_math.ts";

Deno.test("niceMax() rounds up to 1, 2, 2.5 or 5 times a power of ten", () => {
  equal(niceMax(0), 1);
  equal(niceMax(0, 1000), 1000);
  equal(niceMax(1100), 2000);
  equal(niceMax(2200), 2500);
  equal(niceMax(11_000), 20_000);
  equal(niceMax(22_080), 25_000);
  equal(niceMax(44_000), 50_000);
});

Deno.test("seriesPath() scales points into the box and breaks the line at gaps", () => {
  const box = {
    fromMs: 0,
    toMs: 100,
    maxW: 1000,
    width: 200,
    height: 50,
    gapMs: 60,
  };
  equal(
    seriesPath([[0, 0], [50, 500], [100, 1000]], box),
    "M0.0 50.0L100.0 25.0L200.0 0.0",
  );
  equal(
    seriesPath([[0, 0], [10, 0], [90, 0]], box),
    "M0.0 50.0L20.0 50.0M180.0 50.0",
  );
  equal(seriesPath([[-10, 0], [110, 0]], box), "");
  equal(seriesPath([[10, 5000]], box), "M20.0 0.0");
});

Deno.test("appendPoint() keeps about one point per step and drops points older than the window", () => {
  let points = appendPoint([], [0, 1], 10, 100);
  points = appendPoint(points, [4, 2], 10, 100);
  deepStrictEqual(points, [[0, 1], [4, 2]]);
  points = appendPoint(points, [8, 3], 10, 100);
  deepStrictEqual(points, [[0, 1], [8, 3]]);
  points = appendPoint(points, [12, 4], 10, 100);
  deepStrictEqual(points, [[0, 1], [8, 3], [12, 4]]);
  points = appendPoint(points, [150, 5], 10, 100);
  deepStrictEqual(points, [[150, 5]]);
  deepStrictEqual(appendPoint([[20, 1]], [10, 2], 10, 100), [[20, 1]]);
});
