/**
 * The simulator panel (only with simulated hardware): plug and unplug vehicles, pause them,
 * present an RFID card, raise and clear faults, through `/api/sim/*`.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useState } from "preact/hooks";
import { del, get, post } from "../api.ts";
import { errorText } from "../components/settings_form.ts";
import { t } from "../i18n.ts";
import { live } from "../live.ts";
import { useStore } from "../store.ts";
import type { ConnectorStatus } from "../types.ts";
import { faultText, statusText } from "./dashboard_cp.ts";

/** Fault codes of the manual's error table (M-4), by scope. */
export const STATION_FAULTS = [
  "WeakSignal",
  "OverVoltageProtectionFailure",
  "RegulatoryComplianceFailure",
  "ReaderFailure",
  "UnderVoltage",
];
export const CONNECTOR_FAULTS = [
  "PowerMeterFailure",
  "GroundFailure",
  "ConnectorLockFailure",
  "PowerSwitchFailure",
  "EVCommunicationError",
];

type Act = (what: () => Promise<unknown>) => void;

function VehicleCard(props: { cp: ConnectorStatus; act: Act }): VNode {
  const { cp, act } = props;
  const [phases, setPhases] = useState("3");
  const [maxA, setMaxA] = useState("32");
  const id = `sim-cp${cp.id}`;
  const base = `/api/sim/connectors/${cp.id}`;
  return html`
    <section class="card" data-cp=${cp.id} aria-labelledby=${id + "-title"}>
      <div class="card-head">
        <h2 id=${id + "-title"}>${t("dash.cp")} ${cp.id}</h2>
        <span class="badge badge-info">${statusText(cp.status)}</span>
      </div>
      <div class="two-col">
        <div class="field"><label for=${id + "-phases"}>${t(
          "sim.phases",
        )}</label>
            <select id=${id + "-phases"} onChange=${(e: Event) =>
              setPhases((e.target as HTMLSelectElement).value)}>
              <option value="3" selected=${phases === "3"}>3</option>
              <option value="1" selected=${phases === "1"}>1</option>
            </select></div>
        <div class="field"><label for=${id + "-max"}>${t(
          "sim.maxCurrent",
        )}</label>
            <div class="with-unit"><input id=${id +
              "-max"} inputmode="numeric" value=${maxA}
              onInput=${(e: Event) =>
                setMaxA(
                  (e.target as HTMLInputElement).value,
                )} /><span>A</span></div></div>
      </div>
      <div class="actions">
        <button type="button" class="primary" onClick=${() =>
          act(() =>
            post(`${base}/plug`, {
              phases: Number(phases),
              maxCurrentA: Number(maxA),
            })
          )}>
            ${t("sim.plug")}</button>
        <button type="button" onClick=${() => act(() => post(`${base}/unplug`))}>${t(
          "sim.unplug",
        )}</button>
        <button type="button" onClick=${() => act(() => post(`${base}/ev`, { charging: false }))}>
            ${t("sim.pause")}</button>
        <button type="button" onClick=${() => act(() => post(`${base}/ev`, { charging: true }))}>
            ${t("sim.resume")}</button>
      </div>
    </section>
  ` as VNode;
}

/** The simulator page. */
export function SimulatorPage(): VNode {
  const { status } = useStore(live);
  const [message, setMessage] = useState<{ kind: string; text: string } | null>(
    null,
  );
  const [faults, setFaults] = useState<{ code: string; connectorId: number }[]>(
    [],
  );
  const [idTag, setIdTag] = useState("MASTERKEY");
  const [fault, setFault] = useState(`0:${STATION_FAULTS[0]}`);
  const loadFaults = () =>
    get<{ faults: typeof faults }>("/api/sim/faults").then((a) => setFaults(a.faults)).catch(
      () => {},
    );
  useEffect(() => {
    loadFaults();
  }, []);
  const act: Act = (what) => {
    setMessage(null);
    what().then(() => {
      setMessage({ kind: "ok", text: t("sim.done") });
      loadFaults();
    }, (e) => setMessage({ kind: "error", text: errorText(e) }));
  };
  const cps = status?.connectors ?? [];
  const [at, code] = fault.split(":");

  return html`
    <h1>${t("page.simulator")}</h1>
        <p class="hint">${t("sim.intro")}</p>
        ${message
          ? html`<p class=${`msg msg-${message.kind}`} role="status" data-id="sim-message">${message.text}</p>`
          : null}
        <div class="grid-2">${cps.map((cp) =>
          html`<${VehicleCard} key=${cp.id} cp=${cp} act=${act} />`
        )}</div>
        <section class="card" aria-labelledby="rfid-title">
      <h2 id="rfid-title">${t("sim.rfid")}</h2>
      <form class="inline-form" onSubmit=${(e: Event) => {
        e.preventDefault();
        act(() => post("/api/sim/rfid", { idTag }));
      }}>
        <div class="field"><label for="sim-idtag">UID</label>
              <input id="sim-idtag" value=${idTag} onInput=${(e: Event) =>
                setIdTag((e.target as HTMLInputElement).value)} /></div>
        <button type="submit" class="primary">${t("sim.present")}</button>
      </form>
    </section>
        <section class="card" aria-labelledby="faults-title">
          <h2 id="faults-title">${t("sim.faults")}</h2>
          <form class="inline-form" onSubmit=${(e: Event) => {
            e.preventDefault();
            act(() => post("/api/sim/faults", { code, connectorId: Number(at) }));
          }}>
            <div class="field"><label for="sim-fault">${t("sim.fault")}</label>
              <select id="sim-fault" onChange=${(e: Event) =>
                setFault((e.target as HTMLSelectElement).value)}>
                ${STATION_FAULTS.map((c) =>
                  html`<option value=${`0:${c}`} selected=${fault === `0:${c}`}>${
                    t("sim.station")
                  }: ${c}</option>`
                )}
                ${cps.flatMap((cp) =>
                  CONNECTOR_FAULTS.map((c) =>
                    html`
                      <option value=${`${cp.id}:${c}`}
                        selected=${fault === `${cp.id}:${c}`}>${t(
                          "dash.cp",
                        )} ${cp.id}: ${c}</option>
                    `
                  )
                )}
              </select></div>
            <button type="submit" class="danger">${t("sim.raise")}</button>
          </form>
          <h3>${t("sim.active")}</h3>
          ${faults.length === 0
            ? html`<p class="muted">${t("dash.noErrors")}</p>`
            : html`<ul class="fault-list">${
              faults.map((f) =>
                html`<li><span>${
                  f.connectorId === 0 ? t("sim.station") : `${t("dash.cp")} ${f.connectorId}`
                }: ${faultText(f.code)}</span>
        <button type="button" class="small" onClick=${() =>
                  act(() =>
                    del(
                      `/api/sim/faults/${encodeURIComponent(f.code)}?connectorId=${f.connectorId}`,
                    )
                  )}>
          ${
                  t("sim.clear")
                }</button></li>`
              )
            }</ul>`}
        </section>
  ` as VNode;
}
