import { authorizeLocal } from "./auth.ts";
import {
  accepted,
  card,
  chargingSteps,
  closed,
  draw,
  ONE_POINT,
  plug,
  refused,
  remoteStart,
  runScenario,
  type Scenario,
  tick,
  TWO_POINTS,
  unplug,
} from "./testing.ts";

const NONE = { ...ONE_POINT, identification: "none" } as const;

const AUTHORIZATION: Scenario[] = [
  ...(["Invalid", "Blocked", "Expired", "ConcurrentTx"] as const).map((status): Scenario => ({
    name: `a card refused as ${status} gives authorizationRefused and no session`,
    steps: [
      { atMs: 1000, event: plug(1) },
      { atMs: 2000, event: card("X") },
      {
        atMs: 2100,
        event: refused("X", status),
        expect: {
          effects: [`refused X ${status}`],
          session: { 1: null },
          pending: null,
          status: { 1: "Preparing" },
        },
      },
    ],
  })),
  {
    name: "a refused card before the vehicle leaves the point Available and nothing waiting",
    steps: [
      { atMs: 1000, event: card("X") },
      { atMs: 1100, event: refused("X", "Blocked"), expect: { effects: ["refused X Blocked"] } },
      { atMs: 2000, event: plug(1), expect: { none: ["started"], status: { 1: "Preparing" } } },
    ],
  },
  {
    name: "the master key starts a session with source masterKey",
    steps: [
      { atMs: 1000, event: plug(1) },
      { atMs: 2000, event: card("MASTER"), expect: { effects: ["authorize MASTER"] } },
      {
        atMs: 2100,
        event: {
          type: "authorized",
          idTag: "MASTER",
          result: authorizeLocal({
            idTag: "MASTER",
            mode: "validCard",
            masterKey: "master",
            dummyIdTag: "FREE",
            nowMs: 2100,
          }),
        },
        expect: { some: ["started 1 MASTER"], session: { 1: { authSource: "masterKey" } } },
      },
    ],
  },
  {
    name: "mode none: plugging in asks to authorize the dummy id for that point, then charges",
    config: NONE,
    steps: [
      {
        atMs: 1000,
        event: plug(1),
        expect: { effects: ["authorize FREE 1", "status 1 Preparing"] },
      },
      {
        atMs: 1100,
        event: accepted("FREE", { source: "dummy", connectorId: 1 }),
        expect: {
          effects: ["started 1 FREE", "lock 1 on", "offered 1 32000"],
          session: { 1: { idTag: "FREE", authSource: "dummy" } },
        },
      },
      { atMs: 1200, event: draw(1), expect: { status: { 1: "Charging" } } },
    ],
  },
  {
    name: "mode none: a card asks nothing and stops nothing without dummyAllowStop",
    config: NONE,
    steps: [
      { atMs: 500, event: card("ANY"), expect: { effects: [], pending: null } },
      { atMs: 1000, event: plug(1) },
      { atMs: 1100, event: accepted("FREE", { source: "dummy", connectorId: 1 }) },
      {
        atMs: 1200,
        event: card("ANY"),
        expect: { effects: [], session: { 1: { idTag: "FREE" } } },
      },
    ],
  },
  {
    name: "mode none with dummyAllowStop: any card stops the session with Local",
    config: { ...NONE, dummyAllowStop: true },
    steps: [
      { atMs: 1000, event: plug(1) },
      { atMs: 1100, event: accepted("FREE", { source: "dummy", connectorId: 1 }) },
      { atMs: 1200, event: draw(1) },
      {
        atMs: 5000,
        event: card("ANY"),
        expect: {
          some: ["stopped 1 Local 0Wh by ANY"],
          none: ["authorize"],
          status: { 1: "Finishing" },
        },
      },
      { atMs: 5001, event: closed(1) },
      {
        atMs: 6000,
        event: unplug(1),
        expect: { effects: ["status 1 Available"], none: ["authorize"] },
      },
    ],
  },
  {
    name: "mode none: a refused dummy id leaves the point Preparing without a session",
    config: NONE,
    steps: [
      { atMs: 1000, event: plug(1) },
      {
        atMs: 1100,
        event: refused("FREE", "Invalid"),
        expect: { effects: ["refused FREE Invalid"], session: { 1: null } },
      },
    ],
  },
  {
    name: "remoteStart before the vehicle: Preparing, and the session starts on plug",
    steps: [
      {
        atMs: 1000,
        event: remoteStart(1, "R"),
        expect: {
          effects: ["status 1 Preparing"],
          pending: { idTag: "R", connectorId: 1, authSource: "remote" },
        },
      },
      {
        atMs: 5000,
        event: plug(1),
        expect: { some: ["started 1 R"], session: { 1: { authSource: "remote" } }, pending: null },
      },
    ],
  },
  {
    name: "remoteStart before the vehicle lapses at connectionTimeoutS",
    steps: [
      { atMs: 1000, event: remoteStart(1, "R") },
      { atMs: 60_999, event: tick, expect: { effects: [] } },
      { atMs: 61_000, event: tick, expect: { effects: ["status 1 Available"], pending: null } },
    ],
  },
  {
    name: "remoteStart after plug starts the session at once",
    steps: [
      { atMs: 1000, event: plug(1) },
      {
        atMs: 2000,
        event: remoteStart(1, "R"),
        expect: {
          effects: ["started 1 R", "lock 1 on", "offered 1 32000"],
          session: { 1: { idTag: "R", authSource: "remote", startedAtMs: 2000 } },
        },
      },
    ],
  },
  {
    name: "remoteStart on a busy point does nothing",
    steps: [
      ...chargingSteps(1, "A", 1000),
      {
        atMs: 5000,
        event: remoteStart(1, "R"),
        expect: { effects: [], session: { 1: { idTag: "A" } }, pending: null },
      },
    ],
  },
  {
    name: "remoteStart on point 2 waits for a vehicle there, not on point 1",
    config: TWO_POINTS,
    steps: [
      {
        atMs: 1000,
        event: remoteStart(2, "R"),
        expect: { status: { 1: "Available", 2: "Preparing" } },
      },
      { atMs: 2000, event: plug(1), expect: { none: ["started"] } },
      { atMs: 3000, event: plug(2), expect: { some: ["started 2 R"] } },
    ],
  },
  {
    name: "with two free points an accepted card shows no Preparing and starts where plugged",
    config: TWO_POINTS,
    steps: [
      {
        atMs: 1000,
        event: accepted("A"),
        expect: {
          effects: [],
          status: { 1: "Available", 2: "Available" },
          pending: { idTag: "A" },
        },
      },
      { atMs: 2000, event: plug(2), expect: { some: ["started 2 A"], pending: null } },
    ],
  },
  {
    name: "with one point busy an accepted card shows the free one as Preparing",
    config: TWO_POINTS,
    steps: [
      ...chargingSteps(1, "A", 1000),
      { atMs: 5000, event: card("B"), expect: { effects: ["authorize B"] } },
      { atMs: 5100, event: accepted("B"), expect: { effects: ["status 2 Preparing"] } },
      { atMs: 6000, event: plug(2), expect: { some: ["started 2 B"] } },
    ],
  },
  {
    name: "a card accepted while a vehicle waits on point 2 starts there",
    config: TWO_POINTS,
    steps: [
      { atMs: 1000, event: plug(2) },
      { atMs: 2000, event: accepted("A"), expect: { some: ["started 2 A"], session: { 1: null } } },
    ],
  },
  {
    name: "a card of the same group (parentIdTag) stops the running session, reason Local",
    steps: [
      { atMs: 1000, event: plug(1) },
      {
        atMs: 1100,
        event: accepted("A", { parentIdTag: "FLEET" }),
        expect: { some: ["started 1 A"] },
      },
      { atMs: 5000, event: card("B"), expect: { effects: ["authorize B"] } },
      {
        atMs: 5100,
        event: accepted("B", { parentIdTag: "fleet" }),
        expect: { some: ["stopped 1 Local 0Wh by B"], session: { 1: null } },
      },
    ],
  },
  {
    name: "a card of another group does not stop the running session",
    steps: [
      { atMs: 1000, event: plug(1) },
      { atMs: 1100, event: accepted("A", { parentIdTag: "FLEET" }) },
      { atMs: 5000, event: accepted("B", { parentIdTag: "OTHER" }), expect: { none: ["stopped"] } },
      { atMs: 5100, event: accepted("C"), expect: { none: ["stopped"] } },
    ],
  },
  {
    name: "a group card starts on a free plugged point rather than stopping the group's session",
    config: TWO_POINTS,
    steps: [
      { atMs: 1000, event: plug(1) },
      { atMs: 1100, event: accepted("A", { parentIdTag: "FLEET" }) },
      { atMs: 2000, event: plug(2) },
      {
        atMs: 2100,
        event: accepted("B", { parentIdTag: "FLEET" }),
        expect: { some: ["started 2 B"], none: ["stopped"] },
      },
    ],
  },
];

for (const scenario of AUTHORIZATION) {
  Deno.test(`step(): ${scenario.name}`, () => {
    runScenario(scenario);
  });
}
