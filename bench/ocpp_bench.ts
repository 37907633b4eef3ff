/**
 * OCPP figures: round trip of calls the backend makes to a running station (GetConfiguration,
 * ChangeConfiguration), applying and storing a full local list of 1000 entries, and local
 * the longest event-loop stall during all of it with the call that caused it, and local
 * authorization of a whitelisted card in-process (whitelist alone, and the backend
 * authorizer with LocalPreAuthorize).
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { systemClock } from "../drivers/clock.ts";
import { SimulatedHardware } from "../drivers/sim/mod.ts";
import { backendAuthorizer } from "../station/ocpp/authorize.ts";
import { Station } from "../station/runtime.ts";
import { Settings } from "../station/settings/mod.ts";
import { openStore, WHITELIST_MAX, type WhitelistEntry } from "../station/store/mod.ts";
import { OcppBackend } from "../tests/helpers/ocpp_backend.ts";
import { startStation } from "../tests/helpers/station_process.ts";
import { type Figure, median } from "./figure.ts";

const GET_CALLS = 500;
const CHANGE_CALLS = 200;
const LIST_RUNS = 5;
const AUTH_RUNS = 1000;

/** The value below which `p` percent of `values` lie (nearest rank). */
function percentile(values: number[], p: number): number {
  const sorted = values.toSorted((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Runs `fn` `runs` times one after the other; returns each duration in ms. */
async function timed(runs: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(i);
    ms.push(performance.now() - t0);
  }
  return ms;
}

const latency = (name: string, ms: number[], note: string): Figure[] => [
  { name: `${name} p50`, value: percentile(ms, 50), unit: "ms", note },
  { name: `${name} p99`, value: percentile(ms, 99), unit: "ms", note },
];

/** 1000 distinct cards, all accepted. */
function cards(prefix: string): WhitelistEntry[] {
  return Array.from({ length: WHITELIST_MAX }, (_, i) => ({
    uid: `${prefix}${String(i).padStart(6, "0")}`,
    gid: null,
    expiryAtMs: null,
    authorization: "accepted",
    deleted: false,
  }));
}

/** Calls from the backend to the station process over a real OCPP-J connection. */
async function backendCalls(): Promise<Figure[]> {
  await using backend = new OcppBackend();
  await backend.start();
  await using st = await startStation({ args: ["--ocpp-url", backend.url] });
  // deno-lint-ignore no-explicit-any
  await st.waitFor((s: any) => s.ocpp?.registration === "Accepted", { timeoutMs: 30_000 });
  await backend.waitForClient();

  // Start-up is over: from here on, every stall counts against the OCPP calls.
  const phases: { name: string; fromMs: number }[] = [];
  const phase = (name: string) => phases.push({ name, fromMs: Date.now() });
  await new Promise((resolve) => setTimeout(resolve, 500));
  phase("GetConfiguration");
  const get = () => backend.call("GetConfiguration", { key: ["HeartbeatInterval"] });
  await timed(50, get);
  const getMs = await timed(GET_CALLS, get);

  const change = (i: number) =>
    backend.call<{ status: string }>("ChangeConfiguration", {
      key: "MeterValueSampleInterval",
      value: String(60 + (i % 2)),
    }).then((r) => {
      if (r.status !== "Accepted") throw new Error(`ChangeConfiguration refused: ${r.status}`);
    });
  phase("ChangeConfiguration");
  const changeMs = await timed(CHANGE_CALLS, change);

  phase("SendLocalList");
  const listMs = await timed(LIST_RUNS, async (i) => {
    const prefix = `B${i}-`;
    const res = await backend.call<{ status: string }>("SendLocalList", {
      listVersion: 100 + i,
      updateType: "Full",
      localAuthorizationList: cards(prefix).map((c) => ({
        idTag: c.uid,
        idTagInfo: { status: "Accepted" },
      })),
    });
    if (res.status !== "Accepted") throw new Error(`SendLocalList refused: ${res.status}`);
    const db = new DatabaseSync(join(st.dataDir, "ladewerk.sqlite"), { readOnly: true });
    try {
      const row = db.prepare(
        "SELECT count(*) AS n, sum(uid LIKE ?) AS mine FROM whitelist WHERE deleted = 0",
      ).get(`${prefix}%`) as { n: number; mine: number };
      if (Number(row.n) !== WHITELIST_MAX || Number(row.mine) !== WHITELIST_MAX) {
        throw new Error(`SendLocalList stored ${row.mine} of ${WHITELIST_MAX} (${row.n} rows)`);
      }
    } finally {
      db.close();
    }
  });

  // The worst case of GetCompositeSchedule: 20 daily profiles, asked for ten years.
  phase("SetChargingProfile");
  for (let i = 0; i < 20; i++) {
    const res = await backend.call<{ status: string }>("SetChargingProfile", {
      // Stack levels 0..9 (ChargeProfileMaxStackLevel) on connector 0 and again on point 1.
      connectorId: i < 10 ? 0 : 1,
      csChargingProfiles: {
        chargingProfileId: 500 + i,
        stackLevel: i % 10,
        chargingProfilePurpose: "TxDefaultProfile",
        chargingProfileKind: "Recurring",
        recurrencyKind: "Daily",
        chargingSchedule: {
          startSchedule: new Date(Date.UTC(2026, 0, 1, 0, i * 10)).toISOString(),
          duration: 7200,
          chargingRateUnit: "A",
          chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 + i }, {
            startPeriod: 3600,
            limit: 32,
          }],
        },
      },
    });
    if (res.status !== "Accepted") throw new Error(`SetChargingProfile refused: ${res.status}`);
  }
  phase("GetCompositeSchedule");
  const compositeMs = await timed(5, () =>
    backend.call("GetCompositeSchedule", {
      connectorId: 1,
      duration: 10 * 365 * 86_400,
      chargingRateUnit: "A",
    }));
  // Every other call a backend makes once, so a stall of any of them shows.
  phase("other calls");
  const expiry = new Date(Date.now() + 3_600_000).toISOString();
  const others: [string, Record<string, unknown>][] = [
    ["GetCompositeSchedule", { connectorId: 0, duration: 86_400 }],
    ["ClearChargingProfile", {}],
    ["GetLocalListVersion", {}],
    ["ClearCache", {}],
    ["ChangeAvailability", { connectorId: 2, type: "Inoperative" }],
    ["ChangeAvailability", { connectorId: 2, type: "Operative" }],
    ["ReserveNow", { connectorId: 1, expiryDate: expiry, idTag: "RES1", reservationId: 9 }],
    ["CancelReservation", { reservationId: 9 }],
    ["TriggerMessage", { requestedMessage: "StatusNotification" }],
    ["TriggerMessage", { requestedMessage: "MeterValues" }],
    ["UnlockConnector", { connectorId: 1 }],
    ["DataTransfer", { vendorId: "generalConfiguration", messageId: "x" }],
    ["GetConfiguration", {}],
  ];
  for (const [action, params] of others) await backend.call(action, params);
  await new Promise((resolve) => setTimeout(resolve, 300));
  // deno-lint-ignore no-explicit-any
  const status = await st.api<any>("/api/status");
  const stalls: { at: string; ms: number }[] = status.body.runtime?.stalls ?? [];
  const worst = new Map(phases.map((p) => [p.name, 0]));
  for (const stall of stalls) {
    const at = Date.parse(stall.at);
    const during = phases.findLast((p) => p.fromMs <= at);
    if (during) worst.set(during.name, Math.max(worst.get(during.name)!, stall.ms));
  }
  const stallMs = Math.max(0, ...worst.values());
  const culprit = [...worst].find(([, ms]) => ms === stallMs && ms > 0)?.[0];

  const over = (n: number) => `${n} calls from the test backend to the station process`;
  return [
    ...latency("GetConfiguration round trip", getMs, over(GET_CALLS)),
    ...latency("ChangeConfiguration round trip", changeMs, `${over(CHANGE_CALLS)}, stored`),
    {
      name: "SendLocalList Full 1000 median",
      value: median(listMs),
      unit: "ms",
      note: `call to answer, rows checked in SQLite, ${LIST_RUNS} runs`,
    },
    { name: "SendLocalList Full 1000 max", value: Math.max(...listMs), unit: "ms" },
    {
      name: "GetCompositeSchedule 10 years",
      value: median(compositeMs),
      unit: "ms",
      note: "20 daily profiles; answered for 31 days (the bound), median of 5",
    },
    {
      name: "event loop stall max",
      value: stallMs,
      unit: "ms",
      note: "longest timer lateness (≥ 50 ms counts) in the station process during these " +
        `OCPP calls${culprit ? `, during ${culprit}` : ""}`,
    },
  ];
}

/** Authorization of a whitelisted card by an in-process station, built as `run.ts` does. */
async function localAuthorization(): Promise<Figure[]> {
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-bench-" });
  try {
    await using store = await openStore(dataDir);
    const { settings } = await Settings.open(store.settings, {
      serial: "24110001",
      connectors: 2,
      hardware: "sim",
      masterKey: "MASTERKEY",
    });
    await settings.set({
      "auth.identification": "validCard",
      "auth.localPreAuthorize": true,
    }, { writer: "station" });
    const list = cards("A");
    await store.whitelist.apply({ replace: true, upsert: list }, systemClock.nowMs());
    await using hardware = new SimulatedHardware({ connectors: 2, clock: systemClock });
    await using station = await Station.start({ hardware, store, settings });
    const idTag = (i: number) => list[(i * 7919) % list.length]!.uid;

    const check = async (result: Promise<{ status: string }>) => {
      const { status } = await result;
      if (status !== "Accepted") throw new Error(`Whitelisted card refused: ${status}`);
    };
    await timed(50, (i) => check(station.authorizeLocally(idTag(i))));
    const localMs = await timed(AUTH_RUNS, (i) => check(station.authorizeLocally(idTag(i))));

    let backendCalls = 0;
    const online = {
      online: true,
      call: () => {
        backendCalls++;
        return Promise.reject(new Error("The backend is not asked with LocalPreAuthorize"));
      },
    };
    const authorize = backendAuthorizer(station, online, store.authCache);
    await timed(50, (i) => check(authorize(idTag(i))));
    const preMs = await timed(AUTH_RUNS, (i) => check(authorize(idTag(i))));
    if (backendCalls > 0) throw new Error(`The backend was asked ${backendCalls} times`);

    const note = `${AUTH_RUNS} runs, whitelist of ${WHITELIST_MAX}, in-process`;
    return [
      ...latency("authorizeLocally", localMs, note),
      ...latency("LocalPreAuthorize (backend online)", preMs, `${note}, backend not asked`),
    ];
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

/** Measures the OCPP figures. */
export async function run(): Promise<Figure[]> {
  return [...await backendCalls(), ...await localAuthorization()];
}
