/**
 * The installation as it goes, from the live status (`GET /api/events` → `update`): waiting
 * for the sessions (with Cancel), installing with its progress, the restart, the
 * reconnection, the new version's checks, and how the last update ended (installed, rolled
 * back and why, not installed and why). Nothing to reload: the event stream reconnects by
 * itself after the restart.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useState } from "preact/hooks";
import { post } from "../api.ts";
import { errorText } from "../components/settings_form.ts";
import { fmtNumber, t } from "../i18n.ts";
import type { UpdateStatus } from "../types.ts";

const LAST = {
  installed: "sw.last.installed",
  rolledBack: "sw.last.rolledBack",
  failed: "sw.last.failed",
} as const;

/** The install state card; `connected` is whether the event stream is up. */
export function InstallState(
  props: { update: UpdateStatus | null | undefined; connected: boolean; restarting: boolean },
): VNode | null {
  const [error, setError] = useState<string | null>(null);
  const u = props.update;
  if (!u) return null;
  const version = u.version ?? "";
  const cancel = () => {
    setError(null);
    post("/api/software/update/cancel").catch((e) => setError(errorText(e)));
  };
  const phase = !props.connected && props.restarting
    ? html`<p class="msg msg-info" role="status" data-id="sw-phase">${t("sw.offline")}</p>`
    : u.phase === "waiting"
    ? html`
      <div class="msg msg-info" role="status" data-id="sw-phase">
        <p>${t("sw.phase.waiting", { version })}</p>
        <div class="actions"><button type="button" onClick=${cancel}>${t(
          "sw.cancel",
        )}</button></div>
      </div>
    `
    : u.phase === "installing"
    ? html`
      <div class="progress-row" data-id="sw-phase">
        <label for="sw-install">${t("sw.phase.installing", {
          version,
          step: u.step ?? "…",
        })}</label>
        <progress id="sw-install" max="100" value=${u.percent ?? 0}></progress>
        <span>${fmtNumber(u.percent ?? 0)} %</span>
      </div>
    `
    : u.phase === "rebooting" || u.phase === "confirming"
    ? html`<p class="msg msg-info" role="status" data-id="sw-phase">${
      t(u.phase === "rebooting" ? "sw.phase.rebooting" : "sw.phase.confirming", { version })
    }</p>`
    : null;
  const last = u.last;
  const lastText = last
    ? t(LAST[last.outcome], {
      version: last.version,
      from: last.fromVersion,
      reason: last.reason ?? "",
    })
    : null;
  return html`<div id="sw-install-state">
    ${phase}
    ${
    u.phase === "idle" && lastText
      ? html`
        <p class=${`msg ${last?.outcome === "installed" ? "msg-ok" : "msg-error"}`}
          role="status" data-id="sw-last" data-outcome=${last?.outcome}>${lastText}</p>
      `
      : null
  }
    ${error ? html`<p class="msg msg-error" role="alert">${error}</p>` : null}
  </div>` as VNode;
}

/** The slots line of the versions card. */
export function SlotRows(props: { update: UpdateStatus | null | undefined }): VNode | null {
  const slots = props.update?.slots ?? [];
  if (slots.length === 0) return null;
  return html`${
    slots.map((s) =>
      html`
        <div class="kv-row" data-slot=${s.slot}>
          <dt>${t("sw.slot", { slot: s.slot })}</dt>
          <dd>${s.version ?? t("sw.slotEmpty")}${[
            s.booted ? t("sw.slotBooted") : null,
            s.primary && !s.booted ? t("sw.slotNext") : null,
            s.version && s.triesLeft === 0 ? t("sw.slotBad") : null,
          ].filter(Boolean).map((x) => ` · ${x}`).join("")}</dd>
        </div>
      `
    )
  }` as VNode;
}
