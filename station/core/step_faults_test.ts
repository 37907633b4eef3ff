import {
  accepted,
  availability,
  card,
  chargingSteps,
  clear,
  closed,
  ONE_POINT,
  pilot,
  plug,
  raise,
  remoteStart,
  runScenario,
  type Scenario,
  TWO_POINTS,
  unplug,
} from "./testing.ts";

/**
 * The fault table of M-4 on a charging point: code, connector it is raised on, status line of
 * the station and of the point, and whether it ends the session.
 */
const FAULT_TABLE: [string, number, string, string, boolean][] = [
  ["WeakSignal", 0, "Available WeakSignal", "Charging WeakSignal", false],
  [
    "OverVoltageProtectionFailure",
    0,
    "Available OtherError OverVoltageProtectionFailure",
    "Charging OtherError OverVoltageProtectionFailure",
    false,
  ],
  [
    "RegulatoryComplianceFailure",
    0,
    "Faulted OtherError RegulatoryComplianceFailure",
    "Faulted OtherError RegulatoryComplianceFailure",
    true,
  ],
  ["ReaderFailure", 0, "Available ReaderFailure", "Charging ReaderFailure", false],
  ["UnderVoltage", 0, "Faulted UnderVoltage", "Faulted UnderVoltage", true],
  ["PowerMeterFailure", 1, "Available", "Faulted PowerMeterFailure", true],
  ["GroundFailure", 1, "Available", "Faulted GroundFailure", true],
  ["ConnectorLockFailure", 1, "Available", "Faulted ConnectorLockFailure", true],
  ["PowerSwitchFailure", 1, "Available", "Faulted PowerSwitchFailure", true],
  ["EVCommunicationError", 1, "Available", "Faulted EVCommunicationError", true],
];

const FAULT_SCENARIOS: Scenario[] = FAULT_TABLE.map(([code, on, station, point, stops]) => ({
  name: `${code} on connector ${on}: station ${station}, point ${point}` +
    (stops ? ", the session stops with Other" : ", the session goes on"),
  steps: [
    ...chargingSteps(1, "A", 1000),
    {
      atMs: 5000,
      event: raise(code, on),
      expect: {
        status: { 0: station, 1: point },
        some: stops ? ["stopped 1 Other 0Wh"] : [],
        none: stops ? [] : ["stopped", "contactor", "offered"],
        session: { 1: stops ? null : { idTag: "A" } },
      },
    },
    {
      atMs: 6000,
      event: clear(code, on),
      expect: { status: { 0: "Available", 1: stops ? "Finishing" : "Charging" } },
    },
  ],
}));

const SCENARIOS: Scenario[] = [
  ...FAULT_SCENARIOS,
  {
    name: "a station fault faults both points and stops both sessions with Other",
    config: TWO_POINTS,
    steps: [
      ...chargingSteps(1, "A", 1000),
      ...chargingSteps(2, "B", 2000),
      {
        atMs: 5000,
        event: raise("UnderVoltage", 0),
        expect: {
          effects: [
            "stopped 1 Other 0Wh",
            "stopped 2 Other 0Wh",
            "contactor 1 open",
            "contactor 2 open",
            "offered 1 0",
            "offered 2 0",
            "lock 1 off",
            "lock 2 off",
            "status 1 Faulted UnderVoltage",
            "status 2 Faulted UnderVoltage",
            "status 0 Faulted UnderVoltage",
          ],
        },
      },
      {
        atMs: 6000,
        event: clear("UnderVoltage", 0),
        expect: {
          effects: ["status 1 Finishing", "status 2 Finishing", "status 0 Available"],
        },
      },
      { atMs: 6100, event: closed(1) },
      { atMs: 6200, event: unplug(1), expect: { status: { 1: "Available", 2: "Finishing" } } },
    ],
  },
  {
    name: "a fault on point 1 stops only its session; point 2 gets the whole station limit",
    config: TWO_POINTS,
    steps: [
      ...chargingSteps(1, "A", 1000),
      ...chargingSteps(2, "B", 2000),
      {
        atMs: 5000,
        event: raise("GroundFailure", 1),
        expect: {
          effects: [
            "stopped 1 Other 0Wh",
            "contactor 1 open",
            "offered 1 0",
            "offered 2 32000",
            "lock 1 off",
            "status 1 Faulted GroundFailure",
          ],
          status: { 0: "Available", 2: "Charging" },
          session: { 2: { idTag: "B" } },
        },
      },
    ],
  },
  {
    name: "a fault on an empty point: Faulted, cleared: Available, the station unaffected",
    steps: [
      {
        atMs: 1000,
        event: raise("PowerMeterFailure", 1),
        expect: { effects: ["status 1 Faulted PowerMeterFailure"] },
      },
      {
        atMs: 2000,
        event: clear("PowerMeterFailure", 1),
        expect: { effects: ["status 1 Available"] },
      },
    ],
  },
  {
    name: "a card accepted on a faulted point starts nothing; cleared with the vehicle: Preparing",
    steps: [
      { atMs: 1000, event: plug(1) },
      { atMs: 2000, event: raise("ConnectorLockFailure", 1) },
      { atMs: 3000, event: accepted("A"), expect: { effects: [], session: { 1: null } } },
      { atMs: 3100, event: remoteStart(1, "R"), expect: { effects: [], pending: null } },
      {
        atMs: 4000,
        event: clear("ConnectorLockFailure", 1),
        expect: { effects: ["status 1 Preparing"], session: { 1: null } },
      },
    ],
  },
  {
    name: "a card that waits through a station fault starts the session when the fault clears",
    steps: [
      { atMs: 1000, event: raise("UnderVoltage", 0) },
      { atMs: 1100, event: accepted("A"), expect: { pending: { idTag: "A" } } },
      { atMs: 2000, event: plug(1), expect: { none: ["started"] } },
      { atMs: 2500, event: card("A"), expect: { effects: [] } },
      {
        atMs: 3000,
        event: clear("UnderVoltage", 0),
        expect: {
          effects: [
            "started 1 A",
            "lock 1 on",
            "offered 1 32000",
            "status 1 Preparing",
            "status 0 Available",
          ],
          pending: null,
        },
      },
    ],
  },
  {
    name: "a waiting card starts on a vehicle plugged into an inoperative point once operative",
    config: TWO_POINTS,
    steps: [
      { atMs: 1000, event: availability(1, false) },
      { atMs: 1100, event: accepted("A"), expect: { status: { 2: "Preparing" } } },
      { atMs: 2000, event: plug(1), expect: { none: ["started"], pending: { idTag: "A" } } },
      {
        atMs: 3000,
        event: availability(1, true),
        expect: {
          some: ["started 1 A", "status 1 Preparing", "status 2 Available"],
          pending: null,
        },
      },
    ],
  },
  {
    name: "a fault raised twice is gone after one clear; an unknown code changes nothing",
    steps: [
      { atMs: 1000, event: raise("GroundFailure", 1) },
      { atMs: 2000, event: raise("GroundFailure", 1), expect: { effects: [] } },
      { atMs: 2500, event: raise("NoSuchFault", 1), expect: { effects: [] } },
      { atMs: 2600, event: raise("GroundFailure", 7), expect: { effects: [] } },
      { atMs: 3000, event: clear("GroundFailure", 1), expect: { effects: ["status 1 Available"] } },
    ],
  },
  {
    name: "a Faulted fault outranks an informing one in the error code",
    steps: [
      { atMs: 1000, event: raise("WeakSignal", 0) },
      {
        atMs: 2000,
        event: raise("UnderVoltage", 0),
        expect: { status: { 0: "Faulted UnderVoltage", 1: "Faulted UnderVoltage" } },
      },
      {
        atMs: 3000,
        event: clear("UnderVoltage", 0),
        expect: { status: { 0: "Available WeakSignal", 1: "Available WeakSignal" } },
      },
      {
        atMs: 4000,
        event: clear("WeakSignal", 0),
        expect: { effects: ["status 1 Available", "status 0 Available"] },
      },
    ],
  },
  {
    name: "pilot E stops the session with Other, Faulted EVCommunicationError until B, A",
    steps: [
      ...chargingSteps(1, "A", 1000),
      {
        atMs: 5000,
        event: pilot(1, "E"),
        expect: {
          effects: [
            "stopped 1 Other 0Wh",
            "contactor 1 open",
            "offered 1 0",
            "lock 1 off",
            "status 1 Faulted EVCommunicationError",
          ],
          status: { 0: "Available" },
        },
      },
      { atMs: 6000, event: plug(1), expect: { effects: ["status 1 Finishing"] } },
      { atMs: 6100, event: closed(1) },
      { atMs: 7000, event: unplug(1), expect: { effects: ["status 1 Available"] } },
    ],
  },
  {
    name: "pilot F without a session: Faulted EVCommunicationError; unplugged: Available",
    steps: [
      {
        atMs: 1000,
        event: pilot(1, "F"),
        expect: { effects: ["status 1 Faulted EVCommunicationError"] },
      },
      { atMs: 2000, event: unplug(1), expect: { effects: ["status 1 Available"] } },
    ],
  },
  {
    name: "inoperative without a session: Unavailable at once, no session until operative",
    steps: [
      {
        atMs: 1000,
        event: availability(1, false),
        expect: { effects: ["status 1 Unavailable", "status 0 Unavailable"] },
      },
      { atMs: 2000, event: plug(1), expect: { effects: [], status: { 1: "Unavailable" } } },
      { atMs: 3000, event: accepted("A"), expect: { effects: [], session: { 1: null } } },
      { atMs: 3100, event: remoteStart(1, "R"), expect: { effects: [], pending: null } },
      {
        atMs: 4000,
        event: availability(1, true),
        expect: { effects: ["status 1 Preparing", "status 0 Available"] },
      },
    ],
  },
  {
    name: "inoperative with a session: the session runs on, afterwards Unavailable",
    steps: [
      ...chargingSteps(1, "A", 1000),
      {
        atMs: 5000,
        event: availability(0, false),
        expect: { effects: ["status 0 Unavailable"], status: { 1: "Charging" } },
      },
      {
        atMs: 6000,
        event: card("A"),
        expect: { some: ["stopped 1 Local 0Wh by A", "status 1 Finishing"] },
      },
      { atMs: 6100, event: closed(1) },
      { atMs: 7000, event: unplug(1), expect: { effects: ["status 1 Unavailable"] } },
    ],
  },
  {
    name:
      "availability on connector 0 applies to every point; one point back makes the station Available",
    config: TWO_POINTS,
    steps: [
      {
        atMs: 1000,
        event: availability(0, false),
        expect: {
          effects: ["status 1 Unavailable", "status 2 Unavailable", "status 0 Unavailable"],
        },
      },
      {
        atMs: 2000,
        event: availability(2, true),
        expect: { effects: ["status 2 Available", "status 0 Available"] },
      },
    ],
  },
  {
    name: "one of two points inoperative leaves the station Available",
    config: TWO_POINTS,
    steps: [
      {
        atMs: 1000,
        event: availability(1, false),
        expect: { effects: ["status 1 Unavailable"], status: { 0: "Available", 2: "Available" } },
      },
    ],
  },
  {
    name: "a vehicle waiting without a session: inoperative makes it Unavailable",
    config: ONE_POINT,
    steps: [
      { atMs: 1000, event: plug(1) },
      { atMs: 2000, event: availability(1, false), expect: { some: ["status 1 Unavailable"] } },
    ],
  },
];

for (const scenario of SCENARIOS) {
  Deno.test(`step(): ${scenario.name}`, () => {
    runScenario(scenario);
  });
}
