/**
 * Communication (manual 1.5): the OCPP backend connection, the Modbus TCP server (load
 * management level 3) and the cluster (load management level 2).
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { ReadOnly, TextField } from "../components/field.ts";
import { FormCard } from "../components/form_card.ts";
import { SecretField } from "../components/secret_field.ts";
import { useSettingsForm } from "../components/settings_form.ts";
import { t } from "../i18n.ts";
import { live } from "../live.ts";
import { useStore } from "../store.ts";
import { CaCertificate } from "./communication_ca.ts";
import { ClusterCard, ModbusCard } from "./communication_modbus.ts";
import { MetricsCard, MqttCard } from "./communication_mqtt.ts";

const OCPP_KEYS = [
  "ocpp.url",
  "ocpp.chargeBoxIdTemplate",
  "ocpp.authorizationKey",
];

/** The charge box id a template gives for `serial`. */
export function chargeBoxId(template: unknown, serial: string): string {
  return typeof template === "string" ? template.replaceAll("{serial}", serial) : "";
}

function OcppCard(): VNode {
  const form = useSettingsForm(OCPP_KEYS);
  const { status } = useStore(live);
  return html`
    <${FormCard} id="ocpp" title="OCPP" form=${form} extra=${html`<${CaCertificate} />`}
      intro=${html`<p class="msg msg-info">${t("ocpp.blanksHint")}</p>`}>
      <${ReadOnly} id="ocpp.protocol" label=${t("ocpp.protocol")}
        value="OCPP-J 1.6 (JSON via HTTP WebSocket)" />
      <${TextField} f=${form} k="ocpp.url" label=${t("ocpp.url")} type="url"
        placeholder="wss://backend.example.com/ocpp" hint=${t(
          "ocpp.urlHint",
        )} />
      <div class="two-col">
        <${TextField} f=${form} k="ocpp.chargeBoxIdTemplate" label=${t(
          "ocpp.template",
        )}
          hint=${t("ocpp.templateHint")} />
        <${ReadOnly} id="ocpp.chargeBoxId" label=${t("dash.chargeBoxId")}
          value=${chargeBoxId(
            form.value("ocpp.chargeBoxIdTemplate"),
            status?.serial ?? "",
          )} />
      </div>
      <${ReadOnly} id="ocpp.dialledUrl" label=${t("ocpp.dialledUrl")}
        value=${status?.ocpp?.dialledUrl || "—"} />
      ${status?.ocpp?.stuck
        ? html`<p class="msg msg-error" role="status" data-id="ocpp-stuck">${
          t("ocpp.stuck", {
            kind: status.ocpp.stuck.kind,
            session: status.ocpp.stuck.sessionId,
            attempts: status.ocpp.stuck.attempts,
            error: status.ocpp.stuck.lastError,
          })
        }</p>`
        : null}
      <${SecretField} f=${form} k="ocpp.authorizationKey" label=${t(
        "ocpp.authKey",
      )}
        hint=${t("ocpp.authKeyHint")} />
      <//>
  ` as VNode;
}

/** The communication page. */
export function CommunicationPage(): VNode {
  const { status } = useStore(live);
  return html`
    <h1>${t("page.communication")}</h1>
    <${OcppCard} />
    <${ModbusCard} connectors=${status?.connectors.length ?? 2} />
    <${ClusterCard} />
    <${MqttCard} />
    <${MetricsCard} />
  ` as VNode;
}
