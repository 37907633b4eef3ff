/**
 * Session history (B-1): the sessions of a period, optionally of one card, paged, with their
 * totals, the energy per day as a bar chart, the totals per card and month, and the CSV export
 * for accounting. The period is in local dates of the station's time zone.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, download, get } from "../api.ts";
import { TextField } from "../components/field.ts";
import { useLocalForm } from "../components/local_form.ts";
import { dateBefore, Pager, query } from "../components/period.ts";
import { fmtDateTime, fmtDuration, fmtNumber, t } from "../i18n.ts";

interface Session {
  id: number;
  connectorId: number;
  idTag: string;
  startedAt: string;
  stoppedAt: string | null;
  durationS: number;
  energyWh: number;
  stopReason: string | null;
}
interface Totals {
  count: number;
  energyWh: number;
  durationS: number;
}
interface Page {
  page: number;
  pages: number;
  totals: Totals;
  sessions: Session[];
}
interface Summary {
  months: (Totals & { month: string; idTag: string })[];
  days: { day: string; count: number; energyWh: number }[];
}

const PAGE_SIZE = 20;
const kwh = (wh: number) => fmtNumber(wh / 1000, 2);

/** Energy per day: one bar a day, scaled to the largest; the dates below as text. */
function DayChart(props: { days: Summary["days"] }): VNode {
  const { days } = props;
  const max = Math.max(1, ...days.map((d) => d.energyWh));
  const h = 100;
  const step = 100 / Math.max(1, days.length);
  return html`
    <figure class="day-chart" data-id="hist-chart">
      <svg viewBox=${`0 0 100 ${h}`} preserveAspectRatio="none" role="img" aria-label=${t(
        "hist.chartLabel",
        {
          kwh: kwh(days.reduce((s, d) => s + d.energyWh, 0)),
          n: days.length,
        },
      )}>
          ${days.map((d, i) => {
            const bh = (d.energyWh / max) * h;
            return html`
              <rect x=${i * step + step * 0.1} y=${h - bh} width=${step * 0.8}
                height=${bh} class="bar-fill">
                <title>${d.day}: ${kwh(d.energyWh)} kWh (${d.count})</title>
              </rect>
            `;
          })}
        </svg>
      <div class="axis"><span>${days[0]?.day ?? ""}</span><span>${days.at(-1)?.day ??
        ""}</span></div>
      <figcaption class="muted">${t("hist.chartCaption", { kwh: kwh(max) })}</figcaption>
    </figure>
  ` as VNode;
}

/** The history page. */
export function HistoryPage(): VNode {
  const form = useLocalForm({ from: dateBefore(29), to: dateBefore(0), idTag: "" });
  const [applied, setApplied] = useState(form.values);
  const [page, setPage] = useState(1);
  const [data, setData] = useState<Page | null>(null);
  const [summary, setSummary] = useState<Summary | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let gone = false;
    const q = query(applied);
    Promise.all([
      get<Page>(
        `/api/sessions?${query(applied, { page: String(page), pageSize: String(PAGE_SIZE) })}`,
      ),
      get<Summary>(`/api/sessions/summary?${q}`),
    ]).then(([p, s]) => {
      if (gone) return;
      setData(p);
      setSummary(s);
      setProblem(null);
    }).catch((e) => {
      if (gone) return;
      if (e instanceof ApiError) {
        const rest = form.showRefusal(e);
        setProblem(rest.length > 0 ? rest.join(" ") : null);
      } else setProblem(String(e));
    });
    return () => {
      gone = true;
    };
  }, [applied, page]);

  const apply = (e: Event) => {
    e.preventDefault();
    setPage(1);
    setApplied({ ...form.values });
  };
  const pages = data?.pages ?? 1;
  const exportCsv = () => {
    download(`/api/sessions.csv?${query(applied)}`, `sessions-${applied.from}-${applied.to}.csv`)
      .catch((e) => setProblem(e instanceof Error ? e.message : String(e)));
  };

  return html`
    <h1>${t("page.history")}</h1>
    <section class="card" aria-labelledby="hist-filter">
      <h2 id="hist-filter">${t("hist.filter")}</h2>
      <form class="grid-3 hist-form" onSubmit=${apply} data-id="hist-form">
        <${TextField} f=${form} k="from" type="date" label=${t("hist.from")} />
        <${TextField} f=${form} k="to" type="date" label=${t("hist.to")} />
        <${TextField} f=${form} k="idTag" label=${t("hist.card")} hint=${t("hist.cardHint")} />
        <div class="actions">
          <button type="submit" class="primary">${t("hist.apply")}</button>
          <button type="button" data-id="hist-csv" onClick=${exportCsv}>${t("hist.csv")}</button>
        </div>
      </form>
      ${problem ? html`<p class="msg msg-error" role="alert">${problem}</p>` : null}
    </section>

    <section class="card" aria-labelledby="hist-sessions">
      <h2 id="hist-sessions">${t("hist.sessions")}</h2>
      ${data
        ? html`<p data-id="hist-totals">${
          t("hist.totals", {
            n: data.totals.count,
            kwh: kwh(data.totals.energyWh),
            duration: fmtDuration(data.totals.durationS),
          })
        }</p>`
        : html`<p class="muted">${t("common.loading")}</p>`}
      ${summary && summary.days.length > 0 ? html`<${DayChart} days=${summary.days} />` : null}
      <div class="table-wrap">
        <table class="table" data-id="hist-table">
          <thead><tr>
            <th scope="col">${t("hist.col.start")}</th>
            <th scope="col">${t("hist.col.stop")}</th>
            <th scope="col">${t("hist.col.point")}</th>
            <th scope="col">${t("hist.col.card")}</th>
            <th scope="col" class="num">${t("hist.col.duration")}</th>
            <th scope="col" class="num">${t("hist.col.energy")}</th>
            <th scope="col">${t("hist.col.reason")}</th>
          </tr></thead>
          <tbody>${(data?.sessions ?? []).map((s) =>
            html`
              <tr data-session=${s.id}>
                <td>${fmtDateTime(s.startedAt)}</td>
                <td>${s.stoppedAt ? fmtDateTime(s.stoppedAt) : t("hist.running")}</td>
                <td>${s.connectorId}</td>
                <td>${s.idTag}</td>
                <td class="num">${fmtDuration(s.durationS)}</td>
                <td class="num">${kwh(s.energyWh)}</td>
                <td>${s.stopReason ?? "–"}</td>
              </tr>
            `
          )}</tbody>
        </table>
      </div>
      ${data && data.sessions.length === 0
        ? html`<p class="muted" data-id="hist-empty">${t("hist.empty")}</p>`
        : null}
      <${Pager} page=${page} pages=${pages} setPage=${setPage} id="hist-page" />
    </section>

    <section class="card" aria-labelledby="hist-months">
      <h2 id="hist-months">${t("hist.months")}</h2>
      <div class="table-wrap">
        <table class="table" data-id="hist-month-table">
          <thead>
            <tr>
              <th scope="col">${t("hist.col.month")}</th>
              <th scope="col">${t("hist.col.card")}</th>
              <th scope="col" class="num">${t("hist.col.count")}</th>
              <th scope="col" class="num">${t("hist.col.energy")}</th>
            </tr>
          </thead>
          <tbody>${(summary?.months ?? []).map((m) =>
            html`
              <tr data-month=${`${m.month} ${m.idTag}`}>
                <td>${m.month}</td>
                <td>${m.idTag}</td>
                <td class="num">${m.count}</td>
                <td class="num">${kwh(m.energyWh)}</td>
              </tr>
            `
          )}</tbody>
        </table>
      </div>
    </section>
  ` as VNode;
}
