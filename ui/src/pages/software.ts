/**
 * Software (manual 1.9): versions, the update upload, "Create log" and the factory reset.
 * @module
 */
import { BackupCard } from "./software_backup.ts";
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, download, get } from "../api.ts";
import { factoryReset } from "../components/admin_actions.ts";
import { ConfirmDialog } from "../components/dialog.ts";
import { errorText } from "../components/settings_form.ts";
import { t } from "../i18n.ts";
import { live } from "../live.ts";
import { useStore } from "../store.ts";
import type { UpdateStatus } from "../types.ts";
import { InstallState, SlotRows } from "./software_install.ts";
import { UpdateCard } from "./software_update.ts";

/** `GET /api/software`. */
export interface SoftwareAnswer {
  versions: {
    os?: string;
    app?: string;
    runtime?: string;
    controllers?: unknown[];
  };
  update?: Partial<UpdateStatus> & { available: boolean; reason?: string };
}

function versionText(v: unknown): string {
  if (typeof v === "string") return v;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return String(o.firmwareVersion ?? o.version ?? JSON.stringify(v));
  }
  return "–";
}

function VersionsCard(
  props: {
    software: SoftwareAnswer | null;
    error: string | null;
    update: UpdateStatus | null | undefined;
  },
): VNode {
  const v = props.software?.versions;
  return html`<section class="card" id="versions" aria-labelledby="versions-title">
    <h2 id="versions-title">${t("sw.versions")}</h2>
    ${props.error ? html`<p class="msg msg-error" role="alert">${props.error}</p>` : null}
    ${!props.software && !props.error ? html`<p class="muted">${t("common.loading")}</p>` : null}
    <dl class="kv">
      <div class="kv-row"><dt>${t("sw.os")}</dt><dd data-id="os">${v?.os ?? "–"}</dd></div>
      <div class="kv-row"><dt>${t("sw.app")}</dt><dd data-id="app">${v?.app ?? "–"}</dd></div>
      <${SlotRows} update=${props.update} />
      ${
    v?.runtime
      ? html`
        <div class="kv-row">
          <dt>Runtime</dt>
          <dd>${v.runtime}</dd>
        </div>
      `
      : null
  }
      ${
    (v?.controllers ?? []).map((c, i) =>
      html`
        <div class="kv-row">
          <dt>${t("sw.controller")} ${i + 1}</dt>
          <dd>${versionText(c)}</dd>
        </div>
      `
    )
  }
    </dl>
  </section>` as VNode;
}

function LogCard(): VNode {
  const [state, setState] = useState<{ busy: boolean; error?: string }>({
    busy: false,
  });
  const create = async () => {
    setState({ busy: true });
    try {
      await download("/api/diagnostics", "ladewerk-log.tar.gz");
      setState({ busy: false });
    } catch (e) {
      setState({ busy: false, error: errorText(e) });
    }
  };
  return html`<section class="card" id="log" aria-labelledby="log-title">
    <h2 id="log-title">${t("sw.log")}</h2>
    <p class="hint">${t("sw.logHint")}</p>
    <div class="actions">
      <button type="button" disabled=${state.busy} onClick=${create}>
        ${state.busy ? t("sw.logBusy") : t("sw.createLog")}</button>
    </div>
    ${state.error ? html`<p class="msg msg-error" role="alert">${state.error}</p>` : null}
  </section>` as VNode;
}

function ResetCard(): VNode {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [undelivered, setUndelivered] = useState(false);
  const reset = (drop: boolean) => {
    setOpen(false);
    setError(null);
    factoryReset(drop).catch((e) => {
      setUndelivered(e instanceof ApiError && e.field === "dropUndelivered");
      setError(errorText(e));
    });
  };
  const confirm = () => reset(false);
  return html`<section class="card" id="factory-reset" aria-labelledby="reset-title">
    <h2 id="reset-title">${t("sw.reset")}</h2>
    <p class="hint">${t("sw.resetHint")}</p>
    <div class="actions">
      <button type="button" class="danger" onClick=${() => setOpen(true)}>${
    t("sw.resetButton")
  }</button>
    </div>
    ${error ? html`<p class="msg msg-error" role="alert">${error}</p>` : null}
    ${
    undelivered
      ? html`<div class="actions"><button type="button" class="danger" data-action="reset-drop"
          onClick=${() => reset(true)}>${t("sw.resetDrop")}</button></div>`
      : null
  }
    <${ConfirmDialog} id="reset-dialog" open=${open} danger title=${t("sw.reset")}
      text=${t("sw.resetConfirm")} confirmLabel=${t("sw.resetButton")}
      onConfirm=${confirm} onCancel=${() => setOpen(false)} />
  </section>` as VNode;
}

/** The software page. */
export function SoftwarePage(): VNode {
  const [software, setSoftware] = useState<SoftwareAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { status, connected } = useStore(live);
  const update = status?.update;
  // A restart into a new version: the versions are read again once the station is back.
  const running = `${status?.firmwareVersion ?? ""} ${update?.booted ?? ""}`;
  useEffect(() => {
    get<SoftwareAnswer>("/api/software").then(setSoftware).catch((e) => setError(errorText(e)));
  }, [running]);
  const restarting = useRef(false);
  if (update?.phase === "rebooting") restarting.current = true;
  if (connected && update && update.phase !== "rebooting") restarting.current = false;
  return html`
    <h1>${t("page.software")}</h1>
    <${VersionsCard} software=${software} error=${error} update=${update} />
    <${UpdateCard} update=${software?.update} />
    <${InstallState} update=${update} connected=${connected} restarting=${restarting.current} />
    <${LogCard} />
    <${BackupCard} />
    <${ResetCard} />
  ` as VNode;
}
