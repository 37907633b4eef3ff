/**
 * Metrics in the Prometheus text exposition format (version 0.0.4): counters, gauges and
 * histograms, collected from their owners when scraped. The format is small, so no library:
 * `# HELP`, `# TYPE`, then `name{label="value"} number` lines. Label sets are bounded by their
 * owners (OCPP actions, Modbus functions, charge points), never by input.
 * @module
 */
import { codeUnitOrder } from "./order.ts";

/** The kinds of metric this station exposes. */
export type MetricType = "counter" | "gauge" | "histogram";

/** One line of a family: labels, value, and a name suffix (`_bucket`, `_sum`, `_count`). */
export interface Sample {
  labels?: Record<string, string | number>;
  value: number;
  suffix?: string;
}

/** A metric family: its name, help, type and samples. */
export interface Family {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

/** A family with one sample: `gauge("x", "help", 3)`. */
export function single(name: string, help: string, type: MetricType, value: number): Family {
  return { name, help, type, samples: [{ value }] };
}

/** A histogram with fixed upper bounds; observations are counted, never kept. */
export class Histogram {
  readonly bounds: readonly number[];
  #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = [...bounds].sort((a, b) => a - b);
    this.#counts = this.bounds.map(() => 0);
  }

  observe(value: number): void {
    this.#sum += value;
    this.#count++;
    const i = this.bounds.findIndex((b) => value <= b);
    if (i >= 0) this.#counts[i]!++;
  }

  get count(): number {
    return this.#count;
  }

  /** Cumulative `_bucket` lines, `_sum` and `_count`, with `labels` on each. */
  samples(labels: Record<string, string | number> = {}): Sample[] {
    let running = 0;
    const buckets = this.bounds.map((b, i) => {
      running += this.#counts[i]!;
      return { labels: { ...labels, le: String(b) }, value: running, suffix: "_bucket" };
    });
    return [
      ...buckets,
      { labels: { ...labels, le: "+Inf" }, value: this.#count, suffix: "_bucket" },
      { labels, value: this.#sum, suffix: "_sum" },
      { labels, value: this.#count, suffix: "_count" },
    ];
  }
}

/** Counts by a bounded key (an action, a function code): at most `max` keys, then `other`. */
export class KeyedCounter {
  #counts = new Map<string, number>();
  constructor(readonly max = 64) {}

  inc(key: string, by = 1): void {
    const k = this.#counts.has(key) || this.#counts.size < this.max ? key : "other";
    this.#counts.set(k, (this.#counts.get(k) ?? 0) + by);
  }

  get(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  /** By key in code-unit order. */
  entries(): [string, number][] {
    return [...this.#counts].sort(([a], [b]) => codeUnitOrder(a, b));
  }
}

const escapeLabel = (v: string) =>
  v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
const escapeHelp = (v: string) => v.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");

function number(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/** The text format of `families`, one `# HELP` and `# TYPE` each, ending in a newline. */
export function renderText(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels ?? {});
      const text = labels.length === 0
        ? ""
        : `{${labels.map(([k, v]) => `${k}="${escapeLabel(String(v))}"`).join(",")}}`;
      lines.push(`${f.name}${s.suffix ?? ""}${text} ${number(s.value)}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** Where owners register what they expose; `collect()` asks each of them. */
export class MetricsRegistry {
  #collectors = new Set<() => Family[] | Promise<Family[]>>();
  #failures = 0;

  /** Adds a collector; the returned function removes it again. */
  add(collect: () => Family[] | Promise<Family[]>): () => void {
    this.#collectors.add(collect);
    return () => this.#collectors.delete(collect);
  }

  /** Every family of every collector; a collector that fails is left out and counted. */
  async collect(): Promise<Family[]> {
    const out: Family[] = [];
    for (const c of this.#collectors) {
      try {
        out.push(...await c());
      } catch {
        // A failing owner (a closed database, say) must not take the others' metrics with it.
        this.#failures++;
      }
    }
    out.push(
      single(
        "ladewerk_metrics_collect_failures_total",
        "Collectors that failed while metrics were scraped",
        "counter",
        this.#failures,
      ),
    );
    return out;
  }
}
