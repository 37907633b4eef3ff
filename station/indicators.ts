/**
 * What the LEDs and the display show for a status: green when free, blue while a vehicle is
 * served, red blinks with the fault's count of the manual's table (M-4).
 * @module
 */
import type { LedPattern } from "../drivers/ports.ts";
import type { ConnectorState, StationState } from "./core/mod.ts";
import { faultsOf } from "./core/mod.ts";
import { faultDefinition } from "./faults.ts";

/** The LED pattern of a charge point. */
export function ledPattern(state: StationState, c: ConnectorState): LedPattern {
  const faulted = faultsOf(c, state.stationFaults)
    .map((code) => faultDefinition(code))
    .find((d) => d.effect === "Faulted");
  if (faulted) {
    return faulted.redBlinks > 0
      ? { color: "red", mode: "blink", blinks: faulted.redBlinks }
      : { color: "red", mode: "steady" };
  }
  switch (c.status) {
    case "Available":
      return { color: "green", mode: "steady" };
    case "Preparing":
      return { color: "blue", mode: "blink" };
    case "Charging":
      return { color: "blue", mode: "pulse" };
    case "SuspendedEV":
    case "SuspendedEVSE":
      return { color: "blue", mode: "steady" };
    case "Finishing":
      return { color: "green", mode: "blink" };
    case "Reserved":
      return { color: "yellow", mode: "steady" };
    case "Unavailable":
      return { color: "off", mode: "steady" };
    case "Faulted":
      return { color: "red", mode: "steady" };
  }
}

/** The display's lines: one per charge point, with current and energy while charging. */
export function displayLines(state: StationState): string[] {
  return state.connectors.map((c) => {
    const head = `${c.id}: ${c.status}`;
    if (!c.session) return head;
    const kwh = ((c.energyWh - c.session.meterStartWh) / 1000).toFixed(2);
    return `${head} ${(c.offeredMa / 1000).toFixed(1)} A ${kwh} kWh`;
  });
}
