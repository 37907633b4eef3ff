/**
 * Import and export of the whitelist as CSV (`UID,GID,Expiry,Authorization`): import
 * appends (updates) or replaces, shows the processed lines (header included) and the refused
 * lines; nothing is stored until Save.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useState } from "preact/hooks";
import { download, post } from "../api.ts";
import { errorText } from "../components/settings_form.ts";
import { issueText, t } from "../i18n.ts";
import type { ImportAnswer, WhitelistEntry } from "../types.ts";

/** Props of {@linkcode ImportExport}. */
export interface ImportProps {
  dirty: boolean;
  /** The list as the page shows it: the import merges into it, not into the stored one. */
  current: WhitelistEntry[];
  onImported(answer: ImportAnswer): void;
}

/** The import and export controls. */
export function ImportExport(props: ImportProps): VNode {
  const [file, setFile] = useState<File | null>(null);
  const [result, setResult] = useState<ImportAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (mode: "append" | "replace") => {
    if (!file) return;
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      // The station merges into the list the page shows (`current`), so a second import
      // builds on the first one before anything is saved.
      const answer = await post<ImportAnswer>("/api/whitelist/import", {
        mode,
        csv: await file.text(),
        current: props.current,
      });
      setResult(answer);
      props.onImported(answer);
    } catch (e) {
      setResult(null);
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const exportCsv = () => {
    setError(null);
    download("/api/whitelist.csv", "whitelist.csv").catch((e) => setError(errorText(e)));
  };

  return html`<div class="import">
    <div class="import-row">
      <div class="field">
        <label for="wl-file">${t("wl.file")}</label>
        <input id="wl-file" type="file" accept=".csv,text/csv"
          onChange=${(e: Event) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />
      </div>
      <div class="actions">
        <button type="button" disabled=${!file || busy} onClick=${() => run("append")}>
          ${t("wl.importAppend")}</button>
        <button type="button" disabled=${!file || busy} onClick=${() => run("replace")}>
          ${t("wl.importReplace")}</button>
        <button type="button" onClick=${exportCsv}>Export</button>
      </div>
    </div>
    ${props.dirty ? html`<p class="hint">${t("wl.exportSaved")}</p>` : null}
    ${error ? html`<p class="msg msg-error" role="alert">${error}</p>` : null}
    ${
    result
      ? html`<div class="import-result" data-id="import-result">
          <p><strong data-id="processed">Processed: ${result.processedLines}</strong>
            ${
        result.errors.length > 0 ? ` · ${t("wl.importErrors", { n: result.errors.length })}` : ""
      }</p>
          ${
        result.errors.length > 0
          ? html`<ul class="msg msg-error import-errors" data-id="import-errors">${
            result.errors.map((e) =>
              html`<li>${t("wl.line", { line: e.line })}: ${issueText(e)}</li>`
            )
          }</ul>`
          : null
      }
        </div>`
      : null
  }
  </div>` as VNode;
}
