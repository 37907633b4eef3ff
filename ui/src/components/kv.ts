/**
 * One row of a key-value list (`<dl class="kv">`): a label and its value, `–` when there is
 * none; `id` names the value for tests.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";

export function kvRow(label: string, value: unknown, id?: string): VNode {
  return html`
    <div class="kv-row">
      <dt>${label}</dt>
      <dd data-id=${id}>${value ?? "–"}</dd>
    </div>
  ` as VNode;
}
