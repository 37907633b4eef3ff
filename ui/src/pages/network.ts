/**
 * Network (manual 1.4): the WAN interface (IPv4 and IPv6: Auto (DHCP), Manual, or — IPv4
 * only — Shared as DHCP server) and the mobile modem (SIM data, read-only modem facts).
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useState } from "preact/hooks";
import { get, post } from "../api.ts";
import { CheckField, NumberField, SelectField, TextField } from "../components/field.ts";
import { FormCard } from "../components/form_card.ts";
import { errorText, useSettingsForm } from "../components/settings_form.ts";
import { t } from "../i18n.ts";
import { MobileCard } from "./network_mobile.ts";

const V4 = [
  "mode",
  "address",
  "prefix",
  "gateway",
  "dns",
  "dhcpRangeStart",
  "dhcpRangeEnd",
];
const V6 = ["mode", "address", "prefix", "gateway", "dns"];
const WAN_KEYS = [
  ...V4.map((k) => `network.ipv4.${k}`),
  ...V6.map((k) => `network.ipv6.${k}`),
  "network.neverDefaultGateway",
];

/** The netmask of an IPv4 prefix length (24 → 255.255.255.0); "" when invalid. */
export function netmask(prefix: unknown): string {
  const n = Number(prefix);
  if (!Number.isInteger(n) || n < 0 || n > 32) return "";
  const bits = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 255).join(".");
}

/** Whether an address lies in the service network 192.168.32.0/24. */
export function inServiceNet(address: unknown): boolean {
  return typeof address === "string" &&
    /^192\.168\.32\.\d{1,3}$/.test(address.trim());
}

/** Data of `GET /api/network`. */
export interface NetworkAnswer {
  applied?: Record<string, Record<string, unknown> | undefined>;
  modem?: Record<string, unknown> & { present?: boolean };
  /** A saved change that is rolled back unless kept before `until`. */
  pendingConfirmation?: { until: string } | null;
}

/** The network page. */
export function NetworkPage(): VNode {
  const wan = useSettingsForm(WAN_KEYS);
  const [net, setNet] = useState<NetworkAnswer | null>(null);
  useEffect(() => {
    const load = () => get<NetworkAnswer>("/api/network").then(setNet).catch(() => {});
    void load();
    // A saved change waits for "Keep": read again every 2 s while the page is open.
    const timer = setInterval(load, 2000);
    return () => clearInterval(timer);
  }, []);
  const [keepError, setKeepError] = useState<string | null>(null);
  const keep = () => {
    setKeepError(null);
    post("/api/network/confirm").then(
      () => get<NetworkAnswer>("/api/network").then(setNet),
      (e) => setKeepError(errorText(e)),
    );
  };
  const v4 = String(wan.value("network.ipv4.mode") ?? "dhcp");
  const v6 = String(wan.value("network.ipv6.mode") ?? "dhcp");
  const risky = ["address", "gateway", "dns", "dhcpRangeStart", "dhcpRangeEnd"]
    .some((k) => inServiceNet(wan.value(`network.ipv4.${k}`)));
  const f = (k: string) => `network.ipv4.${k}`;
  const f6 = (k: string) => `network.ipv6.${k}`;

  const until = net?.pendingConfirmation?.until;
  return html`
    <h1>${t("page.network")}</h1>
    ${until
      ? html`<div class="msg msg-warn" role="alert" data-id="net-confirm">
          <p>${t("net.confirm", { time: new Date(until).toLocaleTimeString() })}</p>
          <div class="actions"><button type="button" class="primary" onClick=${keep}>${
        t("net.keep")
      }</button></div>
          ${keepError ? html`<p class="msg msg-error">${keepError}</p>` : null}
        </div>`
      : null}
    <${FormCard} id="wan" title=${t("net.wan")} form=${wan}
      intro=${html`<p class="msg msg-warn">${t("net.serviceWarning")}</p>`}>
      <div class="two-col">
        <fieldset class="group">
            <legend>IPv4</legend>
            <${SelectField} f=${wan} k=${f("mode")} label=${t(
              "net.mode",
            )} options=${[
              ["dhcp", t("net.dhcp")],
              ["manual", t("net.manual")],
              ["shared", t("net.shared")],
            ]} hint=${v4 === "shared" ? t("net.sharedHint") : undefined} />
            ${v4 !== "dhcp"
              ? html`
                <${TextField} f=${wan} k=${f("address")} label=${t(
                  "net.address",
                )}
                  inputmode="decimal" />
                <${NumberField} f=${wan} k=${f("prefix")} label=${t(
                  "net.prefix",
                )}
                  hint=${netmask(wan.value(f("prefix"))) &&
                    `${t("net.netmask")} ${netmask(wan.value(f("prefix")))}`} />
                ${v4 === "manual"
                  ? html`
                    <${TextField} f=${wan} k=${f("gateway")} label=${t(
                      "net.gateway",
                    )}
                      inputmode="decimal" />
                    <${TextField} f=${wan} k=${f("dns")} label=${t("net.dns")}
                      inputmode="decimal" />
                  `
                  : html`
                    <${TextField} f=${wan} k=${f("dhcpRangeStart")} label=${t(
                      "net.rangeStart",
                    )}
                      inputmode="decimal" />
                    <${TextField} f=${wan} k=${f("dhcpRangeEnd")} label=${t(
                      "net.rangeEnd",
                    )}
                      inputmode="decimal" />
                  `}
              `
              : null}
            ${risky
              ? html`<p class="msg msg-error" role="alert">${t("net.serviceConflict")}</p>`
              : null}
          </fieldset>
        <fieldset class="group">
            <legend>IPv6</legend>
            <${SelectField} f=${wan} k=${f6("mode")} label=${t(
              "net.mode",
            )} options=${[
              ["dhcp", t("net.dhcp")],
              ["manual", t("net.manual")],
            ]} />
            ${v6 === "manual"
              ? html`
                <${TextField} f=${wan} k=${f6("address")} label=${t(
                  "net.address",
                )} />
                <${NumberField} f=${wan} k=${f6("prefix")} label=${t(
                  "net.prefix",
                )} />
                <${TextField} f=${wan} k=${f6("gateway")} label=${t(
                  "net.gateway",
                )} />
                <${TextField} f=${wan} k=${f6("dns")} label=${t("net.dns")} />
              `
              : null}
          </fieldset>
      </div>
      <${CheckField} f=${wan} k="network.neverDefaultGateway" label=${t(
        "net.neverDefault",
      )}
        hint=${t("net.neverDefaultHint")} />
      <${Applied} applied=${net?.applied} />
      <//>
      <${MobileCard} modem=${net?.modem} />
  ` as VNode;
}

function Applied(props: { applied?: NetworkAnswer["applied"] }): VNode | null {
  const entries = Object.entries(props.applied ?? {}).filter(([, v]) => v);
  if (entries.length === 0) return null;
  return html`
    <details class="applied">
      <summary>${t("net.applied")}</summary>
      <dl class="kv">
          ${entries.flatMap(([family, values]) =>
            Object.entries(values ?? {}).map(([k, v]) =>
              html`
                <div class="kv-row">
                  <dt>${family} ${k}</dt>
                  <dd>${typeof v === "object" ? JSON.stringify(v) : String(v ?? "–")}</dd>
                </div>
              `
            )
          )}
        </dl>
    </details>
  ` as VNode;
}
