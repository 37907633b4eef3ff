import type { CoreEvent } from "./events.ts";
import {
  accepted,
  availability,
  card,
  clear,
  closed,
  draw,
  limit,
  pilot,
  plug,
  raise,
  remoteStop,
  runScenario,
  type ScenarioStep,
  tick,
  TWO_POINTS,
  unplug,
} from "./testing.ts";

/** Events before a status: one per second from 1 s. */
const CHARGING: CoreEvent[] = [plug(1), card("A"), accepted("A"), draw(1)];
const SUSPENDED_EV = [...CHARGING, plug(1)];
const SUSPENDED_EVSE = [...CHARGING, limit(1, 0)];
const FINISHING = [...CHARGING, card("A")];
const UNAVAILABLE = [availability(1, false)];
const FAULTED = [raise("GroundFailure", 1)];
const FAULT = raise("GroundFailure", 1);
const CLEAR = clear("GroundFailure", 1);

/**
 * Every OCPP status change of a charge point: from, to, what happens, the events before, the
 * event that makes the change, and when it comes (default: a second after the last).
 * Reserved is not reachable: the core has no reservations yet.
 */
// deno-fmt-ignore
const TRANSITIONS: [string, string, string, CoreEvent[], CoreEvent, number?][] = [
  ["Available", "Preparing", "a vehicle is plugged in", [], plug(1)],
  ["Available", "Preparing", "a card is accepted", [], accepted("A")],
  ["Available", "Unavailable", "the point becomes inoperative", [], availability(1, false)],
  ["Available", "Faulted GroundFailure", "a fault is raised", [], FAULT],
  ["Preparing", "Available", "the vehicle leaves without a session", [plug(1)], unplug(1)],
  ["Preparing", "Available", "the accepted card lapses", [accepted("A")], tick, 61_000],
  ["Preparing", "Charging", "a card is accepted for a drawing vehicle", [draw(1)], accepted("A")],
  ["Preparing", "SuspendedEV", "the vehicle does not draw in 10 s", [plug(1), accepted("A")], tick, 12_000],
  ["Preparing", "SuspendedEVSE", "a session starts under a 5 A limit", [limit(1, 5000), plug(1)], accepted("A")],
  ["Preparing", "Unavailable", "the point becomes inoperative", [plug(1)], availability(1, false)],
  ["Preparing", "Faulted GroundFailure", "a fault is raised", [plug(1)], FAULT],
  ["Preparing", "Finishing", "the session stops before the vehicle draws", [plug(1), accepted("A")], card("A")],
  ["Charging", "SuspendedEV", "the vehicle stops drawing", CHARGING, plug(1)],
  ["Charging", "SuspendedEVSE", "a limit drops below 6 A", CHARGING, limit(1, 5999)],
  ["Charging", "Finishing", "the same card is presented", CHARGING, card("A")],
  ["Charging", "Finishing", "the vehicle is unplugged", CHARGING, unplug(1)],
  ["Charging", "Faulted GroundFailure", "a fault is raised", CHARGING, FAULT],
  ["SuspendedEV", "Charging", "the vehicle draws again", SUSPENDED_EV, draw(1)],
  ["SuspendedEV", "SuspendedEVSE", "a limit drops below 6 A", SUSPENDED_EV, limit(1, 0)],
  ["SuspendedEV", "Finishing", "a remote stop", SUSPENDED_EV, remoteStop(1, "Remote")],
  ["SuspendedEV", "Faulted EVCommunicationError", "the vehicle reports an error", SUSPENDED_EV, pilot(1, "E")],
  ["SuspendedEVSE", "Charging", "the limit is removed", SUSPENDED_EVSE, limit(1, undefined)],
  ["SuspendedEVSE", "SuspendedEV", "the limit is removed, vehicle at B", [...SUSPENDED_EVSE, plug(1)], limit(1, undefined)],
  ["SuspendedEVSE", "Finishing", "a remote stop", SUSPENDED_EVSE, remoteStop(1, "Remote")],
  ["SuspendedEVSE", "Faulted PowerSwitchFailure", "a fault is raised", SUSPENDED_EVSE, raise("PowerSwitchFailure", 1)],
  ["Finishing", "Available", "the vehicle is unplugged", [...FINISHING, closed(1)], unplug(1)],
  ["Finishing", "Available", "the stop is stored after unplug", [...CHARGING, unplug(1)], closed(1)],
  ["Finishing", "Unavailable", "the vehicle leaves an inoperative point", [...CHARGING, ...UNAVAILABLE, card("A"), closed(1)], unplug(1)],
  ["Finishing", "Faulted GroundFailure", "a fault is raised", FINISHING, FAULT],
  ["Unavailable", "Available", "the point becomes operative", UNAVAILABLE, availability(1, true)],
  ["Unavailable", "Preparing", "the point becomes operative with a vehicle", [...UNAVAILABLE, plug(1)], availability(1, true)],
  ["Unavailable", "Faulted GroundFailure", "a fault is raised", UNAVAILABLE, FAULT],
  ["Faulted GroundFailure", "Available", "the fault is cleared", FAULTED, CLEAR],
  ["Faulted GroundFailure", "Preparing", "the fault is cleared with a vehicle", [plug(1), ...FAULTED], CLEAR],
  ["Faulted GroundFailure", "Finishing", "the fault that stopped a session is cleared", [...CHARGING, ...FAULTED], CLEAR],
  ["Faulted GroundFailure", "Unavailable", "the fault is cleared on an inoperative point", [...UNAVAILABLE, ...FAULTED], CLEAR],
  ["Faulted EVCommunicationError", "Preparing", "the vehicle leaves error state E", [pilot(1, "E")], plug(1)],
];

for (const [from, to, what, before, trigger, atMs] of TRANSITIONS) {
  Deno.test(`step(): ${from} → ${to} when ${what}`, () => {
    const steps: ScenarioStep[] = before.length === 0
      ? [{ atMs: 0, event: tick }]
      : before.map((event, i) => ({ atMs: (i + 1) * 1000, event }));
    steps[steps.length - 1] = { ...steps[steps.length - 1]!, expect: { status: { 1: from } } };
    steps.push({
      atMs: atMs ?? (before.length + 1) * 1000,
      event: trigger,
      expect: { status: { 1: to }, some: [`status 1 ${to}`] },
    });
    runScenario({ name: `${from} → ${to}`, steps });
  });
}

/** The station's own status (connector 0): from, to, what happens, events before, trigger. */
// deno-fmt-ignore
const STATION_TRANSITIONS: [string, string, string, CoreEvent[], CoreEvent][] = [
  ["Available", "Unavailable", "every point becomes inoperative", [], availability(0, false)],
  ["Unavailable", "Available", "a point becomes operative", [availability(0, false)], availability(1, true)],
  ["Available", "Faulted UnderVoltage", "a station fault is raised", [], raise("UnderVoltage", 0)],
  ["Faulted UnderVoltage", "Available", "the station fault is cleared", [raise("UnderVoltage", 0)], clear("UnderVoltage", 0)],
  ["Unavailable", "Faulted UnderVoltage", "a station fault is raised", [availability(0, false)], raise("UnderVoltage", 0)],
  ["Faulted UnderVoltage", "Unavailable", "the station fault is cleared", [availability(0, false), raise("UnderVoltage", 0)], clear("UnderVoltage", 0)],
];

for (const [from, to, what, before, trigger] of STATION_TRANSITIONS) {
  Deno.test(`step(): station ${from} → ${to} when ${what}`, () => {
    runScenario({
      name: `station ${from} → ${to}`,
      config: TWO_POINTS,
      steps: [
        { atMs: 0, event: tick, expect: before.length === 0 ? { status: { 0: from } } : {} },
        ...before.map((event, i) => ({
          atMs: (i + 1) * 1000,
          event,
          expect: i === before.length - 1 ? { status: { 0: from } } : {},
        })),
        { atMs: 9000, event: trigger, expect: { status: { 0: to }, some: [`status 0 ${to}`] } },
      ],
    });
  });
}
