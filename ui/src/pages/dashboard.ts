/**
 * Dashboard (manual 1.3): station data on the left, the charge points and the OCPP
 * connection on the right, live from the event stream, with the power of the last hour.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useState } from "preact/hooks";
import { get } from "../api.ts";
import { appendPoint, type Point } from "../components/chart_math.ts";
import { errorText } from "../components/settings_form.ts";
import { t } from "../i18n.ts";
import { live } from "../live.ts";
import { useStore } from "../store.ts";
import type { Info, PowerHistory, Status } from "../types.ts";
import { ChargePointCard } from "./dashboard_cp.ts";
import { OcppCard, StationCard } from "./dashboard_station.ts";

const WINDOW_MS = 60 * 60_000;

/** Power history per charge point: loaded once, then extended by every live status. */
function usePowerHistory(
  status: Status | null,
): { series: Map<number, Point[]>; stepS: number } {
  const [stepS, setStepS] = useState(10);
  const [series, setSeries] = useState<Map<number, Point[]>>(new Map());
  useEffect(() => {
    get<PowerHistory>("/api/power-history?minutes=60").then((h) => {
      setStepS(h.stepS);
      setSeries((live) => {
        const next = new Map<number, Point[]>();
        for (const c of h.connectors) {
          const later = (live.get(c.id) ?? []).filter(([at]) => at > (c.points.at(-1)?.[0] ?? 0));
          next.set(c.id, [...c.points, ...later]);
        }
        return next;
      });
    }).catch(() => {});
  }, []);
  useEffect(() => {
    if (!status) return;
    const atMs = Date.parse(status.time);
    if (!Number.isFinite(atMs)) return;
    setSeries((old) => {
      const next = new Map(old);
      for (const c of status.connectors) {
        next.set(
          c.id,
          appendPoint(
            old.get(c.id) ?? [],
            [atMs, c.powerW],
            stepS * 1000,
            WINDOW_MS,
          ),
        );
      }
      return next;
    });
  }, [status]);
  return { series, stepS };
}

/** The dashboard page. */
export function DashboardPage(): VNode {
  const { status } = useStore(live);
  const [info, setInfo] = useState<Info | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { series, stepS } = usePowerHistory(status);
  useEffect(() => {
    get<Info>("/api/info").then(setInfo).catch((e) => setError(errorText(e)));
  }, []);
  const nowMs = status ? Date.parse(status.time) : Date.now();
  const ready = status !== null && info !== null;
  useEffect(() => {
    // For the benchmark: navigation start to the first dashboard with data.
    if (ready && performance.getEntriesByName("dashboard-ready").length === 0) {
      performance.mark("dashboard-ready");
    }
  }, [ready]);

  return html`
    <h1 class="sr-only">${t("page.dashboard")}</h1>
    <div class="dashboard" data-ready=${ready ? "true" : "false"}>
      <div class="col-left">
          ${error ? html`<p class="msg msg-error" role="alert">${error}</p>` : null}
          <${StationCard} info=${info} status=${status} />
        </div>
      <div class="col-right">
          ${status
            ? status.connectors.map((c) =>
              html`
                <${ChargePointCard} key=${c
                  .id} cp=${c} points=${series.get(c.id) ?? []}
                  nowMs=${nowMs} stepS=${stepS} />
              `
            )
            : html`
              <section class="card">
                <p class="muted">${t("common.loading")}</p>
              </section>
            `}
          <${OcppCard} status=${status} />
        </div>
    </div>
  ` as VNode;
}
