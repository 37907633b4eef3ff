/**
 * The MQTT API (B-6) of the real program against a real Mosquitto, watched and driven by
 * Mosquitto's own clients (`mosquitto_sub`, `mosquitto_pub`), not by the library the station
 * uses: availability with a last will, retained telemetry, Home Assistant discovery checked
 * against the keys HA's MQTT platforms accept, control with validation and answers, and the
 * removal of everything when the API is switched off.
 * @module
 */
import assert from "node:assert/strict";
import { startMosquitto } from "./helpers/mosquitto.ts";
import { seedSettings } from "./helpers/seed.ts";
import { startStation, type StationProcess } from "./helpers/station_process.ts";

// deno-lint-ignore no-explicit-any
type Json = any;
const PREFIX = "ladewerk/24110001";
const NODE = "ladewerk_24110001";

/** One message as `mosquitto_sub` printed it. */
interface Message {
  retained: boolean;
  topic: string;
  payload: string;
  atMs: number;
}

/** `mosquitto_sub -t '#'` as Home Assistant would subscribe: every message, in order. */
class Subscriber implements AsyncDisposable {
  messages: Message[] = [];
  #child: Deno.ChildProcess;

  constructor(port: number, topics: string[]) {
    this.#child = new Deno.Command("mosquitto_sub", {
      args: [
        "-h",
        "127.0.0.1",
        "-p",
        String(port),
        "-i",
        `ha-test-${crypto.randomUUID().slice(0, 8)}`,
        "-F",
        "%r\t%t\t%p",
        "--quiet",
        ...topics.flatMap((t) => ["-t", t]),
      ],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const stdout = this.#child.stdout;
    void (async () => {
      let rest = "";
      for await (const chunk of stdout.pipeThrough(new TextDecoderStream())) {
        rest = this.#take(rest + chunk);
      }
    })();
  }

  /** Parses whole records `flag \t topic \t payload \n`. */
  #take(text: string): string {
    const lines = text.split("\n");
    const rest = lines.pop() ?? "";
    for (const line of lines) {
      const [flag, topic, ...payload] = line.split("\t");
      if (topic === undefined) continue;
      this.messages.push({
        retained: flag === "1",
        topic,
        payload: payload.join("\t"),
        atMs: Date.now(),
      });
    }
    return rest;
  }

  /** Waits for a message after index `from` matching `match`. */
  async next(match: (m: Message) => boolean, what: string, from = 0, timeoutMs = 10_000) {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const found = this.messages.slice(from).find(match);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(
      `No MQTT message: ${what}; seen:\n${
        this.messages.slice(-20).map((m) => `${m.topic} ${m.payload.slice(0, 120)}`).join("\n")
      }`,
    );
  }

  /** The latest payload of `topic`, parsed. */
  latest(topic: string): Json {
    const m = this.messages.findLast((x) => x.topic === topic);
    return m && m.payload !== "" ? JSON.parse(m.payload) : undefined;
  }

  async [Symbol.asyncDispose]() {
    try {
      this.#child.kill("SIGTERM");
    } catch { /* gone */ }
    await this.#child.status;
  }
}

async function publish(port: number, topic: string, payload: string) {
  const out = await new Deno.Command("mosquitto_pub", {
    args: ["-h", "127.0.0.1", "-p", String(port), "-t", topic, "-m", payload, "-q", "1"],
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
}

/** Sends a command and returns its answer on the result topic. */
async function command(
  sub: Subscriber,
  port: number,
  what: string,
  payload: string,
): Promise<Json> {
  const from = sub.messages.length;
  const topic = `${PREFIX}/cp/1/set/${what}`;
  await publish(port, topic, payload);
  const m = await sub.next((x) => x.topic === `${PREFIX}/result`, `result of ${what}`, from);
  const r = JSON.parse(m.payload);
  assert.equal(r.topic, topic);
  return r;
}

/** The keys HA's MQTT platforms accept (its discovery schema), per component. */
const COMMON = [
  "name",
  "unique_id",
  "object_id",
  "availability_topic",
  "payload_available",
  "payload_not_available",
  "device",
  "icon",
];
const ACCEPTED: Record<string, string[]> = {
  sensor: [
    ...COMMON,
    "state_topic",
    "value_template",
    "device_class",
    "state_class",
    "unit_of_measurement",
    "json_attributes_topic",
    "json_attributes_template",
  ],
  number: [
    ...COMMON,
    "state_topic",
    "value_template",
    "command_topic",
    "min",
    "max",
    "step",
    "mode",
    "device_class",
    "unit_of_measurement",
  ],
  button: [...COMMON, "command_topic", "payload_press"],
};
const REQUIRED: Record<string, string[]> = {
  sensor: ["state_topic"],
  number: ["command_topic"],
  button: ["command_topic"],
};

function checkDiscovery(m: Message): Json {
  const match = new RegExp(`^homeassistant/(sensor|number|button)/${NODE}/(\\w+)/config$`)
    .exec(m.topic);
  assert.ok(match, `discovery topic ${m.topic}`);
  const component = match[1]!;
  const config = JSON.parse(m.payload);
  for (const key of Object.keys(config)) {
    assert.ok(ACCEPTED[component]!.includes(key), `${m.topic}: ${key} is no ${component} key`);
  }
  for (const key of REQUIRED[component]!) assert.ok(config[key], `${m.topic} lacks ${key}`);
  assert.equal(config.unique_id, `${NODE}_${match[2]}`);
  assert.equal(config.availability_topic, `${PREFIX}/status`);
  assert.deepEqual(config.device.identifiers, [NODE]);
  return config;
}

/** Logs in as the installer; the headers of a state change. */
async function loginHeaders(st: StationProcess): Promise<Record<string, string>> {
  const res = await st.api<Json>("/api/login", {
    json: { user: "admin", password: "24110001" },
  });
  assert.equal(res.status, 200);
  return {
    cookie: (res.headers.get("set-cookie") ?? "").split(";")[0]!,
    "x-csrf-token": res.body.csrfToken,
  };
}

Deno.test("MQTT API: availability, telemetry and Home Assistant discovery at a real Mosquitto; control validated and answered; switched off, all removed", async () => {
  await using broker = await startMosquitto();
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-mqtt-" });
  await using _dir = { [Symbol.asyncDispose]: () => Deno.remove(dataDir, { recursive: true }) };
  await seedSettings(dataDir, {
    "mqtt.enabled": true,
    "mqtt.broker": broker.url,
    "mqtt.control": true,
    "mqtt.startIdTag": "MASTERKEY",
    "mqtt.periodS": 5,
  });
  await using sub = new Subscriber(broker.port, [`${PREFIX}/#`, "homeassistant/#"]);
  await using st = await startStation({ dataDir });

  // Online, retained state and discovery, as HA sees them on subscribing.
  await sub.next((m) => m.topic === `${PREFIX}/status` && m.payload === "online", "online");
  const energy = await sub.next(
    (m) => m.topic === `homeassistant/sensor/${NODE}/cp1_energy/config`,
    "the energy sensor",
  );
  const energyConfig = checkDiscovery(energy);
  assert.equal(energyConfig.state_class, "total_increasing");
  assert.equal(energyConfig.device_class, "energy");
  assert.equal(energyConfig.unit_of_measurement, "Wh");
  assert.equal(energyConfig.state_topic, `${PREFIX}/cp/1/state`);
  await sub.next((m) => m.topic.endsWith(`/cp2_start/config`), "the last discovery message");
  const configs = sub.messages.filter((m) => m.topic.startsWith("homeassistant/"));
  for (const m of configs) checkDiscovery(m);
  const objects = configs.map((m) => m.topic.split("/")[3]).toSorted();
  for (const p of ["cp1", "cp2"]) {
    for (
      const o of [
        "status",
        "power",
        "energy",
        "session_energy",
        "offered",
        "current_l1",
        "current_l2",
        "current_l3",
        "limit",
        "stop",
        "start",
      ]
    ) assert.ok(objects.includes(`${p}_${o}`), `${p}_${o} discovered`);
  }
  // A subscriber that comes later (Home Assistant after a restart) gets all of it, retained.
  {
    await using late = new Subscriber(broker.port, ["homeassistant/#", `${PREFIX}/#`]);
    await late.next((m) => m.topic.endsWith("/cp2_start/config"), "late discovery");
    await late.next((m) => m.topic === `${PREFIX}/cp/2/state`, "late state");
    const retained = late.messages.filter((m) => m.retained).map((m) => m.topic);
    for (const m of configs) assert.ok(retained.includes(m.topic), `${m.topic} retained`);
    assert.ok(retained.includes(`${PREFIX}/status`) && retained.includes(`${PREFIX}/station`));
  }
  const limitConfig = JSON.parse(
    configs.find((m) => m.topic.endsWith("/cp1_limit/config"))!.payload,
  );
  assert.equal(limitConfig.command_topic, `${PREFIX}/cp/1/set/limit`);
  assert.equal(limitConfig.max, 32);
  const state0 = sub.latest(`${PREFIX}/cp/1/state`);
  assert.equal(state0.status, "Available");
  assert.equal(state0.session, null);

  // A session: the state follows within a second, with the session's id tag and energy.
  let from = sub.messages.length;
  const t0 = Date.now();
  await st.api("/api/sim/connectors/1/plug", { json: {} });
  const preparing = await sub.next(
    (m) => m.topic === `${PREFIX}/cp/1/state` && JSON.parse(m.payload).status === "Preparing",
    "Preparing",
    from,
  );
  assert.ok(preparing.atMs - t0 < 1000, `state change published after ${preparing.atMs - t0} ms`);

  // Control: the start button's payload, validated limits, stop.
  assert.deepEqual(await command(sub, broker.port, "start", '{"idTag":"MASTERKEY","id":"a1"}'), {
    topic: `${PREFIX}/cp/1/set/start`,
    id: "a1",
    ok: true,
    started: true,
  });
  await sub.next(
    (m) =>
      m.topic === `${PREFIX}/cp/1/state` && JSON.parse(m.payload).session?.idTag === "MASTERKEY",
    "the session in the state",
    from,
  );
  const busy = await command(sub, broker.port, "start", '{"idTag":"MASTERKEY"}');
  assert.equal(busy.code, "busy");
  const limited = await command(sub, broker.port, "limit", "10");
  assert.deepEqual(limited, { topic: `${PREFIX}/cp/1/set/limit`, ok: true, limitA: 10 });
  const status = await st.waitFor((s: Json) => s.connectors[0].limitsMa.mqtt === 10_000);
  assert.ok(status.connectors[0].offeredMa <= 10_000);
  from = sub.messages.length;
  await sub.next(
    (m) => m.topic === `${PREFIX}/cp/1/state` && JSON.parse(m.payload).limitA === 10,
    "limitA 10 in the state",
    from - 5,
  );
  for (
    const [payload, code, reason] of [
      ["ten", "bad_json", /not JSON/],
      ["3", "out_of_range", /6\.\.32/],
      ["40", "out_of_range", /6\.\.32/],
      ['{"currentA":"x"}', "invalid", /./],
      ['{"currentA":10,"extra":1}', "invalid", /./],
    ] as const
  ) {
    const r = await command(sub, broker.port, "limit", payload);
    assert.equal(r.ok, false, payload);
    assert.equal(r.code, code, payload);
    assert.match(r.reason, reason);
  }
  const after = await st.api<Json>("/api/status");
  assert.equal(after.body.connectors[0].limitsMa.mqtt, 10_000, "refused commands change nothing");
  const removed = await command(sub, broker.port, "limit", '{"currentA":null}');
  assert.equal(removed.ok, true);
  await st.waitFor((s: Json) => s.connectors[0].limitsMa.mqtt === undefined);
  const stopped = await command(sub, broker.port, "stop", "");
  assert.equal(stopped.ok, true);
  await st.waitFor((s: Json) => s.connectors[0].session === null);
  const none = await command(sub, broker.port, "stop", "{}");
  assert.equal(none.code, "no_session");

  // Without control the commands are refused and the number and buttons disappear.
  from = sub.messages.length;
  const login = await loginHeaders(st);
  const put = await st.api("/api/settings", {
    method: "PUT",
    json: { values: { "mqtt.control": false } },
    headers: login,
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  await sub.next(
    (m) => m.topic === `homeassistant/number/${NODE}/cp1_limit/config` && m.payload === "",
    "the limit number removed",
    from,
  );
  const refused = await command(sub, broker.port, "limit", "16");
  assert.equal(refused.code, "control_disabled");

  // Switched off: discovery and states removed, offline said.
  from = sub.messages.length;
  const off = await st.api("/api/settings", {
    method: "PUT",
    json: { values: { "mqtt.enabled": false } },
    headers: login,
  });
  assert.equal(off.status, 200);
  await sub.next(
    (m) => m.topic === `${PREFIX}/status` && m.payload === "offline",
    "offline when switched off",
    from,
  );
  const cleared = new Set(
    sub.messages.slice(from).filter((m) => m.payload === "").map((m) => m.topic),
  );
  for (const m of configs) assert.ok(cleared.has(m.topic), `${m.topic} removed`);
  assert.ok(cleared.has(`${PREFIX}/cp/1/state`), "the state removed");

  // Nothing of the device is retained at the broker any more but "offline".
  await using fresh = new Subscriber(broker.port, [`${PREFIX}/#`, "homeassistant/#"]);
  await new Promise((r) => setTimeout(r, 700));
  assert.deepEqual(fresh.messages.map((m) => [m.topic, m.payload]), [[
    `${PREFIX}/status`,
    "offline",
  ]]);
});

Deno.test("MQTT API: a killed station is offline by its last will; it comes back online", async () => {
  await using broker = await startMosquitto();
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-mqtt-" });
  await using _dir = { [Symbol.asyncDispose]: () => Deno.remove(dataDir, { recursive: true }) };
  await seedSettings(dataDir, { "mqtt.enabled": true, "mqtt.broker": broker.url });
  await using sub = new Subscriber(broker.port, [`${PREFIX}/status`, "homeassistant/#"]);
  await using st = await startStation({ dataDir });
  await sub.next((m) => m.payload === "online", "online");
  assert.ok(
    !sub.messages.some((m) => /\/(number|button)\//.test(m.topic) && m.payload !== ""),
    "no control entities without mqtt.control",
  );
  const from = sub.messages.length;
  st.kill("SIGKILL");
  await st.exited;
  await sub.next((m) => m.payload === "offline", "offline by the last will", from, 15_000);
  await using again = await startStation({ dataDir });
  await sub.next((m) => m.payload === "online", "online again", from);
  assert.ok(again.pid);
});
