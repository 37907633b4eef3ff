/**
 * Station (manual 1.6): date and time, the charge modules, and the connection current
 * (load management level 1).
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { NumberField } from "../components/field.ts";
import { FormCard } from "../components/form_card.ts";
import { useSettingsForm } from "../components/settings_form.ts";
import { fmtNumber, t } from "../i18n.ts";
import { live } from "../live.ts";
import { useStore } from "../store.ts";
import { ModulesCard } from "./station_modules.ts";
import { TimeCard } from "./station_time.ts";

function PowerCard(props: { connectors: number }): VNode {
  const form = useSettingsForm(["power.stationMaxCurrentMa"]);
  const cap = props.connectors === 1 ? 32_000 : 63_000;
  return html`
    <${FormCard} id="power" title=${t("power.title")} form=${form}
      intro=${html`<p class="hint">${t("power.intro")}</p>`}>
      <${NumberField} f=${form} k="power.stationMaxCurrentMa" label=${t(
        "power.current",
      )}
        unit="mA"
        hint=${t("power.capHint", {
          cap: fmtNumber(cap),
          n: props.connectors,
        })} />
      <//>
  ` as VNode;
}

/** The station page. */
export function StationPage(): VNode {
  const { status } = useStore(live);
  return html`
    <h1>${t("page.station")}</h1>
    <${TimeCard} />
    <${ModulesCard} />
    <${PowerCard} connectors=${status?.connectors.length ?? 2} />
  ` as VNode;
}
