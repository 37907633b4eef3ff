/**
 * A write-only setting (password, PIN, key): the station never sends it back; the field is
 * empty with the placeholder "stored" when one is set, typing replaces it, "Remove" clears it.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { t } from "../i18n.ts";
import { TextField } from "./field.ts";
import type { SettingsForm } from "./settings_form.ts";

/** The field of secret `k`. */
export function SecretField(
  props: {
    f: SettingsForm;
    k: string;
    label: string;
    inputmode?: string;
    hint?: string;
  },
): VNode {
  const stored = props.f.secretSet?.(props.k);
  const cleared = props.f.meta(props.k)?.set && !stored;
  const hint = [
    props.hint,
    stored ? t("field.storedHint") : cleared ? t("field.cleared") : t("field.writeOnly"),
  ]
    .filter(Boolean).join(" ");
  return html`<div class="secret">
    <${TextField} f=${props.f} k=${props.k} label=${props.label} type="password"
      inputmode=${props.inputmode} autocomplete="new-password" hint=${hint} />
    ${
    stored
      ? html`<button type="button" class="link" onClick=${() => props.f.clearSecret(props.k)}>
          ${t("field.clear")}</button>`
      : null
  }
  </div>` as VNode;
}
