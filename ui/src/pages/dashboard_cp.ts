/**
 * One charge point on the dashboard: state, offered and measured current, power, energy,
 * the running session, errors and the power of the last hour.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import type { Point } from "../components/chart_math.ts";
import { PowerChart } from "../components/power_chart.ts";
import { fmtDateTime, fmtNumber, type Key, t } from "../i18n.ts";
import type { ConnectorStatus } from "../types.ts";

const TONES: Record<string, string> = {
  Available: "ok",
  Preparing: "info",
  Charging: "charging",
  SuspendedEV: "warn",
  SuspendedEVSE: "warn",
  Finishing: "info",
  Reserved: "info",
  Unavailable: "idle",
  Faulted: "error",
};

/** The OCPP status in the user's language. */
export function statusText(status: string): string {
  return status in TONES ? t(`cp.status.${status}` as Key) : status;
}

/** A fault code with its meaning from the manual's error table. */
export function faultText(code: string): string {
  const key = `fault.${code}` as Key;
  const meaning = t(key);
  return meaning === key ? code : `${code}: ${meaning}`;
}

function metric(label: string, value: string, id: string, wide = false): VNode {
  return html`
    <div class=${`metric ${wide ? "wide" : ""}`}>
      <span class="metric-label">${label}</span>
      <span class="metric-value" data-id=${id}>${value}</span>
    </div>
  ` as VNode;
}

/** The card of charge point `cp`. */
export function ChargePointCard(
  props: {
    cp: ConnectorStatus;
    points: readonly Point[];
    nowMs: number;
    stepS: number;
  },
): VNode {
  const { cp } = props;
  const tone = TONES[cp.status] ?? "idle";
  const phases = cp.currentsA.length > 0
    ? cp.currentsA.map((a) => fmtNumber(a, 1)).join(" / ") + " A"
    : "–";
  const metrics: [string, string, string, boolean?][] = [
    [t("dash.power"), `${fmtNumber(cp.powerW / 1000, 2)} kW`, "power"],
    [t("dash.offered"), `${fmtNumber(cp.offeredA, 1)} A`, "offered"],
    [t("dash.energy"), `${fmtNumber(cp.energyWh / 1000, 2)} kWh`, "energy"],
    [t("dash.measured"), phases, "measured", true],
  ];
  const s = cp.session;
  const faults = cp.faults.length > 0
    ? cp.faults
    : cp.errorCode && cp.errorCode !== "NoError"
    ? [cp.errorCode]
    : [];
  return html`
    <section class="card cp" data-cp=${cp
      .id} aria-labelledby=${`cp${cp.id}-title`}>
      <div class="card-head">
        <h2 id=${`cp${cp.id}-title`}>${t("dash.cp")} ${cp.id}</h2>
        <span class=${`badge badge-${tone}`} data-id="status">${statusText(
          cp.status,
        )}</span>
      </div>
      <div class="metrics">${metrics.map(([label, value, id, wide]) =>
        metric(label, value, id, wide)
      )}</div>
      <div class="cp-details">
        <div>
          <h3>${t("dash.session")}</h3>
          ${s
            ? html`
              <dl class="kv" data-id="session">
                <div class="kv-row">
                  <dt>${t("dash.idTag")}</dt>
                  <dd>${s.idTag}</dd>
                </div>
                <div class="kv-row">
                  <dt>${t("dash.since")}</dt>
                  <dd>${fmtDateTime(s.startedAt)}</dd>
                </div>
                <div class="kv-row">
                  <dt>${t("dash.sessionEnergy")}</dt>
                  <dd>${fmtNumber(s.energyWh / 1000, 2)} kWh</dd>
                </div>
              </dl>
            `
            : html`<p class="muted" data-id="session">${t("dash.noSession")}</p>`}
          </div>
        <div>
          <h3>${t("dash.errors")}</h3>
          ${faults.length > 0
            ? html`<ul class="faults" data-id="faults">${
              faults.map((f) => html`<li>${faultText(f)}</li>`)
            }</ul>`
            : html`<p class="muted" data-id="faults">${t("dash.noErrors")}</p>`}
          </div>
      </div>
      <h3>${t("dash.chartTitle")}</h3>
      <${PowerChart} id=${cp.id} points=${props.points} nowMs=${props.nowMs}
        stepS=${props.stepS} />
    </section>
  ` as VNode;
}
