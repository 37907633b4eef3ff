/**
 * The Modbus TCP server (load management level 3) and the cluster (level 2) forms.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import {
  CheckField,
  NumberField,
  RadioField,
  SelectField,
  TextField,
} from "../components/field.ts";
import { FormCard } from "../components/form_card.ts";
import { SecretField } from "../components/secret_field.ts";
import { useSettingsForm } from "../components/settings_form.ts";
import { t } from "../i18n.ts";

const cpKeys = (
  n: number,
) => [`modbus.cp${n}.fallbackCurrentMa`, `modbus.cp${n}.fallbackTimeoutS`];

/** The Modbus form; fallback fields for each of the `connectors` charge points. */
export function ModbusCard(props: { connectors: number }): VNode {
  const points = props.connectors === 1 ? [1] : [1, 2];
  const form = useSettingsForm([
    "modbus.enabled",
    "modbus.port",
    "modbus.unitId",
    "modbus.access",
    ...points.flatMap(cpKeys),
  ]);
  return html`
    <${FormCard} id="modbus" title=${t("modbus.title")} form=${form}
      intro=${html`<p class="hint">${t("modbus.intro")}</p>`}>
        <${CheckField} f=${form} k="modbus.enabled" label=${t(
          "common.enabled",
        )} />
        <div class="two-col">
          <${NumberField} f=${form} k="modbus.port" label=${t(
            "modbus.port",
          )} hint="1–65535" />
          <${NumberField} f=${form} k="modbus.unitId" label=${t(
            "modbus.unitId",
          )} hint="1–247" />
        </div>
        <${SelectField} f=${form} k="modbus.access" label=${t(
          "modbus.access",
        )} options=${[
          ["read", t("modbus.read")],
          ["readWrite", t("modbus.readWrite")],
        ]} />
        ${points.map((n) =>
          html`
            <fieldset class="group">
              <legend>${t("dash.cp")} ${n}</legend>
              <div class="two-col">
                <${NumberField} f=${form} k=${`modbus.cp${n}.fallbackCurrentMa`}
                  label=${t("modbus.fallbackCurrent")} unit="mA" hint=${t(
                    "modbus.fallbackCurrentHint",
                  )} />
                <${NumberField} f=${form} k=${`modbus.cp${n}.fallbackTimeoutS`}
                  label=${t("modbus.fallbackTimeout")} unit="s" hint=${t(
                    "modbus.fallbackTimeoutHint",
                  )} />
              </div>
            </fieldset>
          `
        )}
      <//>
  ` as VNode;
}

/** The cluster form (level 2). */
export function ClusterCard(): VNode {
  const form = useSettingsForm([
    "cluster.enabled",
    "cluster.role",
    "cluster.limitA",
    "cluster.broker",
    "cluster.id",
    "cluster.fallbackA",
    "cluster.username",
    "cluster.password",
  ]);
  const allocates = form.value("cluster.role") !== "slave";
  return html`
    <${FormCard} id="cluster" title=${t("cluster.title")} form=${form}>
      <${CheckField} f=${form} k="cluster.enabled" label=${t(
        "cluster.enable",
      )} />
      <${RadioField} f=${form} k="cluster.role" label=${t("cluster.role")}
        options=${[
          ["master", "Master"],
          ["slave", "Slave"],
          ["standby", t("cl.roleName.standby")],
        ]} hint=${t("cluster.roleHint")} />
      <${NumberField} f=${form} k="cluster.limitA" label=${t(
        "cluster.limit",
      )} unit="A"
        hint=${t(
          "cluster.limitHint",
        )} disabled=${!allocates} />
      <div class="two-col">
        <${TextField} f=${form} k="cluster.broker" label=${t("cluster.broker")}
          placeholder="mqtt://192.168.1.10:1883" hint=${t("cluster.brokerHint")} />
        <${TextField} f=${form} k="cluster.id" label=${t("cluster.id")}
          hint=${t("cluster.idHint")} />
      </div>
      <${NumberField} f=${form} k="cluster.fallbackA" label=${t("cluster.fallback")} unit="A"
        hint=${t("cluster.fallbackHint")} />
      <div class="two-col">
        <${TextField} f=${form} k="cluster.username" label=${t("cluster.username")} />
        <${SecretField} f=${form} k="cluster.password" label=${t("cluster.password")} />
      </div>
      <//>
  ` as VNode;
}
