/**
 * Hash routes (`#/network`): the station serves one page, and a reload keeps the place.
 * @module
 */
import { Store } from "./store.ts";

/** The pages of the menu, in menu order, as in the manual (sections 1.3 to 1.9). */
export const PAGES = [
  "dashboard",
  "history",
  "network",
  "communication",
  "cluster",
  "station",
  "display",
  "users",
  "software",
  "audit",
  "simulator",
] as const;

/** The pages an owner account sees (the station refuses the rest to owners). */
export const OWNER_PAGES: readonly Page[] = ["dashboard", "history", "users", "profile"];

/** A page of the interface (the menu pages and the admin's profile). */
export type Page = typeof PAGES[number] | "profile";

/** The page a hash names; the dashboard for anything unknown. */
export function pageOf(hash: string): Page {
  const name = hash.replace(/^#\/?/, "").split(/[/?]/)[0] ?? "";
  return (PAGES as readonly string[]).includes(name) || name === "profile"
    ? name as Page
    : "dashboard";
}

/** The page shown now. */
export const route: Store<Page> = new Store<Page>(
  pageOf(globalThis.location?.hash ?? ""),
);

globalThis.addEventListener?.(
  "hashchange",
  () => route.set(pageOf(location.hash)),
);

/** Goes to `page`. */
export function navigate(page: Page): void {
  if (location.hash !== `#/${page}`) location.hash = `#/${page}`;
  else route.set(page);
}
