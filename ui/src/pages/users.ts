/**
 * User management (manual 1.8): authorization (identification, authenticator, master key),
 * the whitelist of users, and security (vendor OS access).
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { CheckField, ReadOnly, SelectField, TextField } from "../components/field.ts";
import { FormCard } from "../components/form_card.ts";
import { useSettingsForm } from "../components/settings_form.ts";
import { t } from "../i18n.ts";
import { session } from "../session.ts";
import { useStore } from "../store.ts";
import { OwnerAccountCard, OwnerChargingCard } from "./users_owner.ts";
import { WhitelistCard } from "./whitelist.ts";

function AuthorizationCard(): VNode {
  const form = useSettingsForm([
    "auth.identification",
    "auth.dummyIdTag",
    "auth.masterKey",
  ]);
  const mode = form.value("auth.identification");
  return html`<${FormCard} id="authorization" title=${t("auth.title")} form=${form}>
    <${SelectField} f=${form} k="auth.identification" label=${t("auth.identification")} options=${[
    ["anyCard", t("auth.anyCard")],
    ["none", t("auth.none")],
    ["validCard", t("auth.validCard")],
  ]} hint=${
    t(
      mode === "anyCard"
        ? "auth.anyCardHint"
        : mode === "none"
        ? "auth.noneHint"
        : "auth.validCardHint",
    )
  } />
    ${
    mode === "none"
      ? html`<${TextField} f=${form} k="auth.dummyIdTag" label=${t("auth.dummyId")} />`
      : null
  }
    <${ReadOnly} id="auth.authenticator" label=${t("auth.authenticator")} value="Backend (OCPP)"
      hint=${t("auth.authenticatorHint")} />
    <${TextField} f=${form} k="auth.masterKey" label=${t("auth.masterKey")}
      hint=${t("auth.masterKeyHint")} />
  <//>` as VNode;
}

function SecurityCard(): VNode {
  const form = useSettingsForm(["security.remoteVendorAccess"]);
  return html`
    <${FormCard} id="security" title=${t("security.title")} form=${form}
      intro=${html`<p class="msg msg-warn">${t("security.warning")}</p>`}>
      <${CheckField} f=${form} k="security.remoteVendorAccess"
        label=${t("security.vendorAccess")} />
      <//>
  ` as VNode;
}

/** The user management page; an owner sees the whitelist and the charging current. */
export function UsersPage(): VNode {
  const owner = useStore(session).session?.role === "owner";
  if (owner) {
    return html`
      <h1>${t("page.users")}</h1>
      <${OwnerChargingCard} />
      <${WhitelistCard} />
    ` as VNode;
  }
  return html`
    <h1>${t("page.users")}</h1>
    <${AuthorizationCard} />
    <${WhitelistCard} />
    <${OwnerAccountCard} />
    <${SecurityCard} />
  ` as VNode;
}
