/**
 * The admin's profile (manual 1.2 "Benutzer Profil"): change the password with old, new and
 * repeated password; the rule is shown before typing.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useState } from "preact/hooks";
import { ApiError, post } from "../api.ts";
import { TextField } from "../components/field.ts";
import { useLocalForm } from "../components/local_form.ts";
import { errorText } from "../components/settings_form.ts";
import { t } from "../i18n.ts";
import { checkSession, endSession, session } from "../session.ts";

/** The profile page. */
export function ProfilePage(): VNode {
  const form = useLocalForm({
    oldPassword: "",
    newPassword: "",
    repeatPassword: "",
  });
  const [message, setMessage] = useState<
    { kind: "ok" | "error"; text: string } | null
  >(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setMessage(null);
    const { newPassword, repeatPassword } = form.values;
    if (newPassword !== repeatPassword) {
      form.setErrors({ repeatPassword: t("profile.mismatch") });
      return;
    }
    form.setBusy(true);
    try {
      await post("/api/password", form.values);
      form.reset();
      await checkSession();
      // The station ends sessions on a password change: then log in with the new one.
      if (!session.get().session) endSession("passwordChanged");
      else setMessage({ kind: "ok", text: t("profile.changed") });
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) {
        const rest = form.showRefusal(err);
        setMessage({
          kind: "error",
          text: rest.join(" ") || t("form.notSaved"),
        });
      } else setMessage({ kind: "error", text: errorText(err) });
    } finally {
      form.setBusy(false);
    }
  };

  return html`
    <h1>${t("admin.profile")}</h1>
    <section class="card narrow-card" aria-labelledby="pw-title">
      <h2 id="pw-title">${t("profile.password")}</h2>
      <p class="hint">${t("profile.rule")}</p>
      <form novalidate onSubmit=${submit} data-form="password">
          <${TextField} f=${form} k="oldPassword" type="password" label=${t(
            "profile.old",
          )}
            autocomplete="current-password" />
          <${TextField} f=${form} k="newPassword" type="password" label=${t(
            "profile.new",
          )}
            autocomplete="new-password" />
          <${TextField} f=${form} k="repeatPassword" type="password" label=${t(
            "profile.repeat",
          )}
            autocomplete="new-password" />
          <div class="actions">
            <button type="submit" class="primary" disabled=${form.busy}>${t(
              "form.save",
            )}</button>
          </div>
          ${message
            ? html`<p class=${`msg msg-${message.kind}`} role=${
              message.kind === "error" ? "alert" : "status"
            }>
          ${message.text}</p>`
            : null}
        </form>
      <p class="hint">${t("profile.lost")}</p>
    </section>
  ` as VNode;
}
