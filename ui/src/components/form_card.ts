/**
 * A card with one form: its fields, *Save* and *Reload*, and what the station answered
 * (saved, refused, needs a restart).
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { t } from "../i18n.ts";
import { restart } from "./admin_actions.ts";
import type { SettingsForm } from "./settings_form.ts";

/** The message line of a form. */
export function FormStatus(
  props: {
    form: Pick<
      SettingsForm,
      "message" | "dirty" | "restartNeeded" | "otherErrors"
    >;
  },
): VNode {
  const { message, dirty, restartNeeded, otherErrors } = props.form;
  return html`<div class="form-status" aria-live="polite">
    ${
    message
      ? html`<p class=${`msg msg-${message.kind}`} role=${
        message.kind === "error" ? "alert" : "status"
      }>
          ${message.text}
        </p>`
      : dirty
      ? html`<p class="msg msg-dirty">${t("form.unsaved")}</p>`
      : null
  }
    ${
    otherErrors.length > 0
      ? html`<ul class="msg msg-error">${otherErrors.map((e) => html`<li>${e}</li>`)}</ul>`
      : null
  }
    ${
    restartNeeded
      ? html`<p class="msg msg-warn" role="status">${t("form.restartNeeded")}
          <button type="button" class="link" onClick=${() => restart("daemon")}>
            ${t("admin.daemonRestart")}
          </button></p>`
      : null
  }
  </div>` as VNode;
}

/** The card: title, fields (children), actions. `id` names the form for tests and links. */
export function FormCard(
  props: {
    id: string;
    title: string;
    form: SettingsForm;
    children: unknown;
    intro?: unknown;
    /** Shown below the form (controls that act at once, such as an upload). */
    extra?: unknown;
  },
): VNode {
  const { form } = props;
  const onSubmit = (e: Event) => {
    e.preventDefault();
    form.save();
  };
  return html`<section class="card" id=${props.id} aria-labelledby=${props.id + "-title"}>
    <h2 id=${props.id + "-title"}>${props.title}</h2>
    ${props.intro}
    ${
    form.loaded
      ? html`
        <form novalidate onSubmit=${onSubmit} data-form=${props.id}>
          <fieldset class="plain" disabled=${form.busy}>${props
            .children}</fieldset>
          <${FormActions} form=${form} />
        </form>
      `
      : html`<p class="muted">${form.message?.text ?? t("common.loading")}</p>`
  }
    ${props.extra ? html`<div class="card-extra">${props.extra}</div>` : null}
  </section>` as VNode;
}

/** Save and Reload, then the status line. */
export function FormActions(props: { form: SettingsForm }): VNode {
  const { form } = props;
  return html`
    <div class="actions">
      <button type="submit" class="primary"
        disabled=${form.busy}>${t("form.save")}</button>
      <button type="button" disabled=${form.busy} onClick=${() => form.reload()}>
            ${t("form.reload")}
          </button>
    </div>
    <${FormStatus} form=${form} />
  ` as VNode;
}
