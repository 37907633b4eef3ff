/**
 * Labelled form fields: every input has a `<label>`, its hint and its error (from the
 * station's refusal, in the user's language) are tied to it with `aria-describedby`.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { t } from "../i18n.ts";

/** What a field reads and writes: a settings form or any small local form. */
export interface FormLike {
  value(key: string): unknown;
  set(key: string, value: unknown): void;
  error(key: string): string | undefined;
  /** Whether the setting is a stored secret (write-only field: placeholder "stored"). */
  secretSet?(key: string): boolean;
}

/** The DOM id of the input of `key`. */
export function fieldId(key: string): string {
  return "f-" + key.replace(/[^A-Za-z0-9_-]/g, "-");
}

interface BaseProps {
  f: FormLike;
  k: string;
  label: string;
  hint?: string | VNode;
  disabled?: boolean;
}

function Wrap(
  props: BaseProps & { children: unknown; kind?: string; after?: unknown },
): VNode {
  const id = fieldId(props.k);
  const error = props.f.error(props.k);
  return html`<div class=${`field ${props.kind ?? ""} ${
    error ? "has-error" : ""
  }`} data-field=${props.k}>
    ${props.kind === "field-check" ? null : html`<label for=${id}>${props.label}</label>`}
    ${props.children}
    ${props.hint ? html`<p class="hint" id=${id + "-hint"}>${props.hint}</p>` : null}
    ${error ? html`<p class="field-error" id=${id + "-err"} role="alert">${error}</p>` : null}
  </div>` as VNode;
}

function describedBy(props: BaseProps): string | undefined {
  const id = fieldId(props.k);
  const ids = [
    props.hint ? id + "-hint" : "",
    props.f.error(props.k) ? id + "-err" : "",
  ];
  return ids.filter(Boolean).join(" ") || undefined;
}

/** A text input (also `password`, `url`). */
export function TextField(
  props: BaseProps & {
    type?: string;
    placeholder?: string;
    autocomplete?: string;
    inputmode?: string;
    unit?: string;
  },
): VNode {
  const secret = props.f.secretSet?.(props.k) ?? false;
  const value = props.f.value(props.k);
  const input = html`
    <input
      id=${fieldId(props.k)}
      name=${props.k}
      type=${props.type ?? "text"}
      value=${value === null || value === undefined ? "" : String(value)}
      placeholder=${secret ? t("field.stored") : props.placeholder}
      autocomplete=${props.autocomplete ?? "off"}
      inputmode=${props.inputmode}
      disabled=${props.disabled}
      aria-invalid=${props.f.error(props.k) ? "true" : undefined}
      aria-describedby=${describedBy(props)}
      onInput=${(e: Event) => props.f.set(props.k, (e.target as HTMLInputElement).value)}
    />
  `;
  return Wrap({
    ...props,
    children: props.unit
      ? html`<div class="with-unit">${input}<span>${props.unit}</span></div>`
      : input,
  });
}

/** A number input with its unit; the value stays text until Save converts it. */
export function NumberField(
  props: BaseProps & { unit?: string; step?: number },
): VNode {
  return TextField({
    ...props,
    inputmode: props.step && props.step < 1 ? "decimal" : "numeric",
  });
}

/** A select of `[value, label]` options. */
export function SelectField(
  props: BaseProps & { options: [string, string, boolean?][] },
): VNode {
  const value = String(props.f.value(props.k) ?? "");
  return Wrap({
    ...props,
    children: html`
      <select
        id=${fieldId(props.k)}
        name=${props.k}
        disabled=${props.disabled}
        aria-invalid=${props.f.error(props.k) ? "true" : undefined}
        aria-describedby=${describedBy(props)}
        onChange=${(e: Event) => props.f.set(props.k, (e.target as HTMLSelectElement).value)}
      >
            ${props.options.map(([v, label, disabled]) =>
              html`
                <option value=${v} selected=${v === value}
                  disabled=${disabled}>${label}</option>
              `
            )}
          </select>
    `,
  });
}

/** A checkbox with its label beside it. */
export function CheckField(props: BaseProps): VNode {
  const id = fieldId(props.k);
  return Wrap({
    ...props,
    kind: "field-check",
    children: html`<div class="check"><input
      id=${id}
      name=${props.k}
      type="checkbox"
      checked=${props.f.value(props.k) === true}
      disabled=${props.disabled}
      aria-describedby=${describedBy(props)}
      onChange=${(e: Event) => props.f.set(props.k, (e.target as HTMLInputElement).checked)}
    /><label for=${id}>${props.label}</label></div>`,
  });
}

/** Radio buttons in a fieldset; an option can be shown disabled with a note. */
export function RadioField(
  props: BaseProps & { options: [string, string, boolean?][] },
): VNode {
  const value = String(props.f.value(props.k) ?? "");
  const error = props.f.error(props.k);
  return html`<fieldset class=${`field radios ${error ? "has-error" : ""}`} data-field=${props.k}>
    <legend>${props.label}</legend>
    ${
    props.options.map(([v, label, disabled]) => {
      const id = `${fieldId(props.k)}-${v}`;
      return html`<div class="check"><input
        type="radio"
        id=${id}
        name=${props.k}
        value=${v}
        checked=${v === value}
        disabled=${disabled || props.disabled}
        onChange=${() => props.f.set(props.k, v)}
      /><label for=${id}>${label}</label></div>`;
    })
  }
    ${props.hint ? html`<p class="hint">${props.hint}</p>` : null}
    ${error ? html`<p class="field-error" role="alert">${error}</p>` : null}
  </fieldset>` as VNode;
}

/** A read-only value with its label (an `<output>`, so it is read out with the label). */
export function ReadOnly(
  props: { id: string; label: string; value: unknown; hint?: string },
): VNode {
  return html`<div class="field readonly" data-field=${props.id}>
    <label for=${fieldId(props.id)}>${props.label}</label>
    <output id=${fieldId(props.id)} class="value">${props.value ?? "–"}</output>
    ${props.hint ? html`<p class="hint">${props.hint}</p>` : null}
  </div>` as VNode;
}
