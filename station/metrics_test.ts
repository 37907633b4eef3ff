import assert from "node:assert/strict";
import { Histogram, KeyedCounter, MetricsRegistry, renderText, single } from "./metrics.ts";

Deno.test("renderText() writes HELP, TYPE and samples, escaping label values and help", () => {
  const text = renderText([
    single("a_total", "Counts a\nthing \\ here", "counter", 3),
    {
      name: "b",
      help: "B",
      type: "gauge",
      samples: [
        { labels: { path: 'a"b\\c\nd', n: 2 }, value: 1.5 },
        { value: Number.NaN },
        { value: Infinity },
      ],
    },
  ]);
  assert.equal(
    text,
    [
      "# HELP a_total Counts a\\nthing \\\\ here",
      "# TYPE a_total counter",
      "a_total 3",
      "# HELP b B",
      "# TYPE b gauge",
      'b{path="a\\"b\\\\c\\nd",n="2"} 1.5',
      "b NaN",
      "b +Inf",
      "",
    ].join("\n"),
  );
});

Deno.test("Histogram counts into cumulative buckets with +Inf, sum and count", () => {
  const h = new Histogram([1, 0.1, 0.5]);
  for (const v of [0.05, 0.1, 0.3, 2, 0.7]) h.observe(v);
  assert.deepEqual(
    h.samples({ a: "x" }).map((s) => [s.suffix, s.labels?.le ?? null, Number(s.value.toFixed(9))]),
    [
      ["_bucket", "0.1", 2],
      ["_bucket", "0.5", 3],
      ["_bucket", "1", 4],
      ["_bucket", "+Inf", 5],
      ["_sum", null, 3.15],
      ["_count", null, 5],
    ],
  );
});

Deno.test("KeyedCounter keeps at most its keys and counts the rest as other", () => {
  const c = new KeyedCounter(2);
  c.inc("b");
  c.inc("a", 2);
  c.inc("c");
  c.inc("d");
  c.inc("a");
  assert.deepEqual(c.entries(), [["a", 3], ["b", 1], ["other", 2]]);
});

Deno.test("MetricsRegistry collects every collector; a failing one is left out and counted", async () => {
  const r = new MetricsRegistry();
  r.add(() => [single("x", "X", "gauge", 1)]);
  const remove = r.add(() => {
    throw new Error("closed");
  });
  r.add(() => Promise.resolve([single("y", "Y", "gauge", 2)]));
  const names = (await r.collect()).map((f) => `${f.name} ${f.samples[0]?.value}`);
  assert.deepEqual(names, ["x 1", "y 2", "ladewerk_metrics_collect_failures_total 1"]);
  remove();
  assert.equal((await r.collect()).at(-1)!.samples[0]!.value, 1, "no new failure once removed");
});
