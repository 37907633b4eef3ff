/**
 * Date and time (manual 1.6.1): source NTP, OCPP heartbeat or browser (one-time), the NTP
 * server, and the time zone from the browser or from the list.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useState } from "preact/hooks";
import { get, post } from "../api.ts";
import { RadioField, SelectField, TextField } from "../components/field.ts";
import { FormCard } from "../components/form_card.ts";
import { errorText, useSettingsForm } from "../components/settings_form.ts";
import { fmtDateTime, t } from "../i18n.ts";
import { live } from "../live.ts";
import { useStore } from "../store.ts";
import type { Info } from "../types.ts";

/** The browser's IANA time zone. */
export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Every IANA time zone the browser knows (with `current` in it). */
export function zoneList(current: string): string[] {
  const intl = Intl as unknown as {
    supportedValuesOf?: (k: string) => string[];
  };
  const zones = intl.supportedValuesOf?.("timeZone") ?? [];
  const list = zones.includes("UTC") ? zones : ["UTC", ...zones];
  return current && !list.includes(current) ? [current, ...list] : list;
}

/** The date and time form. */
export function TimeCard(): VNode {
  const form = useSettingsForm(["time.source", "time.ntpServer", "time.zone"]);
  const { status } = useStore(live);
  const [info, setInfo] = useState<Info | null>(null);
  // Until the user ticks or unticks it: on when the station runs with the browser's zone.
  const [chosen, setFromBrowser] = useState<boolean | null>(null);
  const [sync, setSync] = useState<
    { kind: "ok" | "error"; text: string } | null
  >(null);
  const zone = String(form.value("time.zone") ?? "");
  const savedZone = form.saved("time.zone");
  const refreshInfo = () => get<Info>("/api/info").then(setInfo).catch(() => {});

  useEffect(() => {
    refreshInfo();
  }, []);
  const fromBrowser = chosen ?? savedZone === browserZone();

  const toggleBrowser = (e: Event) => {
    const on = (e.target as HTMLInputElement).checked;
    setFromBrowser(on);
    if (on) form.set("time.zone", browserZone());
  };
  const syncNow = async () => {
    setSync(null);
    try {
      await post("/api/time/sync", { timeMs: Date.now() });
      setSync({ kind: "ok", text: t("time.synced") });
      refreshInfo();
    } catch (e) {
      setSync({ kind: "error", text: errorText(e) });
    }
  };

  return html`
    <${FormCard} id="time" title=${t("time.title")} form=${form}
      intro=${html`<div>
      <p class="station-time">${t("dash.time")}: <strong data-id="station-time">
        ${fmtDateTime(status?.time ?? info?.time)}</strong></p>
      ${
        info && !info.timeValid
          ? html`<p class="msg msg-error" role="alert">${t("dash.timeInvalid")} ${
            t("time.ntpWarning")
          }</p>`
          : null
      }
    </div>`}>
        <${RadioField} f=${form} k="time.source" label=${t(
          "time.source",
        )} options=${[
          ["NTP", t("time.source.NTP")],
          ["Heartbeat", t("time.source.Heartbeat")],
          ["Browser", t("time.source.Browser")],
        ]} />
        ${form.value("time.source") === "Browser"
          ? html`<div class="field">
          <button type="button" onClick=${syncNow}>${t("time.syncNow")}</button>
          ${
            sync
              ? html`<p class=${`msg msg-${sync.kind}`} role="status" data-id="sync-message">${sync.text}</p>`
              : null
          }
        </div>`
          : null}
        <${TextField} f=${form} k="time.ntpServer" label=${t("time.ntpServer")}
          disabled=${form.value("time.source") !== "NTP"} />
        <div class="field check-row">
          <div class="check"><input type="checkbox" id="f-zone-browser" checked=${fromBrowser}
            onChange=${toggleBrowser} /><label for="f-zone-browser">
            ${t("time.zoneFromBrowser", { zone: browserZone() })}</label></div>
        </div>
        <${SelectField} f=${form} k="time.zone" label=${t(
          "time.zone",
        )} disabled=${fromBrowser}
          options=${zoneList(zone).map((
            z,
          ) => [z, z.replaceAll("_", " ")])} hint=${t("time.zoneHint")} />
      <//>
  ` as VNode;
}
