/**
 * The top bar: station name, the menu of the manual's pages, the language switch and the
 * admin menu (profile, daemon restart, system restart, log out) at the top right.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useLayoutEffect, useState } from "preact/hooks";
import { type Key, type Lang, setLang, t, useLang } from "../i18n.ts";
import { live } from "../live.ts";
import { navigate, OWNER_PAGES, type Page, PAGES, route } from "../router.ts";
import { logout, session } from "../session.ts";
import { useStore } from "../store.ts";
import { restart } from "./admin_actions.ts";
import { ConfirmDialog } from "./dialog.ts";

function LangSwitch(): VNode {
  const current = useLang();
  const langs: [Lang, string][] = [["de", "DE"], ["en", "EN"]];
  return html`<div class="lang" role="group" aria-label=${t("header.language")}>
    ${
    langs.map(([l, label]) =>
      html`
        <button type="button" aria-pressed=${l === current} lang=${l}
          onClick=${() => setLang(l)}>${label}</button>
      `
    )
  }
  </div>` as VNode;
}

function AdminMenu(props: { owner: boolean; user: string }): VNode {
  const [open, setOpen] = useState(false);
  const [confirm, setConfirm] = useState<"daemon" | "system" | null>(null);
  // Listening from the moment the menu is in the DOM: an Escape pressed right after opening
  // would otherwise arrive before a (deferred) effect had attached the listener.
  useLayoutEffect(() => {
    if (!open) return;
    const close = (e: Event) => {
      if (!(e.target as Element).closest?.(".admin")) setOpen(false);
    };
    const esc = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    document.addEventListener("click", close);
    document.addEventListener("keydown", esc);
    return () => {
      document.removeEventListener("click", close);
      document.removeEventListener("keydown", esc);
    };
  }, [open]);
  const item = (label: string, action: () => void) =>
    html`<li><button type="button" role="menuitem" onClick=${() => {
      setOpen(false);
      action();
    }}>${label}</button></li>`;
  return html`<div class="admin">
    <button type="button" class="admin-button" aria-haspopup="menu" aria-expanded=${open}
      onClick=${() => setOpen(!open)}>${props.user} ▾</button>
    ${
    open
      ? html`<ul class="menu" role="menu">
          ${item(t("admin.profile"), () => navigate("profile"))}
          ${props.owner ? null : item(t("admin.daemonRestart"), () => setConfirm("daemon"))}
          ${props.owner ? null : item(t("admin.systemRestart"), () => setConfirm("system"))}
          ${
        // The next login lands on the dashboard; routed there only once the session is gone,
        // or the dashboard mounts first and its requests race the logout into 401s.
        item(t("admin.logout"), () => logout().finally(() => navigate("dashboard")))}
        </ul>`
      : null
  }
    <${ConfirmDialog}
      id="restart-dialog"
      open=${confirm !== null}
      title=${confirm === "system" ? t("admin.systemRestart") : t("admin.daemonRestart")}
      text=${confirm === "system" ? t("admin.systemRestartText") : t("admin.daemonRestartText")}
      confirmLabel=${t("admin.restartNow")}
      onCancel=${() => setConfirm(null)}
      onConfirm=${() => {
    const kind = confirm;
    setConfirm(null);
    if (kind) restart(kind).catch(() => {});
  }}
    />
  </div>` as VNode;
}

/** The header; `sim` shows the simulator page in the menu. */
export function Header(props: { serial?: string }): VNode {
  const page = useStore(route);
  const { status, connected } = useStore(live);
  const [menuOpen, setMenuOpen] = useState(false);
  const who = useStore(session).session;
  const owner = who?.role === "owner";
  const pages = PAGES.filter((p) => p !== "simulator" || status?.hardware === "sim")
    .filter((p) => !owner || OWNER_PAGES.includes(p));
  const go = (p: Page) => (e: Event) => {
    e.preventDefault();
    setMenuOpen(false);
    navigate(p);
  };
  return html`
    <header class="top">
      <div class="bar">
        <a class="brand" href="#/dashboard" onClick=${go("dashboard")}>
            <span class="logo" aria-hidden="true">⚡</span> ladewerk
            ${props.serial ? html`<span class="serial">${props.serial}</span>` : null}
          </a>
        <span class=${`dot ${connected ? "on" : ""}`} role="img"
          aria-label=${connected ? t("header.live") : t("header.offline")}
          title=${connected ? t("header.live") : t("header.offline")}></span>
        <button type="button" class="menu-toggle" aria-expanded=${menuOpen}
          aria-controls="main-nav"
          onClick=${() => setMenuOpen(!menuOpen)}>☰ <span class="menu-label">${t(
            "header.menu",
          )}</span>
          </button>
        <${LangSwitch} />
        <${AdminMenu} owner=${owner} user=${who?.user ?? "admin"} />
      </div>
      <nav id="main-nav" class=${menuOpen ? "open" : ""} aria-label=${t(
        "header.menu",
      )}>
          ${pages.map((p) =>
            html`
              <a href=${`#/${p}`} aria-current=${p === page ? "page" : undefined}
                onClick=${go(p)}>${t(`page.${p}` as Key)}</a>
            `
          )}
        </nav>
    </header>
  ` as VNode;
}
