/**
 * MeterValues: sampled every `MeterValueSampleInterval` during a transaction and clock-aligned
 * every `ClockAlignedDataInterval` (aligned to midnight UTC), with the measurands of
 * `MeterValuesSampledData` / `MeterValuesAlignedData`. Transaction values are stored before
 * they are sent; values outside a transaction are sent only while online.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Station } from "../runtime.ts";
import { utcOffsetMs } from "../time_zone.ts";
import type { OcppClient } from "./client.ts";
import { measurandList, meterValue, type ReadingContext } from "./conversions.ts";

const log = getLogger(["ladewerk", "ocpp"]);

/** Takes meter values on time; `tick()` is called every second by `startOcpp`. */
export class MeterValueSampler {
  #station: Station;
  #client: OcppClient;
  #lastSampleMs = new Map<number, number>();
  #lastAlignedSlot = -1;

  constructor(station: Station, client: OcppClient) {
    this.#station = station;
    this.#client = client;
  }

  /** Checks both intervals and takes what is due. */
  async tick(): Promise<void> {
    const nowMs = this.#station.hardware.clock.nowMs();
    const v = this.#station.settings.all();
    const sampleMs = v["ocpp.meterValueSampleIntervalS"] * 1000;
    for (const c of this.#station.state.connectors) {
      if (!c.session) {
        this.#lastSampleMs.delete(c.id);
        continue;
      }
      const last = this.#lastSampleMs.get(c.id) ?? c.session.startedAtMs;
      if (sampleMs > 0 && nowMs - last >= sampleMs) {
        this.#lastSampleMs.set(c.id, nowMs);
        await this.take(c.id, "Sample.Periodic", measurandList(v["ocpp.meterValuesSampledData"]));
      }
    }
    const alignedMs = v["ocpp.clockAlignedDataIntervalS"] * 1000;
    if (alignedMs <= 0) return;
    // Intervals count from the station's local midnight (time.zone), not UTC's.
    const offsetMs = utcOffsetMs(v["time.zone"], nowMs);
    const slot = Math.floor((nowMs + offsetMs) / alignedMs);
    if (this.#lastAlignedSlot === -1) this.#lastAlignedSlot = slot;
    // Never the same slot twice (the clock going back an hour in autumn).
    if (slot <= this.#lastAlignedSlot) return;
    this.#lastAlignedSlot = slot;
    for (const c of this.#station.state.connectors) {
      // Stamped with the aligned time itself (e.g. 08:15:00.000), the reading is at most a
      // tick older: billing of clock-aligned values groups them by that time.
      await this.take(c.id, "Sample.Clock", measurandList(v["ocpp.meterValuesAlignedData"]), {
        atMs: slot * alignedMs - offsetMs,
      });
    }
  }

  /**
   * Takes one meter value of a charge point: stored for its transaction if one runs and
   * owes the backend, else sent at once when online. Returns whether it went anywhere.
   */
  async take(
    connectorId: number,
    context: ReadingContext,
    measurands: string[],
    options: { atMs?: number } = {},
  ): Promise<boolean> {
    const reading = this.#station.reading(connectorId);
    const c = this.#station.state.connectors.find((x) => x.id === connectorId);
    if (!reading || !c || measurands.length === 0) return false;
    const atMs = options.atMs ?? this.#station.hardware.clock.nowMs();
    const value = meterValue(reading, c.offeredMa, measurands, context, atMs);
    const session = c.session ? await this.#station.store.sessions.openOf(connectorId) : undefined;
    if (session && session.ocpp_start !== null && context !== "Trigger") {
      const stored = await this.#client.journal.enqueueMeterValues({
        sessionId: session.id,
        connectorId,
        payload: { connectorId, meterValue: [value] },
        atMs,
        energyWh: reading.energyWh,
      });
      this.#client.wake();
      return stored;
    }
    if (!this.#client.online) return false;
    try {
      await this.#client.call("MeterValues", {
        connectorId,
        ...(session && session.transaction_id !== null
          ? { transactionId: session.transaction_id }
          : {}),
        meterValue: [value],
      });
      return true;
    } catch (e) {
      log.warn(`MeterValues failed: ${e instanceof Error ? e.message : e}`);
      return false;
    }
  }
}
