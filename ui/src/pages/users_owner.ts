/**
 * The owner account: the installer creates it, changes its password, sets the highest charging
 * current it may choose, or removes it; the owner sets the charging current up to that.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, del, get, put } from "../api.ts";
import { NumberField, TextField } from "../components/field.ts";
import { FormCard } from "../components/form_card.ts";
import { useLocalForm } from "../components/local_form.ts";
import { useSettingsForm } from "../components/settings_form.ts";
import { t } from "../i18n.ts";

interface Users {
  users: { user: string; role: string; exists: boolean }[];
}

/** The installer's card of the owner account. */
export function OwnerAccountCard(): VNode {
  const [exists, setExists] = useState<boolean | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const form = useLocalForm({ password: "", repeatPassword: "" });
  const limits = useSettingsForm(["power.ownerMaxCurrentMa"]);
  const load = () =>
    get<Users>("/api/users").then((u) =>
      setExists(u.users.find((x) => x.role === "owner")?.exists ?? false)
    );
  useEffect(() => {
    load().catch(() => setExists(false));
  }, []);
  const save = async (e: Event) => {
    e.preventDefault();
    form.setBusy(true);
    try {
      await put("/api/users/owner", form.values);
      form.reset();
      setMessage({ ok: true, text: exists ? t("owner.changed") : t("owner.created") });
      await load();
    } catch (err) {
      if (err instanceof ApiError) {
        const rest = form.showRefusal(err);
        setMessage(rest.length > 0 ? { ok: false, text: rest.join(" ") } : null);
      } else setMessage({ ok: false, text: String(err) });
    } finally {
      form.setBusy(false);
    }
  };
  const remove = async () => {
    await del("/api/users/owner");
    setMessage({ ok: true, text: t("owner.removed") });
    await load();
  };
  return html`
    <section class="card" aria-labelledby="owner-title" data-form="owner">
      <h2 id="owner-title">${t("owner.title")}</h2>
      <p class="hint">${t("owner.intro")}</p>
      <p data-id="owner-state">${exists === null
        ? t("common.loading")
        : exists
        ? t("owner.exists")
        : t("owner.none")}</p>
      <form onSubmit=${save}>
        <div class="two-col">
          <${TextField} f=${form} k="password" type="password" label=${t("owner.password")}
            autocomplete="new-password" hint=${t("profile.rule")} />
          <${TextField} f=${form} k="repeatPassword" type="password"
            label=${t("profile.repeat")} autocomplete="new-password" />
        </div>
        <div class="actions">
          <button type="submit" class="primary" disabled=${form.busy}>${exists
            ? t("owner.change")
            : t("owner.create")}</button>
          ${exists
            ? html`
              <button type="button" class="danger" data-action="owner-remove"
                onClick=${remove}>${t("owner.remove")}</button>
            `
            : null}
        </div>
      </form>
      ${message
        ? html`<p class=${`msg ${
          message.ok ? "msg-ok" : "msg-error"
        }`} role="status">${message.text}</p>`
        : null}
    </section>
    <${FormCard} id="owner-limits" title=${t("owner.limitTitle")} form=${limits}>
      <${NumberField} f=${limits} k="power.ownerMaxCurrentMa" label=${t("owner.maxCurrent")}
        unit="mA" hint=${t("owner.maxCurrentHint")} />
      <//>
  ` as VNode;
}

/** The owner's card: the charging current, up to the installer's maximum. */
export function OwnerChargingCard(): VNode {
  const form = useSettingsForm(["power.stationMaxCurrentMa"]);
  const [max, setMax] = useState<number | null>(null);
  useEffect(() => {
    get<{ values: Record<string, number> }>("/api/settings?keys=power.ownerMaxCurrentMa")
      .then((r) => setMax(r.values["power.ownerMaxCurrentMa"] ?? null)).catch(() => {});
  }, []);
  return html`
    <${FormCard} id="owner-current" title=${t("owner.currentTitle")} form=${form}>
      <${NumberField} f=${form} k="power.stationMaxCurrentMa" label=${t("owner.current")}
        unit="mA" hint=${t("owner.currentHint", { max: max === null ? "…" : String(max) })} />
      <//>
  ` as VNode;
}
