/**
 * What the period-filtered pages (History, Audit log) share: local dates for the date inputs,
 * the query of a filter, and the pager.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { t } from "../i18n.ts";

/** `YYYY-MM-DD` of the local date `days` before today. */
export function dateBefore(days: number): string {
  const d = new Date();
  d.setDate(d.getDate() - days);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${
    String(d.getDate()).padStart(2, "0")
  }`;
}

/** The query string of a filter's non-empty fields and `extra`. */
export function query(f: Record<string, string>, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...f, ...extra })) if (v.trim()) q.set(k, v.trim());
  return q.toString();
}

/** Previous and next page around "Page n of m". */
export function Pager(
  props: { page: number; pages: number; setPage: (n: number) => void; id: string },
): VNode {
  const { page, pages, setPage } = props;
  return html`
    <nav class="pager" aria-label=${t("hist.pages")}>
      <button type="button" aria-label=${t("wl.prev")} disabled=${page <= 1}
        onClick=${() => setPage(page - 1)}>‹</button>
      <span data-id=${props.id}>${t("hist.page", { page, pages })}</span>
      <button type="button" aria-label=${t("wl.next")} disabled=${page >= pages}
        onClick=${() => setPage(page + 1)}>›</button>
    </nav>
  ` as VNode;
}
