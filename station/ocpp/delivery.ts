/**
 * Delivery of one owed transaction message (StartTransaction, transaction MeterValues,
 * StopTransaction) on an open connection, and what its answer means: the journal is settled,
 * the authorization cache hears the idTagInfo, and a refused id tag is deauthorized. The
 * order and the retries are the client's (client.ts); this is the translation.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Station } from "../runtime.ts";
import type { OwedMessage } from "../store/mod.ts";
import { utcOffsetMs } from "../time_zone.ts";
import { measurandList, startTransaction, stopTransaction } from "./conversions.ts";
import type { OcppConnection } from "./rpc.ts";
import { transactionData } from "./transaction_data.ts";

const log = getLogger(["ladewerk", "ocpp"]);

/** What a delivery needs. */
export interface DeliveryContext {
  station: Station;
  /** Hears the idTagInfo of Start- and StopTransaction answers (the authorization cache). */
  onIdTagInfo?: (idTag: string, idTagInfo: { status: string }) => Promise<void>;
}

/** Sends `m` and settles it in the journal once answered; rejects on CALLERROR or timeout. */
export async function deliver(
  conn: OcppConnection,
  m: OwedMessage,
  ctx: DeliveryContext,
): Promise<void> {
  const journal = ctx.station.store.journal;
  switch (m.kind) {
    case "start": {
      const res = await conn.call<{ transactionId: number; idTagInfo: { status: string } }>(
        "StartTransaction",
        startTransaction(m.session),
      );
      await journal.startDone(m.session.id, res.transactionId);
      log.info(`StartTransaction of session ${m.session.id}: transaction ${res.transactionId}`);
      await noteIdTagInfo(ctx, m.session.id_tag, res.idTagInfo);
      if (res.idTagInfo.status !== "Accepted") await deauthorize(ctx, m.session.id, res);
      return;
    }
    case "meterValues": {
      await conn.call("MeterValues", {
        ...m.payload,
        transactionId: m.session.transaction_id!,
      });
      await journal.meterValuesDone(m.id, ctx.station.hardware.clock.nowMs());
      return;
    }
    case "stop": {
      const res = await conn.call<{ idTagInfo?: { status: string } }>(
        "StopTransaction",
        stopTransaction(m.session, await stopData(ctx.station, m.session)),
      );
      await journal.stopDone(m.session.id);
      if (res.idTagInfo) {
        await noteIdTagInfo(ctx, m.session.stop_id_tag ?? m.session.id_tag, res.idTagInfo);
      }
      log.info(`StopTransaction of session ${m.session.id} delivered`);
      return;
    }
  }
}

/** The transactionData of a stopped session, as the settings ask for it. */
async function stopData(station: Station, session: OwedMessage["session"]) {
  const v = station.settings.all();
  const sampled = measurandList(v["ocpp.stopTxnSampledData"]);
  const aligned = measurandList(v["ocpp.stopTxnAlignedData"]);
  if (sampled.length === 0 && aligned.length === 0) return [];
  return transactionData({
    samples: await station.store.journal.samplesOf(session.id),
    startedAtMs: session.started_at,
    stoppedAtMs: session.stopped_at!,
    meterStartWh: session.meter_start_wh,
    meterStopWh: session.meter_stop_wh!,
    sampled,
    aligned,
    sampleIntervalS: v["ocpp.meterValueSampleIntervalS"],
    alignedIntervalS: v["ocpp.clockAlignedDataIntervalS"],
    utcOffsetMs: utcOffsetMs(v["time.zone"], session.started_at),
  });
}

async function noteIdTagInfo(
  ctx: DeliveryContext,
  idTag: string,
  idTagInfo: { status: string },
): Promise<void> {
  await ctx.onIdTagInfo?.(idTag, idTagInfo).catch((e) =>
    log.warn(`Cannot cache the idTagInfo of ${idTag}: ${e instanceof Error ? e.message : e}`)
  );
}

/**
 * The backend refused a running session's id tag: StopTransactionOnInvalidId true stops it
 * (DeAuthorized); false keeps the transaction open but delivers no more energy (offered
 * current 0, SuspendedEVSE) until the vehicle leaves.
 */
async function deauthorize(
  ctx: DeliveryContext,
  sessionId: number,
  res: { idTagInfo: { status: string } },
): Promise<void> {
  const { station } = ctx;
  const row = await station.store.sessions.get(sessionId);
  if (!row || row.stopped_at !== null) return;
  const connectorId = row.connector_id;
  if (station.settings.get("ocpp.stopTransactionOnInvalidId")) {
    log.info(`Backend refused session ${sessionId} (${res.idTagInfo.status}): stopping`);
    await station.dispatch({ type: "remoteStop", connectorId, reason: "DeAuthorized" });
  } else {
    log.info(`Backend refused session ${sessionId} (${res.idTagInfo.status}): no more energy`);
    await station.dispatch({ type: "limit", source: "deauthorized", connectorId, limitMa: 0 });
  }
}
