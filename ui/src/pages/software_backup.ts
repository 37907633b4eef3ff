/**
 * Backup and restore (B-3) on the Software page: download the set-up (secrets only with a
 * passphrase), and restore one: the file is checked first and the page shows what would change
 * and what is skipped; only then is it applied, all or nothing.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useState } from "preact/hooks";
import { ApiError, download, post } from "../api.ts";
import { TextField } from "../components/field.ts";
import { useLocalForm } from "../components/local_form.ts";
import { t } from "../i18n.ts";

interface Preview {
  sourceSerial: string;
  settings: { key: string; old: unknown; new: unknown }[];
  skipped: { key: string; reason: string }[];
  secrets: "none" | "restored" | "skipped";
  whitelist: { total: number; added: number; changed: number; removed: number };
  chargingProfiles: number;
  restartNeeded?: boolean;
}

const shown = (v: unknown) => typeof v === "string" ? v || "–" : JSON.stringify(v);

/** The backup card. */
export function BackupCard(): VNode {
  const form = useLocalForm({ passphrase: "", restorePassphrase: "" });
  const [file, setFile] = useState<unknown>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const fail = (e: unknown) => {
    if (e instanceof ApiError) {
      const rest = form.showRefusal(
        new ApiError(e.status, e.message, {
          issues: e.issues.map((i) =>
            i.field === "passphrase" && file ? { ...i, field: "restorePassphrase" } : i
          ),
        }),
      );
      setMessage(rest.length > 0 ? { ok: false, text: rest.join(" ") } : null);
    } else setMessage({ ok: false, text: String(e) });
  };
  const body = () => ({
    backup: file,
    ...(form.values.restorePassphrase ? { passphrase: form.values.restorePassphrase } : {}),
  });
  const save = async () => {
    setMessage(null);
    try {
      await download("/api/backup", "ladewerk-backup.json", {
        ...(form.values.passphrase ? { passphrase: form.values.passphrase } : {}),
      });
    } catch (e) {
      fail(e);
    }
  };
  const choose = async (e: Event) => {
    setPreview(null);
    setMessage(null);
    const f = (e.target as HTMLInputElement).files?.[0];
    if (!f) return;
    try {
      setFile(JSON.parse(await f.text()));
    } catch {
      setFile(null);
      setMessage({ ok: false, text: t("backup.notJson") });
    }
  };
  const check = async () => {
    setBusy(true);
    setMessage(null);
    try {
      setPreview(await post<Preview>("/api/backup/preview", body()));
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };
  const apply = async () => {
    setBusy(true);
    try {
      const r = await post<Preview>("/api/backup/restore", { ...body(), confirm: true });
      setPreview(null);
      setMessage({
        ok: true,
        text: r.restartNeeded
          ? `${t("backup.applied")} ${t("backup.restart")}`
          : t("backup.applied"),
      });
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<section class="card" id="backup" aria-labelledby="backup-title">
    <h2 id="backup-title">${t("backup.title")}</h2>
    <p class="hint">${t("backup.intro")}</p>
    <${TextField} f=${form} k="passphrase" type="password" label=${t("backup.passphrase")}
      hint=${t("backup.passphraseHint")} autocomplete="new-password" />
    <div class="actions">
      <button type="button" data-action="backup-save" onClick=${save}>${t("backup.save")}</button>
    </div>
    <h3>${t("backup.restoreTitle")}</h3>
    <div class="field">
      <label for="backup-file">${t("backup.file")}</label>
      <input id="backup-file" type="file" accept="application/json,.json" onChange=${choose} />
    </div>
    <${TextField} f=${form} k="restorePassphrase" type="password"
      label=${t("backup.restorePassphrase")} autocomplete="off" />
    <div class="actions">
      <button type="button" data-action="backup-check" disabled=${!file || busy} onClick=${check}>${
    t("backup.check")
  }</button>
    </div>
    ${
    preview
      ? html`<div class="backup-preview" data-id="backup-preview">
        <p>${t("backup.from", { serial: preview.sourceSerial })}</p>
        <p data-id="backup-whitelist">${t("backup.whitelist", preview.whitelist)}</p>
        ${
        preview.secrets === "skipped"
          ? html`<p class="msg msg-warn">${t("backup.secretsSkipped")}</p>`
          : null
      }
        <div class="table-wrap"><table class="table" data-id="backup-diff">
          <thead><tr><th scope="col">${t("backup.setting")}</th><th scope="col">${
        t("backup.now")
      }</th><th scope="col">${t("backup.then")}</th></tr></thead>
          <tbody>${
        preview.settings.map((d) =>
          html`
            <tr data-key=${d.key}>
              <td>${d.key}</td>
              <td>${shown(d.old)}</td>
              <td>${shown(d.new)}</td>
            </tr>
          `
        )
      }</tbody>
        </table></div>
        ${
        preview.skipped.length > 0
          ? html`
            <p>${t("backup.skipped")}</p>
            <ul data-id="backup-skipped">${preview.skipped.map((s) =>
              html`<li><code>${s.key}</code>: ${s.reason}</li>`
            )}</ul>
          `
          : null
      }
        <div class="actions">
          <button type="button" class="primary" data-action="backup-apply" disabled=${busy}
            onClick=${apply}>${t("backup.apply")}</button>
          <button type="button" onClick=${() => setPreview(null)}>${t("common.cancel")}</button>
        </div>
      </div>`
      : null
  }
    ${
    message
      ? html`<p class=${`msg ${
        message.ok ? "msg-ok" : "msg-error"
      }`} role="status">${message.text}</p>`
      : null
  }
  </section>` as VNode;
}
