/**
 * German and English: the language (browser default, remembered in localStorage), `t()`
 * for texts, number and date formats, and server refusals in the user's language.
 * @module
 */
import { de } from "./i18n/de.ts";
import { initialLang, type Lang } from "./i18n/detect.ts";
import { en, type Key } from "./i18n/en.ts";
import { translateIssue } from "./i18n/reasons.ts";
import { Store, useStore } from "./store.ts";
import type { Issue } from "./types.ts";

export type { Key };

export type { Lang };

const STORAGE_KEY = "ladewerk.lang";
const DICTIONARIES: Record<Lang, Record<Key, string>> = { de, en };

function storedLang(): string | null {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}

/** The current language. */
export const lang: Store<Lang> = new Store<Lang>(
  initialLang(storedLang(), globalThis.navigator?.languages ?? []),
);

/** Switches the language and remembers it. */
export function setLang(value: Lang): void {
  try {
    localStorage.setItem(STORAGE_KEY, value);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  document.documentElement.lang = value;
  lang.set(value);
}

/** The current language; the component re-renders when it changes. */
export function useLang(): Lang {
  return useStore(lang);
}

/** The text of `key` in the current language; `{name}` placeholders take `params`. */
export function t(
  key: Key,
  params: Record<string, string | number> = {},
): string {
  const text = DICTIONARIES[lang.get()][key] ?? en[key] ?? key;
  return text.replace(
    /\{(\w+)\}/g,
    (m, name: string) => name in params ? String(params[name]) : m,
  );
}

/** The locale tag for number and date formats. */
export function locale(): string {
  return lang.get() === "de" ? "de-DE" : "en-GB";
}

/** A number with `digits` decimals in the user's format. */
export function fmtNumber(value: number, digits = 0): string {
  return value.toLocaleString(locale(), {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** A date and time (ISO string or ms) in the user's format; "–" when missing or invalid. */
export function fmtDateTime(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "–";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleString(locale(), {
    dateStyle: "medium",
    timeStyle: "medium",
  });
}

/** A duration in seconds as `3 d 04:05:06`. */
export function fmtDuration(totalS: number): string {
  const s = Math.max(0, Math.floor(totalS));
  const d = Math.floor(s / 86_400);
  const hms = [Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60, s % 60]
    .map((n) => String(n).padStart(2, "0")).join(":");
  return d > 0 ? `${d} ${t("unit.days")} ${hms}` : hms;
}

/** The refusal reason of one issue in the current language (the server's text if unknown). */
export function issueText(
  issue: Pick<Issue, "reason" | "code" | "params">,
): string {
  return translateIssue(issue, lang.get());
}
