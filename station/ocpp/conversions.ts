/**
 * OCPP 1.6 payloads from the station's state and records, and back. No I/O.
 * @module
 */
import type { MeterReading } from "../../drivers/ports.ts";
import type { CoreEffect } from "../core/mod.ts";
import type { StationInfo } from "../snapshot.ts";
import type { SessionRow } from "../store/mod.ts";
import type { AuthorizationStatus, AuthResult } from "../types.ts";

/** The charge box id the station reports: the template with `{serial}` replaced. */
export function chargeBoxIdentity(template: string, serial: string): string {
  return template.replaceAll("{serial}", serial);
}

const iso = (ms: number) => new Date(ms).toISOString();
const cut = (s: string, max: number) => s.slice(0, max);

/** BootNotification.req. */
export function bootNotification(
  info: StationInfo,
  meter: { model: string; serial: string },
  modem?: { iccid?: string; imsi?: string },
) {
  return {
    chargePointVendor: cut(info.vendor, 20),
    chargePointModel: cut(info.model, 20),
    chargePointSerialNumber: cut(info.serial, 25),
    chargeBoxSerialNumber: cut(info.serial, 25),
    firmwareVersion: cut(info.firmwareVersion, 50),
    meterType: cut(meter.model, 25),
    meterSerialNumber: cut(meter.serial, 25),
    ...(modem?.iccid ? { iccid: cut(modem.iccid, 20) } : {}),
    ...(modem?.imsi ? { imsi: cut(modem.imsi, 20) } : {}),
  };
}

/** StatusNotification.req from a status effect. */
export function statusNotification(effect: Extract<CoreEffect, { type: "status" }>) {
  return {
    connectorId: effect.connectorId,
    errorCode: effect.errorCode,
    status: effect.status,
    timestamp: iso(effect.atMs),
    ...(effect.vendorErrorCode
      ? { vendorErrorCode: cut(effect.vendorErrorCode, 50), vendorId: "ladewerk" }
      : {}),
  };
}

/** StartTransaction.req of a stored session. */
export function startTransaction(s: SessionRow) {
  return {
    connectorId: s.connector_id,
    idTag: s.id_tag,
    meterStart: s.meter_start_wh,
    timestamp: iso(s.started_at),
    ...(s.reservation_id !== null ? { reservationId: s.reservation_id } : {}),
  };
}

/** StopTransaction.req of a stored, closed session. */
export function stopTransaction(
  s: SessionRow,
  transactionData: MeterValue[],
) {
  return {
    transactionId: s.transaction_id!,
    meterStop: s.meter_stop_wh!,
    timestamp: iso(s.stopped_at!),
    reason: s.stop_reason!,
    ...(s.stop_id_tag ? { idTag: cut(s.stop_id_tag, 20) } : {}),
    ...(transactionData.length > 0 ? { transactionData } : {}),
  };
}

/** One sampledValue of MeterValues. */
export interface SampledValue {
  value: string;
  context?: string;
  measurand?: string;
  phase?: string;
  location?: string;
  unit?: string;
}

/** One meterValue of MeterValues. */
export interface MeterValue {
  timestamp: string;
  sampledValue: SampledValue[];
}

/** The context of a sampled value. */
export type ReadingContext =
  | "Sample.Periodic"
  | "Sample.Clock"
  | "Transaction.Begin"
  | "Transaction.End"
  | "Trigger";

const fixed = (v: number, digits: number) => v.toFixed(digits);

/** A meterValue with the chosen measurands of a reading. */
export function meterValue(
  reading: Pick<MeterReading, "energyWh" | "powerW" | "phases">,
  offeredMa: number,
  measurands: readonly string[],
  context: ReadingContext,
  atMs: number,
): MeterValue {
  const phases = ["L1", "L2", "L3"] as const;
  const live = reading.phases.filter((p) => p.voltageV > 0).length || 3;
  const nominalV = reading.phases.find((p) => p.voltageV > 0)?.voltageV ?? 230;
  const sv: SampledValue[] = [];
  const add = (measurand: string, value: string, unit: string, phase?: string) =>
    sv.push({
      value,
      context,
      measurand,
      location: "Outlet",
      unit,
      ...(phase ? { phase } : {}),
    });
  for (const m of measurands) {
    switch (m) {
      case "Energy.Active.Import.Register":
        // Whole Wh cut off, as the station stores them: never above a later meterStop.
        add(m, fixed(Math.floor(reading.energyWh), 0), "Wh");
        break;
      case "Power.Active.Import":
        add(m, fixed(reading.powerW, 0), "W");
        break;
      case "Current.Offered":
        add(m, fixed(offeredMa / 1000, 1), "A");
        break;
      case "Power.Offered":
        add(m, fixed((offeredMa / 1000) * nominalV * live, 0), "W");
        break;
      case "Current.Import":
        reading.phases.forEach((p, i) => add(m, fixed(p.currentA, 2), "A", phases[i]));
        break;
      case "Voltage":
        reading.phases.forEach((p, i) => add(m, fixed(p.voltageV, 1), "V", `${phases[i]}-N`));
        break;
    }
  }
  return { timestamp: iso(atMs), sampledValue: sv };
}

/** Parses a comma-separated measurand list setting. */
export function measurandList(text: string): string[] {
  return text.split(",").map((m) => m.trim()).filter(Boolean);
}

/** The backend's IdTagInfo as the station's authorization result. */
export function fromIdTagInfo(info: {
  status: AuthorizationStatus;
  parentIdTag?: string;
  expiryDate?: string;
}): AuthResult {
  if (info.status !== "Accepted") return { status: info.status, source: "backend" };
  return {
    status: "Accepted",
    source: "backend",
    ...(info.parentIdTag ? { parentIdTag: info.parentIdTag } : {}),
    ...(info.expiryDate ? { expiresAtMs: Date.parse(info.expiryDate) } : {}),
  };
}
