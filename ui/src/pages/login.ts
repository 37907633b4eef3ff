/**
 * Login (manual 1.1): user admin; the initial password is the serial number, or the factory
 * password from the label on stations from 08/2025.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useState } from "preact/hooks";
import { ApiError } from "../api.ts";
import { TextField } from "../components/field.ts";
import { useLocalForm } from "../components/local_form.ts";
import { errorText } from "../components/settings_form.ts";
import { type Key, setLang, t, useLang } from "../i18n.ts";
import { login, type LoginReason } from "../session.ts";

/** The login page; `reason` explains why it is shown (session expired, restarted, …). */
export function LoginPage(props: { reason?: LoginReason }): VNode {
  const current = useLang();
  const form = useLocalForm({ user: "admin", password: "" });
  const [message, setMessage] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    form.setBusy(true);
    setMessage(null);
    try {
      await login(form.values.user ?? "", form.values.password ?? "");
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) {
        setMessage(t("login.throttled", { s: err.retryAfterS ?? 1 }));
      } else if (err instanceof ApiError && err.status === 401) {
        form.setErrors({ password: t("login.wrong") });
      } else if (err instanceof ApiError && err.status === 400) {
        setMessage(form.showRefusal(err).join(" ") || null);
      } else setMessage(errorText(err));
      form.setBusy(false);
    }
  };

  return html`
    <main class="center login-page">
      <form class="card narrow" onSubmit=${submit} novalidate
        aria-labelledby="login-title">
          <div class="login-head">
            <span class="logo big" aria-hidden="true">⚡</span>
            <h1 id="login-title">${t("login.title")}</h1>
            <button type="button" class="link" lang=${current === "de" ? "en" : "de"}
              onClick=${() => setLang(current === "de" ? "en" : "de")}>
              ${current === "de" ? "English" : "Deutsch"}
            </button>
          </div>
          ${props.reason
            ? html`<p class="msg msg-info" role="status">${
              t(`login.reason.${props.reason}` as Key)
            }</p>`
            : null}
          <${TextField} f=${form} k="user" label=${t(
            "login.user",
          )} autocomplete="username" />
          <${TextField} f=${form} k="password" type="password" label=${t(
            "login.password",
          )}
            autocomplete="current-password" hint=${t("login.hint")} />
          ${message ? html`<p class="msg msg-error" role="alert">${message}</p>` : null}
          <div class="actions">
            <button type="submit" class="primary wide" disabled=${form
              .busy}>${t("login.submit")}</button>
          </div>
        </form>
    </main>
  ` as VNode;
}
