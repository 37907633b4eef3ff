/**
 * The audit log (installer only): who changed what and when, by period and actor, paged, with
 * the CSV export.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, download, get } from "../api.ts";
import { SelectField, TextField } from "../components/field.ts";
import { useLocalForm } from "../components/local_form.ts";
import { dateBefore, Pager, query } from "../components/period.ts";
import { fmtDateTime, type Key, t } from "../i18n.ts";

interface Entry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  oldValue: string | null;
  newValue: string | null;
  detail: string | null;
}
interface AuditPage {
  page: number;
  pages: number;
  total: number;
  entries: Entry[];
}

const ACTORS = ["installer", "owner", "ocpp", "modbus", "mqtt", "station"] as const;
const PAGE_SIZE = 25;

/** The audit log page. */
export function AuditPage(): VNode {
  const form = useLocalForm({ from: dateBefore(29), to: dateBefore(0), actor: "" });
  const [applied, setApplied] = useState(form.values);
  const [page, setPage] = useState(1);
  const [data, setData] = useState<AuditPage | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let gone = false;
    get<AuditPage>(
      `/api/audit?${query(applied, { page: String(page), pageSize: String(PAGE_SIZE) })}`,
    ).then((d) => {
      if (gone) return;
      setData(d);
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
  const exportCsv = () => {
    download(`/api/audit.csv?${query(applied)}`, "audit.csv")
      .catch((e) => setProblem(e instanceof Error ? e.message : String(e)));
  };
  const pages = data?.pages ?? 1;
  return html`
    <h1>${t("page.audit")}</h1>
    <section class="card" aria-labelledby="audit-filter">
      <h2 id="audit-filter">${t("audit.filter")}</h2>
      <form class="grid-3 hist-form" onSubmit=${apply} data-id="audit-form">
        <${TextField} f=${form} k="from" type="date" label=${t("hist.from")} />
        <${TextField} f=${form} k="to" type="date" label=${t("hist.to")} />
        <${SelectField} f=${form} k="actor" label=${t("audit.actor")} options=${[
          ["", t("audit.anyone")],
          ...ACTORS.map((a) => [a, t(`audit.actor.${a}` as Key)]),
        ]} />
        <div class="actions">
          <button type="submit" class="primary">${t("hist.apply")}</button>
          <button type="button" data-id="audit-csv" onClick=${exportCsv}>${t("hist.csv")}</button>
        </div>
      </form>
      ${problem ? html`<p class="msg msg-error" role="alert">${problem}</p>` : null}
    </section>
    <section class="card" aria-labelledby="audit-entries">
      <h2 id="audit-entries">${t("audit.entries", { n: data?.total ?? 0 })}</h2>
      <div class="table-wrap">
        <table class="table" data-id="audit-table">
          <thead>
            <tr>
              <th scope="col">${t("audit.col.time")}</th>
              <th scope="col">${t("audit.actor")}</th>
              <th scope="col">${t("audit.col.action")}</th>
              <th scope="col">${t("audit.col.target")}</th>
              <th scope="col">${t("audit.col.change")}</th>
            </tr>
          </thead>
          <tbody>${(data?.entries ?? []).map((e) =>
            html`
              <tr data-entry=${e.id}>
                <td>${fmtDateTime(e.at)}</td>
                <td>${t(`audit.actor.${e.actor}` as Key)}</td>
                <td>${e.action}</td>
                <td>${e.target ?? ""}</td>
                <td>${e.oldValue !== null || e.newValue !== null
                  ? `${e.oldValue ?? "–"} → ${e.newValue ?? "–"}`
                  : e.detail ?? ""}</td>
              </tr>
            `
          )}</tbody>
        </table>
      </div>
      <${Pager} page=${page} pages=${pages} setPage=${setPage} id="audit-page" />
    </section>
  ` as VNode;
}
