/**
 * The dashboard's station data (serial, model, versions, charge box id, uptime, addresses,
 * time and its source) and the OCPP connection.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { fmtDateTime, fmtDuration, type Key, t } from "../i18n.ts";
import { kvRow } from "../components/kv.ts";
import { faultText } from "./dashboard_cp.ts";
import type { Info, OcppStatus, Status } from "../types.ts";

function controllerText(c: unknown): string {
  if (typeof c === "string") return c;
  if (c && typeof c === "object") {
    const o = c as Record<string, unknown>;
    const version = String(o.firmwareVersion ?? o.version ?? "");
    return o.model ? `${version} (${o.model})` : version;
  }
  return String(c);
}

/** Station data; live values (uptime, time) come from the status. */
export function StationCard(
  props: { info: Info | null; status: Status | null },
): VNode {
  const { info, status } = props;
  const source = info
    ? (["NTP", "Heartbeat", "Browser"].includes(info.timeSource)
      ? t(`time.source.${info.timeSource}` as Key)
      : info.timeSource)
    : "–";
  return html`<section class="card" aria-labelledby="station-title">
    <h2 id="station-title">${t("dash.station")}</h2>
    ${
    info && !info.timeValid
      ? html`<p class="msg msg-error" role="alert" data-id="time-invalid">
          <strong>${t("dash.timeInvalid")}</strong> ${t("dash.timeInvalidHint")}</p>`
      : null
  }
    ${
    status && status.station.faults.length > 0
      ? html`
        <div class="msg msg-error" role="alert" data-id="station-faults">
          <strong>${t("dash.stationFaults")}</strong>
          <ul>${status.station.faults.map((f) => html`<li>${faultText(f)}</li>`)}</ul>
        </div>
      `
      : null
  }
    <dl class="kv">
      ${kvRow(t("dash.serial"), info?.serial ?? status?.serial, "serial")}
      ${kvRow(t("dash.model"), info?.model ?? status?.model)}
      ${kvRow(t("dash.vendor"), info?.vendor ?? status?.vendor)}
      ${kvRow(t("dash.chargeBoxId"), info?.chargeBoxId, "chargeBoxId")}
      ${kvRow(t("sw.os"), info?.versions.os)}
      ${kvRow(t("sw.app"), info?.versions.app ?? status?.firmwareVersion)}
      ${
    (info?.versions.controllers ?? []).map((c, i) =>
      kvRow(`${t("sw.controller")} ${i + 1}`, controllerText(c))
    )
  }
      ${
    kvRow(
      t("dash.uptime"),
      fmtDuration(status?.uptimeS ?? info?.uptimeS ?? 0),
      "uptime",
    )
  }
      ${kvRow(t("dash.time"), fmtDateTime(status?.time ?? info?.time), "time")}
      ${kvRow(t("dash.timeSource"), source)}
      ${
    (info?.addresses ?? []).map((a) =>
      kvRow(
        `${t("dash.address")} ${a.name}${a.family ? ` (${a.family})` : ""}`,
        a.address,
      )
    )
  }
    </dl>
  </section>` as VNode;
}

/** The state of an OCPP connection as one word (a key of `ocpp.state.*`). */
export function ocppState(ocpp: OcppStatus | null | undefined): string {
  if (!ocpp || !ocpp.configured) return "notConfigured";
  if (!ocpp.connected) return "disconnected";
  if (ocpp.registration === "Rejected") return "rejected";
  if (ocpp.registration === "Accepted") return "connected";
  return "pending";
}

const TONE: Record<string, string> = {
  connected: "ok",
  notConfigured: "idle",
  disconnected: "error",
  rejected: "error",
  pending: "warn",
};

/** The OCPP connection: "not configured" when the station has no backend. */
export function OcppCard(props: { status: Status | null }): VNode {
  const ocpp = props.status?.ocpp;
  const state = ocppState(ocpp);
  return html`<section class="card" aria-labelledby="ocpp-title">
    <div class="card-head">
      <h2 id="ocpp-title">${t("dash.ocpp")}</h2>
      <span class=${`badge badge-${TONE[state]}`} data-id="ocpp-state">
        ${t(`ocpp.state.${state}` as Key)}</span>
    </div>
    ${
    ocpp?.configured
      ? html`<dl class="kv">
          ${kvRow(t("ocpp.url"), ocpp.url)}
          ${kvRow(t("dash.chargeBoxId"), ocpp.chargeBoxId)}
          ${
        ocpp.connected ? kvRow(t("dash.connectedSince"), fmtDateTime(ocpp.connectedSince)) : null
      }
          ${
        !ocpp.connected && ocpp.nextReconnectAt
          ? kvRow(
            t("dash.nextAttempt"),
            `${fmtDateTime(ocpp.nextReconnectAt)} (#${ocpp.reconnectAttempt})`,
          )
          : null
      }
          ${kvRow(t("dash.lastMessage"), fmtDateTime(ocpp.lastMessageAt))}
          ${ocpp.queue > 0 ? kvRow(t("dash.queue"), String(ocpp.queue)) : null}
        </dl>`
      : html`<p class="hint">${t("dash.ocppHint")}</p>`
  }
  </section>` as VNode;
}
