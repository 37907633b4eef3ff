/**
 * Cluster (load management level 2), live over the event stream: on every station its own
 * membership (broker, master, allocation and lease); on the master and the standby every member
 * and charge point with demand, allocation, paused or waiting, last seen, and the alarms.
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useState } from "preact/hooks";
import { del } from "../api.ts";
import { kvRow } from "../components/kv.ts";
import { type Key, t } from "../i18n.ts";
import { live } from "../live.ts";
import { useStore } from "../store.ts";
import type { ClusterStatus } from "../types.ts";

const amps = (ma: number) => (ma / 1000).toLocaleString(undefined, { maximumFractionDigits: 1 });
const seconds = (ms: number) => Math.ceil(ms / 1000);

export function MemberCard(props: { cluster: ClusterStatus }): VNode {
  const { cluster } = props;
  const m = cluster.member;
  const lease = m?.lease;
  return html`
    <section class="card" aria-labelledby="cl-member">
      <h2 id="cl-member">${t("cl.member")}</h2>
      <dl class="kv">
          ${kvRow(t("cluster.role"), t(`cl.roleName.${cluster.role}` as Key), "cl-role")}
          ${kvRow(t("cl.clusterId"), cluster.clusterId, "cl-id")}
          ${kvRow(t("cl.broker"), cluster.broker || "–", "cl-broker")}
          ${kvRow(t("cl.connected"), m?.connected ? t("cl.yes") : t("cl.no"), "cl-connected")}
          ${kvRow(t("cl.master"), m?.master ?? t("cl.noMaster"), "cl-master")}
          ${kvRow(
            t("cl.lease"),
            lease
              ? `${
                Object.entries(lease.pointsMa).map(([id, ma]) =>
                  t("cl.leaseOf", { id, amps: amps(ma) })
                )
                  .join(", ")
              } (${t("cl.expires", { s: seconds(lease.expiresInMs) })})`
              : t("cl.noLease"),
            "cl-lease",
          )}
          ${kvRow(
            t("cl.ignored"),
            m ? `${m.ignored}${m.lastIgnored ? ` (${m.lastIgnored})` : ""}` : "–",
            "cl-ignored",
          )}
        </dl>
    </section>
  ` as VNode;
}

type MasterView = NonNullable<ClusterStatus["master"]>;
type PointView = MasterView["members"][number]["points"][number];

function stateOf(member: MasterView["members"][number], p: PointView): string {
  if (!member.online) return t("cl.state.offline");
  if (!member.reachable) return t("cl.state.unreachable");
  if (!p.active) return t("cl.state.idle");
  return p.paused ? t("cl.state.paused") : t("cl.state.charging");
}

export function MasterCard(props: { master: MasterView }): VNode {
  const { master } = props;
  return html`<section class="card" aria-labelledby="cl-members">
    <h2 id="cl-members">${t("cl.members")}</h2>
    ${
    master.alarms.length > 0
      ? html`
        <div class="msg msg-error" role="alert" data-id="cl-alarms">
          <ul>${master.alarms.map((a) =>
            html`<li data-code=${a.code}><strong>${
              t(`cl.alarm.${a.code}` as Key)
            }</strong> ${a.message}</li>`
          )}</ul>
        </div>
      `
      : null
  }
    ${
    master.active && master.holdMs > 0
      ? html`<p class="msg msg-info" data-id="cl-hold">${
        t("cl.hold", { s: seconds(master.holdMs) })
      }</p>`
      : null
  }
    <dl class="kv">
      ${
    kvRow(
      t("cl.master"),
      `${master.master}: ${master.active ? t("cl.active") : t("cl.standby")}`,
      "cl-master-state",
    )
  }
      ${kvRow(t("cl.limit"), `${amps(master.limitMa)} A`, "cl-limit")}
      ${
    kvRow(
      t("cl.reserved"),
      master.reservedMa.map((ma) => `${amps(ma)} A`).join(" / "),
      "cl-reserved",
    )
  }
    </dl>
    <div class="table-wrap">
      <table class="table" data-id="cl-table">
        <thead><tr>
          <th scope="col">${t("cl.col.member")}</th>
          <th scope="col">${t("cl.col.point")}</th>
          <th scope="col">${t("cl.col.state")}</th>
          <th scope="col">${t("cl.col.phases")}</th>
          <th scope="col" class="num">${t("cl.col.draw")}</th>
          <th scope="col" class="num">${t("cl.col.allocation")}</th>
          <th scope="col">${t("cl.col.seen")}</th>
        </tr></thead>
        <tbody>${
    master.members.flatMap((m) =>
      m.points.map((p) =>
        html`
          <tr data-point=${`${m.member}/${p.id}`}>
            <td>${m.member}</td>
            <td>${p.id}</td>
            <td data-id="state">${stateOf(m, p)}</td>
            <td>${p.phases.map((ph) => `L${ph + 1}`).join(" ")}</td>
            <td class="num">${amps(p.drawMa)} A</td>
            <td class="num" data-id="allocation">${amps(p.allocationMa)} A</td>
            <td>${m.lastSeenMsAgo === null
              ? "–"
              : t("cl.ago", { s: seconds(m.lastSeenMsAgo) })}${!m.online &&
                p.id === m.points[0]?.id
              ? html`
                <${ForgetButton} member=${m.member} />
              `
              : null}</td>
          </tr>
        `
      )
    )
  }</tbody>
      </table>
    </div>
  </section>` as VNode;
}

/** Forgets an offline member for good (a station taken out of the cluster). */
function ForgetButton(props: { member: string }): VNode {
  const [error, setError] = useState<string | null>(null);
  return html`
    <button type="button" class="small" data-id="cl-forget"
      title=${t("cl.forgetHint")}
      onClick=${() => {
        if (!confirm(t("cl.forgetConfirm", { member: props.member }))) return;
        del(`/api/cluster/members/${encodeURIComponent(props.member)}`).catch((e) =>
          setError(String(e.message ?? e))
        );
      }}>${t("cl.forget")}</button>${error
        ? html`<span class="field-error" role="alert">${error}</span>`
        : null}
  ` as VNode;
}

/** The cluster page. */
export function ClusterPage(): VNode {
  const { status } = useStore(live);
  const cluster = status?.cluster;
  return html`
    <h1>${t("page.cluster")}</h1>
    ${!cluster?.enabled ? html`<p class="msg msg-info" data-id="cl-off">${t("cl.off")}</p>` : html`
      <${MemberCard} cluster=${cluster} />
      ${cluster.master ? html`<${MasterCard} master=${cluster.master} />` : null}
    `}
  ` as VNode;
}
