/**
 * OCPP 1.6 Reservation profile: ReserveNow and CancelReservation. The core holds reservations
 * (status Reserved, expiry, use by id tag or parent id tag); this module answers the backend,
 * stores accepted reservations so that they survive a restart, and ends a reservation when its
 * point (or the whole station, for connector 0) becomes Faulted or Unavailable (OCPP 1.6 §5.13).
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Reservation, StationState } from "../core/mod.ts";
import type { Station } from "../runtime.ts";
import type { OcppConnection } from "./rpc.ts";

const log = getLogger(["ladewerk", "ocpp"]);

/** ReserveNow.conf status. */
export type ReserveStatus = "Accepted" | "Faulted" | "Occupied" | "Rejected" | "Unavailable";

/** What decides a ReserveNow besides the station's state. */
export interface ReserveOptions {
  /** ReserveConnectorZeroSupported. */
  connectorZeroSupported: boolean;
  nowMs: number;
}

/**
 * The answer to ReserveNow in state `s`: Rejected for an unknown point, connector 0 when not
 * supported or an expiry in the past; Faulted or Unavailable when the point (or, for
 * connector 0, every point) is; Occupied when the point is in use or held by another
 * reservation, or when reserving it would leave fewer free points than reservations of "any
 * point" need. A reservation with the same id is replaced, so it does not occupy.
 */
export function reserveNowStatus(
  s: StationState,
  r: Reservation,
  options: ReserveOptions,
): ReserveStatus {
  if (r.expiresAtMs <= options.nowMs) return "Rejected";
  if (r.connectorId === 0 && !options.connectorZeroSupported) return "Rejected";
  const c = s.connectors.find((x) => x.id === r.connectorId);
  if (r.connectorId !== 0 && !c) return "Rejected";
  if (s.station.status === "Faulted") return "Faulted";
  if (s.station.status === "Unavailable") return "Unavailable";
  const others = s.reservations.filter((x) => x.id !== r.id);
  const anyPoint = others.filter((x) => x.connectorId === 0).length;
  const free = s.connectors.filter((x) =>
    (x.status === "Available" || x.status === "Reserved") &&
    !others.some((o) => o.connectorId === x.id)
  );
  if (!c) {
    if (free.length > anyPoint) return "Accepted";
    if (s.connectors.every((x) => x.status === "Faulted")) return "Faulted";
    if (s.connectors.every((x) => x.status === "Faulted" || x.status === "Unavailable")) {
      return "Unavailable";
    }
    return "Occupied";
  }
  if (c.status === "Faulted") return "Faulted";
  if (c.status === "Unavailable") return "Unavailable";
  if (!free.includes(c) || free.length - 1 < anyPoint) return "Occupied";
  return "Accepted";
}

// deno-lint-ignore no-explicit-any
type Params = any;

/** Registers ReserveNow and CancelReservation on a connection. */
export function registerReservationHandlers(conn: OcppConnection, station: Station): void {
  conn.handle("ReserveNow", async (p: Params) => {
    const reservation: Reservation = {
      id: p.reservationId,
      connectorId: p.connectorId,
      idTag: p.idTag,
      ...(p.parentIdTag ? { parentIdTag: p.parentIdTag } : {}),
      expiresAtMs: Date.parse(p.expiryDate),
    };
    const nowMs = station.hardware.clock.nowMs();
    const status = reserveNowStatus(station.state, reservation, {
      connectorZeroSupported: station.settings.get("ocpp.reserveConnectorZeroSupported"),
      nowMs,
    });
    log.info(
      `ReserveNow ${reservation.id} of charge point ${reservation.connectorId} for ` +
        `${reservation.idTag} until ${p.expiryDate}: ${status}`,
    );
    if (status === "Accepted") {
      // Stored first: an accepted reservation must survive a restart.
      await station.store.reservations.put(reservation, nowMs);
      await station.dispatch({ type: "reserve", reservation });
    }
    return { status };
  });

  conn.handle("CancelReservation", async (p: Params) => {
    if (!station.state.reservations.some((r) => r.id === p.reservationId)) {
      return { status: "Rejected" };
    }
    await station.dispatch({ type: "cancelReservation", reservationId: p.reservationId });
    return { status: "Accepted" };
  });
}

/**
 * Ends reservations whose point becomes Faulted or Unavailable, and those of "any point" when
 * the whole station does. Returns unsubscribe.
 */
export function endReservationsOfUnusablePoints(station: Station): () => void {
  const end = (state: StationState, connectorId: number, status: string) => {
    if (status !== "Faulted" && status !== "Unavailable") return;
    for (const r of state.reservations) {
      if (r.connectorId !== connectorId) continue;
      log.info(`Reservation ${r.id} cancelled: charge point ${r.connectorId} is ${status}`);
      void station.dispatch({ type: "cancelReservation", reservationId: r.id });
    }
  };
  // A point may have come up Faulted or Unavailable with a reservation restored from storage.
  const state = station.state;
  end(state, 0, state.station.status);
  for (const c of state.connectors) end(state, c.id, c.status);
  return station.subscribe((effect, state) => {
    if (effect.type === "status") end(state, effect.connectorId, effect.status);
  });
}
