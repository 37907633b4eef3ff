/**
 * The power chart of one charge point over the last hour: a hand-made SVG (no chart
 * library) that follows the width of its box.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { fmtNumber, t } from "../i18n.ts";
import { niceMax, type Point, seriesPath } from "./chart_math.ts";

const HEIGHT = 150;
const LEFT = 56;
const BOTTOM = 20;
const TOP = 8;
const WINDOW_MS = 60 * 60_000;

/** The chart; `nowMs` is the right edge (station time), `stepS` the history step. */
export function PowerChart(
  props: { id: number; points: readonly Point[]; nowMs: number; stepS: number },
): VNode {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(600);
  useEffect(() => {
    const el = box.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => setWidth(Math.max(200, el.clientWidth)));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const plotW = width - LEFT - 8;
  const plotH = HEIGHT - TOP - BOTTOM;
  const maxSeen = Math.max(0, ...props.points.map((p) => p[1]));
  const maxW = niceMax(maxSeen, 1000);
  const fromMs = props.nowMs - WINDOW_MS;
  const path = seriesPath(props.points, {
    fromMs,
    toMs: props.nowMs,
    maxW,
    width: plotW,
    height: plotH,
    gapMs: Math.max(3 * props.stepS * 1000, 30_000),
  });
  const last = props.points.at(-1)?.[1] ?? 0;
  const kw = (w: number) => `${fmtNumber(w / 1000, w % 1000 ? 1 : 0)} kW`;
  const yTicks = [0, maxW / 2, maxW];
  const xTicks = plotW < 400 ? [60, 30, 0] : [60, 45, 30, 15, 0];
  const label = t("dash.chartLabel", {
    id: props.id,
    now: kw(last),
    max: kw(maxSeen),
  });

  return html`
    <div class="chart" ref=${box}>
      <svg width=${width} height=${HEIGHT} viewBox=${`0 0 ${width} ${HEIGHT}`} role="img"
        aria-label=${label}>
        <g transform=${`translate(${LEFT} ${TOP})`}>
            ${yTicks.map((w) => {
              const y = plotH - (w / maxW) * plotH;
              return html`
                <line class="grid" x1="0" x2=${plotW} y1=${y} y2=${y} />
                <text class="tick" x="-6" y=${y + 4} text-anchor="end">${kw(
                  w,
                )}</text>
              `;
            })}
            ${xTicks.map((m) => {
              const x = plotW - (m / 60) * plotW;
              return html`
                <text class="tick" x=${x} y=${plotH + 15}
                  text-anchor=${m === 60 ? "start" : m === 0 ? "end" : "middle"}>
                          ${m === 0 ? t("dash.now") : `−${m} min`}</text>
              `;
            })}
            ${path ? html`<path class="series" d=${path} />` : null}
            ${path
              ? null
              : html`<text class="tick" x=${plotW / 2} y=${plotH / 2} text-anchor="middle">
          ${t("dash.noData")}</text>`}
          </g>
      </svg>
    </div>
  ` as VNode;
}
