/**
 * The MQTT API (B-6: telemetry, control, Home Assistant discovery) and the metrics token of
 * `GET /metrics` for a Prometheus scraper.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { CheckField, NumberField, TextField } from "../components/field.ts";
import { FormCard } from "../components/form_card.ts";
import { SecretField } from "../components/secret_field.ts";
import { useSettingsForm } from "../components/settings_form.ts";
import { t } from "../i18n.ts";
import { live } from "../live.ts";
import { useStore } from "../store.ts";

/** The MQTT API form, with the connection state. */
export function MqttCard(): VNode {
  const { status } = useStore(live);
  const mqtt = (status as { mqtt?: { connected: boolean; prefix: string } } | null)?.mqtt;
  const form = useSettingsForm([
    "mqtt.enabled",
    "mqtt.broker",
    "mqtt.username",
    "mqtt.password",
    "mqtt.topicPrefix",
    "mqtt.periodS",
    "mqtt.discovery",
    "mqtt.discoveryPrefix",
    "mqtt.control",
    "mqtt.startIdTag",
    "mqtt.limitTimeoutS",
    "mqtt.fallbackCurrentA",
  ]);
  const state = !form.value("mqtt.enabled")
    ? t("mqtt.off")
    : mqtt?.connected
    ? t("mqtt.connected", { prefix: mqtt.prefix })
    : t("mqtt.notConnected");
  return html`
    <${FormCard} id="mqtt" title=${t("mqtt.title")} form=${form}
      intro=${html`
        <p class="hint">${t("mqtt.intro")}</p>
        <p class="msg msg-info" data-id="mqtt-state">${state}</p>
      `}>
      <${CheckField} f=${form} k="mqtt.enabled" label=${t("common.enabled")} />
      <${TextField} f=${form} k="mqtt.broker" label=${t("mqtt.broker")}
        placeholder="mqtt://192.168.1.10:1883" />
      <div class="two-col">
        <${TextField} f=${form} k="mqtt.username" label=${t("cluster.username")} />
        <${SecretField} f=${form} k="mqtt.password" label=${t("cluster.password")} />
      </div>
      <div class="two-col">
        <${TextField} f=${form} k="mqtt.topicPrefix" label=${t("mqtt.prefix")}
          placeholder=${`ladewerk/${status?.serial ?? ""}`} hint=${t("mqtt.prefixHint")} />
        <${NumberField} f=${form} k="mqtt.periodS" label=${t("mqtt.period")} unit="s" />
      </div>
      <${CheckField} f=${form} k="mqtt.discovery" label=${t("mqtt.discovery")} />
      <${TextField} f=${form} k="mqtt.discoveryPrefix" label=${t("mqtt.discoveryPrefix")} />
      <${CheckField} f=${form} k="mqtt.control" label=${t("mqtt.control")} />
      <${TextField} f=${form} k="mqtt.startIdTag" label=${t("mqtt.startIdTag")}
        hint=${t("mqtt.startIdTagHint")} />
      <div class="two-col">
        <${NumberField} f=${form} k="mqtt.limitTimeoutS" label=${t("mqtt.limitTimeout")}
          unit="s" hint=${t("mqtt.limitTimeoutHint")} />
        <${NumberField} f=${form} k="mqtt.fallbackCurrentA" label=${t("cluster.fallback")}
          unit="A" hint=${t("mqtt.fallbackHint")} />
      </div>
      <//>
  ` as VNode;
}

/** The bearer token of `GET /metrics`. */
export function MetricsCard(): VNode {
  const form = useSettingsForm(["metrics.token"]);
  return html`
    <${FormCard} id="metrics" title=${t("metrics.title")} form=${form}
      intro=${html`<p class="hint">${t("metrics.intro")}</p>`}>
      <${SecretField} f=${form} k="metrics.token" label=${t("metrics.token")}
        hint=${t("metrics.tokenHint")} />
      <//>
  ` as VNode;
}
