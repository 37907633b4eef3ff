/**
 * Display (manual 1.7): the branding on the station's display.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { RadioField } from "../components/field.ts";
import { FormCard } from "../components/form_card.ts";
import { useSettingsForm } from "../components/settings_form.ts";
import { t } from "../i18n.ts";

/** The display page. */
export function DisplayPage(): VNode {
  const form = useSettingsForm(["display.branding"]);
  return html`
    <h1>${t("page.display")}</h1>
    <${FormCard} id="branding" title="Branding" form=${form}>
      <${RadioField} f=${form} k="display.branding" label=${t("display.logo")}
        options=${[
          ["neutral", t("display.neutral")],
          ["operator", t("display.operator"), true],
          ["vendor", t("display.vendor")],
        ]} />
      <//>
  ` as VNode;
}
