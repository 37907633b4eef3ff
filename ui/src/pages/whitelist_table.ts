/**
 * The whitelist table with search, the "hide deleted entries" toggle and pages of 10.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { t } from "../i18n.ts";
import type { WhitelistEntry } from "../types.ts";
import { PAGE_SIZE, pageCount, visibleRows } from "./whitelist_model.ts";
import { WhitelistRow } from "./whitelist_row.ts";

/** Props of {@linkcode WhitelistTable}. */
export interface TableProps {
  entries: WhitelistEntry[];
  /** Changes when the whole list is replaced (load, import): the filter applies anew. */
  generation: number;
  errors: Record<number, Record<string, string>>;
  /** Show the page of this entry (-1: the first page); then `onJumped`. */
  jump: number | null;
  onJumped(): void;
  onChange(index: number, patch: Partial<WhitelistEntry>): void;
  onAdd(): void;
}

/** The table. */
export function WhitelistTable(props: TableProps): VNode {
  const [search, setSearch] = useState("");
  const [hideDeleted, setHideDeleted] = useState(true);
  const [page, setPage] = useState(0);
  // The filter applies when it changes or the list is replaced, not on every edit: a row being
  // edited (its UID no longer matching, or just deleted) stays in view until then.
  const filterKey = [
    search,
    hideDeleted,
    props.entries.length,
    props.generation,
  ].join("\u0000");
  const indices = useMemo(
    () => visibleRows(props.entries, { search, hideDeleted }).map((r) => r.index),
    [filterKey],
  );
  const rows = indices.flatMap((index) => {
    const entry = props.entries[index];
    return entry ? [{ entry, index }] : [];
  });
  const pages = pageCount(rows.length);
  const current = Math.min(page, pages - 1);

  useEffect(() => {
    if (props.jump === null) return;
    if (props.jump < 0) setPage(0);
    else {
      let at = rows.findIndex((r) => r.index === props.jump);
      if (at < 0) {
        setSearch("");
        setHideDeleted(false);
        at = props.jump;
      }
      setPage(Math.floor(at / PAGE_SIZE));
      setTimeout(
        () => document.getElementById(`wl-${props.jump}-uid`)?.focus(),
        0,
      );
    }
    props.onJumped();
  }, [props.jump]);

  return html`
    <div class="wl-tools">
      <div class="field search">
        <label for="wl-search">${t("wl.search")}</label>
        <input id="wl-search" type="search" value=${search} autocomplete="off"
          onInput=${(e: Event) => {
            setSearch((e.target as HTMLInputElement).value);
            setPage(0);
          }} />
      </div>
      <div class="check">
        <input id="wl-hide" type="checkbox" checked=${hideDeleted}
          onChange=${(e: Event) => setHideDeleted((e.target as HTMLInputElement).checked)} />
        <label for="wl-hide">${t("wl.hideDeleted")}</label>
      </div>
      <button type="button" onClick=${props.onAdd}>+ ${t("wl.add")}</button>
    </div>
    <div class="table-wrap">
      <table class="table wl-table">
        <thead>
          <tr>
            <th scope="col">UID</th>
            <th scope="col">GID</th>
            <th scope="col">${t("wl.expiry")}</th>
            <th scope="col">${t("wl.state")}</th>
            <th scope="col"><span class="sr-only">${t("wl.actions")}</span></th>
          </tr>
        </thead>
        <tbody>
              ${rows.slice(current * PAGE_SIZE, (current + 1) * PAGE_SIZE).map((
                r,
              ) =>
                html`
                  <${WhitelistRow} key=${r.index} entry=${r.entry} index=${r
                    .index}
                    errors=${props.errors[r.index]} onChange=${props
                      .onChange} />
                `
              )}
              ${rows.length === 0
                ? html`
                  <tr>
                    <td colspan="5" class="muted">${t("wl.empty")}</td>
                  </tr>
                `
                : null}
            </tbody>
      </table>
    </div>
    <nav class="pager" aria-label=${t("wl.pages")}>
      <button type="button" aria-label=${t(
        "wl.first",
      )} disabled=${current === 0}
        onClick=${() => setPage(0)}>«</button>
      <button type="button" aria-label=${t("wl.prev")} disabled=${current === 0}
        onClick=${() => setPage(current - 1)}>‹</button>
      <span data-id="page">${t("wl.page", {
        page: current + 1,
        pages,
        n: rows.length,
      })}</span>
      <button type="button" aria-label=${t(
        "wl.next",
      )} disabled=${current >= pages - 1}
        onClick=${() => setPage(current + 1)}>›</button>
      <button type="button" aria-label=${t(
        "wl.last",
      )} disabled=${current >= pages - 1}
        onClick=${() => setPage(pages - 1)}>»</button>
    </nav>
  ` as VNode;
}
