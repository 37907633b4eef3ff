/**
 * The language of a first visit, as a pure function (no DOM, no Preact: unit-testable).
 * @module
 */

/** The languages of the interface. */
export type Lang = "de" | "en";

/** The stored choice if valid, else the first German or English browser language, else English. */
export function initialLang(stored: string | null, browser: readonly string[]): Lang {
  if (stored === "de" || stored === "en") return stored;
  for (const tag of browser) {
    const base = tag.toLowerCase().slice(0, 2);
    if (base === "de" || base === "en") return base;
  }
  return "en";
}
