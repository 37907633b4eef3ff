/**
 * The update upload (manual 1.9.1): the file goes as the raw request body, with a progress
 * bar from XMLHttpRequest's upload events; then the station's answer is shown as it is, and
 * the installation follows live (`software_install.ts`).
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useState } from "preact/hooks";
import { ApiError, getCsrfToken } from "../api.ts";
import { errorText } from "../components/settings_form.ts";
import { fmtNumber, issueText, t } from "../i18n.ts";
import { endSession } from "../session.ts";

interface UpdateAnswer {
  file?: string;
  bytes?: number;
  sha256?: string;
  installed?: boolean;
  reason?: string;
  /** With a keyring: the bundle RAUC verified. */
  bundle?: { compatible: string; version: string; verified: boolean };
}

function upload(
  file: File,
  force: boolean,
  onProgress: (fraction: number) => void,
): Promise<UpdateAnswer> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/software/update${force ? "?force=true" : ""}`);
    xhr.setRequestHeader("x-csrf-token", getCsrfToken());
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.setRequestHeader("x-file-name", encodeURIComponent(file.name));
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(0, "Upload failed"));
    xhr.onload = () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(xhr.responseText || "{}");
      } catch {
        // Not JSON: the status tells.
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        return resolve(body as UpdateAnswer);
      }
      const reason = typeof body.reason === "string" ? body.reason : undefined;
      reject(
        new ApiError(xhr.status, String(body.error ?? `HTTP ${xhr.status}`), {
          reason,
        }),
      );
    };
    xhr.send(file);
  });
}

/** The update card; `update` is what `GET /api/software` says about installing. */
export function UpdateCard(
  props: { update?: { available: boolean; reason?: string } },
): VNode {
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [answer, setAnswer] = useState<UpdateAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [force, setForce] = useState(false);

  const start = async () => {
    if (!file) return;
    setAnswer(null);
    setError(null);
    setProgress(0);
    try {
      setAnswer(await upload(file, force, setProgress));
      setProgress(1);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) endSession("expired");
      setError(errorText(e));
      setProgress(null);
    }
  };

  return html`<section class="card" id="update" aria-labelledby="update-title">
    <h2 id="update-title">Update</h2>
    <p class="hint">${t("sw.updateHint")}</p>
    ${
    props.update && !props.update.available && props.update.reason
      ? html`<p class="msg msg-info">${issueText({ reason: props.update.reason })}</p>`
      : null
  }
    <div class="import-row">
      <div class="field">
        <label for="sw-file">${t("sw.file")}</label>
        <input id="sw-file" type="file"
          onChange=${(e: Event) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />
      </div>
      <div class="check"><input type="checkbox" id="sw-force" checked=${force}
        onChange=${(e: Event) => setForce((e.target as HTMLInputElement).checked)} /><label
        for="sw-force">${t("sw.force")}</label></div>
      <div class="actions">
        <button type="button" class="primary" disabled=${
    !file || (progress !== null && progress < 1 && !answer)
  }
          onClick=${start}>Upload</button>
      </div>
    </div>
    ${
    progress !== null
      ? html`
        <div class="progress-row">
          <label for="sw-progress">${t("sw.progress")}</label>
          <progress id="sw-progress" max="1" value=${progress}></progress>
          <span data-id="percent">${fmtNumber(progress * 100)} %</span>
        </div>
      `
      : null
  }
    ${
    answer
      ? html`<div class="msg msg-info" role="status" data-id="update-result">
          <p>${
        t("sw.uploaded", {
          name: answer.file ?? file?.name ?? "",
          bytes: fmtNumber(answer.bytes ?? 0),
        })
      }</p>
          ${answer.sha256 ? html`<p class="mono">SHA-256 ${answer.sha256}</p>` : null}
          ${
        answer.bundle
          ? html`<p data-id="sw-bundle">${
            t("sw.bundleVerified", {
              version: answer.bundle.version,
              compatible: answer.bundle.compatible,
            })
          }</p>`
          : null
      }
          <p><strong>${
        answer.installed ? t("sw.installed") : issueText({ reason: answer.reason ?? "" })
      }</strong></p>
        </div>`
      : null
  }
    ${error ? html`<p class="msg msg-error" role="alert">${error}</p>` : null}
  </section>` as VNode;
}
