/**
 * The CA certificate of the OCPP backend (for wss://): upload stores it at once (the station
 * checks it and answers with subject and expiry); remove clears it.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useState } from "preact/hooks";
import { get, post, put } from "../api.ts";
import { errorText } from "../components/settings_form.ts";
import { fmtDateTime, t } from "../i18n.ts";
import type { SettingsAnswer } from "../types.ts";

const KEY = "ocpp.caCertificatePem";

/** What the station reads from a CA certificate. */
interface CertInfo {
  subject: string;
  issuer?: string;
  validTo: string;
  expired?: boolean;
}

/** The certificate field of the OCPP card. */
export function CaCertificate(): VNode {
  const [stored, setStored] = useState<boolean | null>(null);
  const [cert, setCert] = useState<CertInfo | null>(null);
  const [message, setMessage] = useState<{ kind: string; text: string } | null>(
    null,
  );

  const load = async () => {
    const answer = await get<SettingsAnswer>(`/api/settings?keys=${KEY}`);
    const pem = answer.values[KEY];
    setStored(typeof pem === "string" && pem !== "");
    // Optional route: describes the stored certificate where the station offers it.
    if (pem) {
      get<CertInfo>("/api/settings/ca-certificate").then(setCert, () => {});
    }
  };
  useEffect(() => {
    load().catch((e) => setMessage({ kind: "error", text: errorText(e) }));
  }, []);

  const upload = async (e: Event) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    setMessage(null);
    try {
      const text = await file.text();
      setCert(
        await post<CertInfo>(
          "/api/settings/ca-certificate",
          text,
          "application/x-pem-file",
        ),
      );
      setStored(true);
      setMessage({ kind: "ok", text: t("ocpp.caUploaded") });
    } catch (err) {
      setMessage({ kind: "error", text: errorText(err) });
    }
    input.value = "";
  };
  const remove = async () => {
    setMessage(null);
    try {
      await put("/api/settings", { values: { [KEY]: "" } });
      setCert(null);
      setStored(false);
      setMessage({ kind: "ok", text: t("ocpp.caRemoved") });
    } catch (err) {
      setMessage({ kind: "error", text: errorText(err) });
    }
  };

  const state = cert
    ? t("ocpp.caInfo", {
      subject: cert.subject,
      validTo: fmtDateTime(cert.validTo),
    })
    : stored
    ? t("ocpp.caStored")
    : stored === false
    ? t("ocpp.caNone")
    : t("common.loading");
  return html`<div class="field ca" data-field=${KEY}>
    <label for="f-ca-file">${t("ocpp.ca")}</label>
    <p class="value" data-id="ca-state">${state}
      ${
    cert?.expired
      ? html`
        <span class="badge badge-error">${t("ocpp.caExpired")}</span>
      `
      : null
  }</p>
    <input id="f-ca-file" type="file" accept=".pem,.crt,.cer,application/x-pem-file"
      aria-describedby="f-ca-hint" onChange=${upload} />
    <p class="hint" id="f-ca-hint">${t("ocpp.caHint")}</p>
    ${
    stored
      ? html`<button type="button" class="link" onClick=${remove}>${t("ocpp.caRemove")}</button>`
      : null
  }
    ${
    message
      ? html`
        <p class=${message.kind === "error" ? "field-error" : "msg msg-ok"}
          role=${message.kind === "error" ? "alert" : "status"}>${message
            .text}</p>
      `
      : null
  }
  </div>` as VNode;
}
