/**
 * A settings form: loads its keys from `GET /api/settings`, keeps a draft, and on *Save*
 * sends every key of the form in one `PUT /api/settings` (the station applies all or
 * nothing); refusals land next to their fields. *Reload* shows what the station runs with.
 * @module
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, get, put } from "../api.ts";
import { issueText, t } from "../i18n.ts";
import type { SettingMeta, SettingsAnswer } from "../types.ts";
import type { FormLike } from "./field.ts";

/** The message under a form after Save or Reload. */
export interface FormMessage {
  kind: "ok" | "error" | "info";
  text: string;
}

/** A loaded settings form. */
export interface SettingsForm extends FormLike {
  loaded: boolean;
  busy: boolean;
  dirty: boolean;
  restartNeeded: boolean;
  message: FormMessage | null;
  /** Refusals that name no field of this form. */
  otherErrors: string[];
  saved(key: string): unknown;
  meta(key: string): SettingMeta | undefined;
  save(extra?: Record<string, unknown>): Promise<boolean>;
  reload(): Promise<void>;
  clearSecret(key: string): void;
}

const isEmpty = (v: unknown) => v === undefined || v === null || v === "";

/** The value to send for `key`, or an error text; `undefined` value: leave it out. */
export function payloadValue(
  saved: unknown,
  draft: unknown,
  meta: SettingMeta | undefined,
  cleared: boolean,
): { value?: unknown; error?: string } {
  if (meta?.access === "r") return {};
  if (meta?.secret) {
    if (cleared) return { value: "" };
    return isEmpty(draft) ? {} : { value: draft };
  }
  if (typeof saved === "number" && typeof draft === "string") {
    const text = draft.trim().replace(",", ".");
    const n = Number(text);
    if (text === "" || !Number.isFinite(n)) return { error: t("error.number") };
    return { value: n };
  }
  return { value: draft };
}

/** Maps a refused field (`values.ocpp.url` or `ocpp.url`) to a key of the form. */
export function fieldKey(
  field: string,
  keys: readonly string[],
): string | undefined {
  const bare = field.replace(/^values\./, "");
  return keys.find((k) => bare === k || bare.startsWith(k + "."));
}

/** The form of `keys`; `onSaved` runs after a successful save. */
export function useSettingsForm(keys: readonly string[]): SettingsForm {
  const [saved, setSaved] = useState<SettingsAnswer | null>(null);
  const [draft, setDraft] = useState<Record<string, unknown>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [otherErrors, setOtherErrors] = useState<string[]>([]);
  const [cleared, setCleared] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [restartNeeded, setRestartNeeded] = useState(false);
  const [message, setMessage] = useState<FormMessage | null>(null);
  const query = keys.join(",");

  async function reload(announce = true): Promise<void> {
    setBusy(true);
    try {
      const answer = await get<SettingsAnswer>(
        `/api/settings?keys=${encodeURIComponent(query)}`,
      );
      setSaved(answer);
      setDraft(
        Object.fromEntries(
          keys.map((k) => [k, answer.meta[k]?.secret ? "" : answer.values[k]]),
        ),
      );
      setErrors({});
      setOtherErrors([]);
      setCleared(new Set());
      setMessage(announce ? { kind: "info", text: t("form.reloaded") } : null);
    } catch (e) {
      setMessage({ kind: "error", text: errorText(e) });
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    reload(false);
  }, [query]);

  async function save(extra: Record<string, unknown> = {}): Promise<boolean> {
    if (!saved) return false;
    const values: Record<string, unknown> = {};
    const local: Record<string, string> = {};
    for (const k of keys) {
      const r = payloadValue(
        saved.values[k],
        draft[k],
        saved.meta[k],
        cleared.has(k),
      );
      if (r.error) local[k] = r.error;
      else if ("value" in r) values[k] = r.value;
    }
    setErrors(local);
    setOtherErrors([]);
    if (Object.keys(local).length > 0) {
      setMessage({ kind: "error", text: t("form.fixErrors") });
      return false;
    }
    setBusy(true);
    try {
      const answer = await put<{ restartNeeded?: boolean }>("/api/settings", {
        values: { ...values, ...extra },
      });
      await reload(false);
      setRestartNeeded(answer?.restartNeeded === true);
      setMessage({ kind: "ok", text: t("form.saved") });
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.issues.length > 0) {
        const byField: Record<string, string> = {};
        const others: string[] = [];
        for (const issue of e.issues) {
          const key = fieldKey(issue.field, keys);
          if (key) byField[key] ??= issueText(issue);
          else others.push(`${issue.field}: ${issueText(issue)}`);
        }
        setErrors(byField);
        setOtherErrors(others);
        setMessage({ kind: "error", text: t("form.notSaved") });
      } else setMessage({ kind: "error", text: errorText(e) });
      return false;
    } finally {
      setBusy(false);
    }
  }

  return useMemo<SettingsForm>(() => ({
    loaded: saved !== null,
    busy,
    restartNeeded,
    message,
    otherErrors,
    dirty: saved !== null &&
      (cleared.size > 0 ||
        keys.some((k) => !sameDraft(saved.values[k], draft[k], saved.meta[k]))),
    value: (k) => draft[k],
    saved: (k) => saved?.values[k],
    meta: (k) => saved?.meta[k],
    error: (k) => errors[k],
    secretSet: (k) =>
      saved?.meta[k]?.secret === true && saved.meta[k]?.set === true &&
      !cleared.has(k),
    set: (k, v) => {
      setDraft((d) => ({ ...d, [k]: v }));
      setMessage(null);
    },
    clearSecret: (k) => setCleared((c) => new Set(c).add(k)),
    save,
    reload: () => reload(true),
  }), [
    saved,
    draft,
    errors,
    otherErrors,
    cleared,
    busy,
    restartNeeded,
    message,
  ]);
}

function sameDraft(
  saved: unknown,
  draft: unknown,
  meta: SettingMeta | undefined,
): boolean {
  if (meta?.secret) return isEmpty(draft);
  return String(saved ?? "") === String(draft ?? "");
}

/** A readable text for any error of a request. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 0) return t("error.offline");
    const first = e.issues[0];
    return first ? issueText(first) : e.reason ? issueText({ reason: e.reason }) : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}
