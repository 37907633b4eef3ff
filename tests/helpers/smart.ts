/**
 * Charging profiles and sessions for the smart charging system tests.
 * @module
 */
import assert from "node:assert/strict";
import type { Json, OcppStation } from "./ocpp_station.ts";

/** Options of {@linkcode profile}. */
export interface ProfileOptions {
  kind?: "Absolute" | "Recurring" | "Relative";
  recurrencyKind?: "Daily" | "Weekly";
  unit?: "A" | "W";
  transactionId?: number;
  validFrom?: string;
  validTo?: string;
  startSchedule?: string;
  duration?: number;
  minChargingRate?: number;
}

/** An OCPP 1.6 ChargingProfile; Relative from the start unless told otherwise. */
export function profile(
  id: number,
  purpose: "ChargePointMaxProfile" | "TxDefaultProfile" | "TxProfile",
  stackLevel: number,
  periods: [startPeriod: number, limit: number][],
  o: ProfileOptions = {},
): Json {
  return {
    chargingProfileId: id,
    ...(o.transactionId !== undefined ? { transactionId: o.transactionId } : {}),
    stackLevel,
    chargingProfilePurpose: purpose,
    chargingProfileKind: o.kind ?? "Relative",
    ...(o.recurrencyKind ? { recurrencyKind: o.recurrencyKind } : {}),
    ...(o.validFrom ? { validFrom: o.validFrom } : {}),
    ...(o.validTo ? { validTo: o.validTo } : {}),
    chargingSchedule: {
      ...(o.duration !== undefined ? { duration: o.duration } : {}),
      ...(o.startSchedule ? { startSchedule: o.startSchedule } : {}),
      chargingRateUnit: o.unit ?? "A",
      chargingSchedulePeriod: periods.map(([startPeriod, limit]) => ({ startPeriod, limit })),
      ...(o.minChargingRate !== undefined ? { minChargingRate: o.minChargingRate } : {}),
    },
  };
}

/** SetChargingProfile; returns its status. */
export async function setProfile(t: OcppStation, connectorId: number, p: Json): Promise<string> {
  const res = await t.backend.call<Json>("SetChargingProfile", {
    connectorId,
    csChargingProfiles: p,
  });
  return res.status;
}

/** ClearChargingProfile; returns its status. */
export async function clearProfiles(t: OcppStation, criteria: Json): Promise<string> {
  return (await t.backend.call<Json>("ClearChargingProfile", criteria)).status;
}

/** GetCompositeSchedule's periods as [startPeriod, limit] pairs (fails unless Accepted). */
export async function composite(
  t: OcppStation,
  connectorId: number,
  duration = 3600,
  unit?: "A" | "W",
): Promise<[number, number][]> {
  const res = await t.backend.call<Json>("GetCompositeSchedule", {
    connectorId,
    duration,
    ...(unit ? { chargingRateUnit: unit } : {}),
  });
  assert.equal(res.status, "Accepted", JSON.stringify(res));
  return res.chargingSchedule.chargingSchedulePeriod.map((p: Json) => [p.startPeriod, p.limit]);
}

/** Plugs a vehicle into `connectorId`, presents a card of its own (the backend accepts it),
 * waits until it charges; returns the transactionId the backend gave. */
export async function charge(
  t: OcppStation,
  connectorId: number,
  plug: Json = {},
): Promise<number> {
  const from = t.backend.calls.length;
  await t.post(`/api/sim/connectors/${connectorId}/plug`, plug);
  await t.post("/api/sim/rfid", { idTag: `CARD${connectorId}` });
  await t.next("StartTransaction", (p) => p.connectorId === connectorId, { from });
  await t.st.waitFor((s: Json) => s.connectors[connectorId - 1].status === "Charging");
  return transactionOf(t, connectorId);
}

/** The transactionId the backend gave the last StartTransaction of `connectorId`. */
export function transactionOf(t: OcppStation, connectorId: number): number {
  // The test backend numbers transactions 1000, 1001, ... in the order of StartTransaction.
  const starts = t.backend.of("StartTransaction");
  const index = starts.findLastIndex((c) => c.params.connectorId === connectorId);
  assert.ok(index >= 0, `no StartTransaction on ${connectorId}`);
  return 1000 + index;
}

/** Offered current of each connector, in A. */
export async function offeredA(t: OcppStation): Promise<number[]> {
  const s = await t.st.api<Json>("/api/status");
  return s.body.connectors.map((c: Json) => c.offeredA);
}
