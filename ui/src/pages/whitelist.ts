/**
 * Users (manual 1.8.2): the whitelist, 10 per page, searchable by UID, edited in place;
 * nothing applies until *Save*, which sends the whole list in one request.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, get, put } from "../api.ts";
import { FormStatus } from "../components/form_card.ts";
import type { FormMessage } from "../components/settings_form.ts";
import { errorText } from "../components/settings_form.ts";
import { issueText, t } from "../i18n.ts";
import type { ImportAnswer, WhitelistEntry } from "../types.ts";
import { ImportExport } from "./whitelist_import.ts";
import { WhitelistTable } from "./whitelist_table.ts";
import { issueRow, liveCount, sameEntries } from "./whitelist_model.ts";

interface Loaded {
  entries: WhitelistEntry[];
  max: number;
  listVersion?: number;
}

/** The whitelist card. */
export function WhitelistCard(): VNode {
  const [saved, setSaved] = useState<Loaded | null>(null);
  const [entries, setEntries] = useState<WhitelistEntry[]>([]);
  const [rowErrors, setRowErrors] = useState<
    Record<number, Record<string, string>>
  >({});
  const [otherErrors, setOtherErrors] = useState<string[]>([]);
  const [message, setMessage] = useState<FormMessage | null>(null);
  const [busy, setBusy] = useState(false);
  const [jump, setJump] = useState<number | null>(null);
  const [generation, setGeneration] = useState(0);

  const reload = async (announce: boolean) => {
    setBusy(true);
    try {
      const answer = await get<Loaded>("/api/whitelist");
      setSaved(answer);
      setEntries(answer.entries);
      setGeneration((g) => g + 1);
      setRowErrors({});
      setOtherErrors([]);
      setMessage(announce ? { kind: "info", text: t("form.reloaded") } : null);
    } catch (e) {
      setMessage({ kind: "error", text: errorText(e) });
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    reload(false);
  }, []);

  const max = saved?.max ?? 1000;
  const live = liveCount(entries);
  const over = live > max;
  const dirty = saved !== null && !sameEntries(saved.entries, entries);

  const save = async () => {
    setBusy(true);
    try {
      const answer = await put<{ count: number }>("/api/whitelist", {
        entries,
      });
      await reload(false);
      setMessage({
        kind: "ok",
        text: t("wl.saved", { n: answer?.count ?? live }),
      });
    } catch (e) {
      if (e instanceof ApiError && e.issues.length > 0) {
        const rows: Record<number, Record<string, string>> = {};
        const others: string[] = [];
        for (const issue of e.issues) {
          const at = issueRow(issue.field);
          if (at) (rows[at.index] ??= {})[at.field] = issueText(issue);
          else others.push(issueText(issue));
        }
        setRowErrors(rows);
        setOtherErrors(others);
        const first = Object.keys(rows)[0];
        if (first !== undefined) setJump(Number(first));
        setMessage({ kind: "error", text: t("form.notSaved") });
      } else setMessage({ kind: "error", text: errorText(e) });
    } finally {
      setBusy(false);
    }
  };

  const change = (index: number, patch: Partial<WhitelistEntry>) => {
    setEntries((list) => list.map((e, i) => i === index ? { ...e, ...patch } : e));
    setMessage(null);
  };
  const add = () => {
    setEntries((list) => [...list, {
      uid: "",
      gid: null,
      expiry: null,
      authorization: "accepted",
      deleted: false,
    }]);
    setJump(entries.length);
  };
  const imported = (answer: ImportAnswer) => {
    setEntries(answer.entries);
    setGeneration((g) => g + 1);
    setRowErrors({});
    setJump(-1);
    setMessage({ kind: "info", text: t("wl.importedUnsaved") });
  };

  return html`<section class="card" id="whitelist" aria-labelledby="whitelist-title">
    <h2 id="whitelist-title">${t("wl.title")}</h2>
    <p class="hint">${t("wl.intro", { max })}</p>
    <${ImportExport} dirty=${dirty} current=${entries} onImported=${imported} />
    ${
    saved
      ? html`
        <${WhitelistTable} entries=${entries} generation=${generation} errors=${rowErrors}
          jump=${jump}
          onJumped=${() => setJump(null)} onChange=${change} onAdd=${add} />
      `
      : null
  }
    <p class="count" data-id="count">${t("wl.count", { n: live, max })}</p>
    ${
    over
      ? html`<p class="msg msg-error" role="alert" data-id="limit">
      ${t("wl.limit", { max, over: live - max })}</p>`
      : null
  }
    <div class="actions">
      <button type="button" class="primary" disabled=${busy || over || !saved} onClick=${save}>
        ${t("form.save")}</button>
      <button type="button" disabled=${busy} onClick=${() => reload(true)}>${
    t("form.reload")
  }</button>
    </div>
    <${FormStatus} form=${{
    message,
    dirty,
    restartNeeded: false,
    otherErrors,
  }} />
  </section>` as VNode;
}
