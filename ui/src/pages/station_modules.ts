/**
 * Charge modules (manual 1.6.2): controllers and meters, and *Flash firmware*, which the
 * station refuses while a session runs.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useState } from "preact/hooks";
import { get, post } from "../api.ts";
import { ConfirmDialog } from "../components/dialog.ts";
import { errorText } from "../components/settings_form.ts";
import { fmtNumber, t } from "../i18n.ts";

interface Modules {
  controllers: {
    connectorId: number;
    model: string;
    firmwareVersion: string;
    serial: string;
    maxCurrentMa: number;
  }[];
  meters: { connectorId: number; model: string; serial: string }[];
  flash?: {
    state: "idle" | "flashing" | "done" | "failed";
    percent?: number;
    error?: string;
  };
}

/** The charge modules card. */
export function ModulesCard(): VNode {
  const [modules, setModules] = useState<Modules | null>(null);
  const [message, setMessage] = useState<{ kind: string; text: string } | null>(
    null,
  );
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    get<Modules>("/api/modules").then(setModules).catch((e) =>
      setMessage({ kind: "error", text: errorText(e) })
    );
  }, []);

  const flash = async () => {
    setConfirm(false);
    setBusy(true);
    setMessage(null);
    try {
      await post("/api/modules/flash");
      setMessage({ kind: "ok", text: t("modules.flashStarted") });
      // Follow the flash until it ends: progress, then the new versions or the reason.
      for (;;) {
        await new Promise((r) => setTimeout(r, 1000));
        const m = await get<Modules>("/api/modules");
        setModules(m);
        const f = m.flash;
        if (!f || f.state === "flashing") {
          setMessage({
            kind: "ok",
            text: t("modules.flashProgress", { percent: fmtNumber(f?.percent ?? 0) }),
          });
          continue;
        }
        setMessage(
          f.state === "failed"
            ? { kind: "error", text: t("modules.flashFailed", { error: f.error ?? "" }) }
            : { kind: "ok", text: t("modules.flashDone") },
        );
        break;
      }
    } catch (e) {
      setMessage({ kind: "error", text: errorText(e) });
    } finally {
      setBusy(false);
    }
  };

  const meter = (id: number) => modules?.meters.find((m) => m.connectorId === id);
  return html`<section class="card" id="modules" aria-labelledby="modules-title">
    <h2 id="modules-title">${t("modules.title")}</h2>
    <p class="hint">${t("modules.intro")}</p>
    ${
    modules
      ? html`
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">${t("dash.cp")}</th>
                <th scope="col">${t("modules.controller")}</th>
                <th scope="col">${t("modules.firmware")}</th>
                <th scope="col">${t("modules.serial")}</th>
                <th scope="col">${t("modules.maxCurrent")}</th>
                <th scope="col">${t("modules.meter")}</th>
              </tr>
            </thead>
            <tbody>${modules.controllers.map((c) =>
              html`
                <tr>
                  <td>${c.connectorId}</td>
                  <td>${c.model}</td>
                  <td>${c.firmwareVersion}</td>
                  <td>${c.serial}</td>
                  <td>${fmtNumber(c.maxCurrentMa)} mA</td>
                  <td>${meter(c.connectorId)
                    ? `${meter(c.connectorId)!.model} (${meter(c.connectorId)!.serial})`
                    : "–"}</td>
                </tr>
              `
            )}</tbody>
          </table>
        </div>
      `
      : null
  }
    <p class="hint">${t("modules.flashHint")}</p>
    <div class="actions">
      <button type="button" disabled=${busy} onClick=${() =>
    setConfirm(true)}>Flash Firmware</button>
    </div>
    ${
    message
      ? html`
        <p class=${`msg msg-${message.kind}`} role=${message.kind === "error" ? "alert" : "status"}
          data-id="flash-message">${message.text}</p>
      `
      : null
  }
    <${ConfirmDialog} id="flash-dialog" open=${confirm} title="Flash Firmware"
      text=${t("modules.flashConfirm")} confirmLabel="Flash Firmware"
      onConfirm=${flash} onCancel=${() => setConfirm(false)} />
  </section>` as VNode;
}
