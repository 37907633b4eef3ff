/**
 * The shell: login when there is no session, "restarting…" while the station restarts,
 * otherwise the header and the page of the current route.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect } from "preact/hooks";
import { Header } from "./components/header.ts";
import { t, useLang } from "./i18n.ts";
import { live, startLive, stopLive } from "./live.ts";
import { ClusterPage } from "./pages/cluster.ts";
import { CommunicationPage } from "./pages/communication.ts";
import { DashboardPage } from "./pages/dashboard.ts";
import { DisplayPage } from "./pages/display.ts";
import { AuditPage } from "./pages/audit.ts";
import { HistoryPage } from "./pages/history.ts";
import { LoginPage } from "./pages/login.ts";
import { NetworkPage } from "./pages/network.ts";
import { ProfilePage } from "./pages/profile.ts";
import { SimulatorPage } from "./pages/simulator.ts";
import { SoftwarePage } from "./pages/software.ts";
import { StationPage } from "./pages/station.ts";
import { UsersPage } from "./pages/users.ts";
import { OWNER_PAGES, type Page, route } from "./router.ts";
import { checkSession, session } from "./session.ts";
import { useStore } from "./store.ts";

const PAGE_VIEWS: Record<Page, () => VNode> = {
  dashboard: DashboardPage,
  history: HistoryPage,
  audit: AuditPage,
  network: NetworkPage,
  communication: CommunicationPage,
  cluster: ClusterPage,
  station: StationPage,
  display: DisplayPage,
  users: UsersPage,
  software: SoftwarePage,
  simulator: SimulatorPage,
  profile: ProfilePage,
};

function Restarting(): VNode {
  return html`
    <main class="center" aria-busy="true">
      <div class="card narrow restarting" role="status">
        <div class="spinner" aria-hidden="true"></div>
        <h1>${t("restart.title")}</h1>
        <p>${t("restart.text")}</p>
      </div>
    </main>
  ` as VNode;
}

/** The whole interface. */
export function App(): VNode {
  useLang();
  const state = useStore(session);
  const page = useStore(route);
  const { status } = useStore(live);
  const loggedIn = Boolean(state.session);

  useEffect(() => {
    checkSession().catch(() => session.set({ session: null }));
  }, []);
  useEffect(() => {
    if (loggedIn && !state.restarting) startLive();
    else stopLive();
  }, [loggedIn, state.restarting]);
  useEffect(() => {
    globalThis.scrollTo?.(0, 0);
  }, [page]);
  useEffect(() => {
    document.title = `${t(`page.${page}`)} · ladewerk${status ? " " + status.serial : ""}`;
  });

  if (state.restarting) return html`<${Restarting} />` as VNode;
  if (state.session === undefined) {
    return html`
      <main class="center">
        <p class="muted">${t("common.loading")}</p>
      </main>
    ` as VNode;
  }
  if (!state.session) {
    return html`<${LoginPage} reason=${state.reason} />` as VNode;
  }
  // An owner who follows an installer's link lands on the dashboard.
  const shown = state.session.role === "owner" && !OWNER_PAGES.includes(page) ? "dashboard" : page;
  const View = PAGE_VIEWS[shown];
  const skip = (e: Event) => {
    e.preventDefault();
    document.getElementById("main")?.focus();
  };
  return html`
    <a class="skip" href="#main" onClick=${skip}>${t("common.skip")}</a>
    <${Header} serial=${status?.serial} />
    <main id="main" tabindex="-1" data-page=${shown}>
      <${View} />
    </main>
  ` as VNode;
}
