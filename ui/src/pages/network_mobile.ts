/**
 * Mobile (manual 1.4.2): SIM data (PIN, APN, user, password) on stations with a modem, and
 * the modem, operator and signal, read-only.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { ReadOnly, TextField } from "../components/field.ts";
import { FormCard } from "../components/form_card.ts";
import { SecretField } from "../components/secret_field.ts";
import { useSettingsForm } from "../components/settings_form.ts";
import { t } from "../i18n.ts";

const MOBILE_KEYS = [
  "mobile.pin",
  "mobile.apn",
  "mobile.user",
  "mobile.password",
];

/** The mobile card; `modem` from `GET /api/network`. */
export function MobileCard(
  props: { modem?: Record<string, unknown> & { present?: boolean } },
) {
  const form = useSettingsForm(MOBILE_KEYS);
  const m = props.modem;
  const signal = typeof m?.signalPercent === "number" ? `${m.signalPercent} %` : "–";
  const device = html`
    <div class="two-col readonly-block">
      <div>
        <h3>${t("mobile.mobile")}</h3>
        <${ReadOnly} id="modem.signal" label=${t(
          "mobile.signal",
        )} value=${signal} />
        <${ReadOnly} id="modem.sim" label=${t("mobile.sim")} value=${m
          ?.simState} />
        <${ReadOnly} id="modem.operator" label=${t("mobile.operator")} value=${m
          ?.operator} />
      </div>
      <div>
        <h3>${t("mobile.device")}</h3>
        <${ReadOnly} id="modem.model" label=${t("mobile.model")} value=${m
          ?.model} />
        <${ReadOnly} id="modem.imei" label="IMEI" value=${m?.imei} />
      </div>
    </div>
  `;
  return html`
    <${FormCard} id="mobile" title=${t("mobile.title")} form=${form}
      intro=${m && m.present === false
        ? html`<p class="msg msg-info">${t("mobile.noModem")}</p>`
        : device}>
      <h3>${t("mobile.simData")}</h3>
      <div class="two-col">
        <${SecretField} f=${form} k="mobile.pin" label=${t("mobile.pin")}
          inputmode="numeric" />
        <${TextField} f=${form} k="mobile.apn" label=${t("mobile.apn")} />
        <${TextField} f=${form} k="mobile.user" label=${t("mobile.user")}
          autocomplete="off" />
        <${SecretField} f=${form} k="mobile.password" label=${t(
          "mobile.password",
        )} />
      </div>
      <//>
  ` as VNode;
}
