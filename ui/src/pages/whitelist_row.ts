/**
 * One whitelist entry in the table: UID and expiry edited in place (date picker and time
 * input), accept / block / delete / restore.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { type Key, t } from "../i18n.ts";
import type { WhitelistEntry } from "../types.ts";
import { joinExpiry, splitExpiry } from "./whitelist_model.ts";

const STATES = ["accepted", "blocked", "deleted"];

/** Props of {@linkcode WhitelistRow}. */
export interface RowProps {
  entry: WhitelistEntry;
  index: number;
  errors?: Record<string, string>;
  onChange(index: number, patch: Partial<WhitelistEntry>): void;
}

/** The row of entry `index`. */
export function WhitelistRow(props: RowProps): VNode {
  const { entry, index, errors = {} } = props;
  const id = `wl-${index}`;
  const { date, time } = splitExpiry(entry.expiry);
  const change = (patch: Partial<WhitelistEntry>) => props.onChange(index, patch);
  const state = entry.deleted ? "deleted" : entry.authorization;
  const errorText = Object.values(errors).join(" ");
  return html`
    <tr class=${`wl-row ${entry.deleted ? "is-deleted" : ""} ${errorText ? "has-error" : ""}`}
      data-index=${index} data-uid=${entry.uid}>
      <td data-label="UID">
          <label class="sr-only" for=${id + "-uid"}>UID</label>
          <input id=${id + "-uid"} class="uid" value=${entry
            .uid} disabled=${entry.deleted}
            aria-invalid=${errors.uid ? "true" : undefined} autocomplete="off" spellcheck=${false}
            onInput=${(e: Event) => change({ uid: (e.target as HTMLInputElement).value })} />
          ${errorText ? html`<p class="field-error" role="alert">${errorText}</p>` : null}
        </td>
      <td data-label="GID" class="gid">${entry.gid || "–"}</td>
      <td data-label=${t("wl.expiry")}>
        <div class="expiry">
          <label class="sr-only" for=${id + "-date"}>${t(
            "wl.expiryDate",
          )}</label>
          <input id=${id + "-date"} type="date" value=${date} disabled=${entry
            .deleted}
            aria-invalid=${errors.expiry ? "true" : undefined}
            onChange=${(e: Event) =>
              change({
                expiry: joinExpiry((e.target as HTMLInputElement).value, time),
              })} />
          <label class="sr-only" for=${id + "-time"}>${t(
            "wl.expiryTime",
          )}</label>
          <input id=${id +
            "-time"} type="time" value=${time} disabled=${entry.deleted ||
            !date}
            onChange=${(e: Event) =>
              change({
                expiry: joinExpiry(date, (e.target as HTMLInputElement).value),
              })} />
        </div>
      </td>
      <td data-label=${t("wl.state")}>
        <span class=${`badge badge-${
          state === "accepted" ? "ok" : state === "deleted" ? "idle" : "error"
        }`}
          data-id="state">${STATES.includes(state) ? t(`wl.${state}` as Key) : state}</span>
      </td>
      <td class="row-actions">
          ${entry.deleted
            ? html`
              <button type="button" class="small" onClick=${() => change({ deleted: false })}
                aria-label=${`${t("wl.restore")} ${entry.uid}`}>↺ ${t(
                  "wl.restore",
                )}</button>
            `
            : html`
              <button type="button" class="small icon" aria-pressed=${entry
                .authorization === "accepted"}
                aria-label=${`${t("wl.accept")} ${entry.uid}`} title=${t(
                  "wl.accept",
                )}
                onClick=${() => change({ authorization: "accepted" })}>✓</button>
              <button type="button" class="small icon" aria-pressed=${entry
                .authorization === "blocked"}
                aria-label=${`${t("wl.block")} ${entry.uid}`} title=${t(
                  "wl.block",
                )}
                onClick=${() => change({ authorization: "blocked" })}>⊘</button>
              <button type="button" class="small icon danger-text" aria-label=${`${
                t("wl.delete")
              } ${entry.uid}`}
                title=${t("wl.delete")} onClick=${() => change({ deleted: true })}>✕</button>
            `}
        </td>
    </tr>
  ` as VNode;
}
