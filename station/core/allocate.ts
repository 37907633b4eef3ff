/**
 * The current offered to each charge point: level 1 (M-1.6.3) combined with the external
 * limits (OCPP smart charging, Modbus set-point, cluster allocation). Pure, never awaits.
 * @module
 */

/** The minimum current a vehicle can charge with (IEC 61851). */
export const MIN_CURRENT_MA = 6_000;

/** What one charge point asks for. */
export interface Demand {
  connectorId: number;
  /** Whether a session runs and may draw current. */
  active: boolean;
  /** Start of the session: earlier sessions keep their current when capacity runs short. */
  startedAtMs: number;
  /** The smallest of hardware maximum and every external limit. */
  capMa: number;
}

/**
 * Splits the station limit over the active sessions: equal shares, a point capped below its
 * share gives the rest to the others, and when a share would fall below 6 A the latest
 * session pauses (0) until capacity frees up. Returns mA per connector id.
 */
export function allocate(demands: readonly Demand[], stationMaxMa: number): Map<number, number> {
  const result = new Map<number, number>(demands.map((d) => [d.connectorId, 0]));
  let running = demands
    .filter((d) => d.active && d.capMa >= MIN_CURRENT_MA)
    .sort((a, b) => a.startedAtMs - b.startedAtMs || a.connectorId - b.connectorId);
  while (running.length > 0) {
    const shares = waterFill(running, stationMaxMa);
    if ([...shares.values()].every((ma) => ma >= MIN_CURRENT_MA)) {
      for (const [id, ma] of shares) result.set(id, ma);
      break;
    }
    running = running.slice(0, -1);
  }
  return result;
}

function waterFill(demands: readonly Demand[], totalMa: number): Map<number, number> {
  const shares = new Map<number, number>();
  let remaining = totalMa;
  const byCap = [...demands].sort((a, b) => a.capMa - b.capMa);
  byCap.forEach((d, i) => {
    const fair = Math.floor(remaining / (byCap.length - i));
    const give = Math.min(d.capMa, fair);
    shares.set(d.connectorId, give);
    remaining -= give;
  });
  return shares;
}
