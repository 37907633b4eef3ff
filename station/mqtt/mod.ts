/**
 * The MQTT API (B-6), off by default. Telemetry: the station's and each charge point's state
 * as retained JSON, on change (at most every `MIN_GAP_MS` per topic) and every `mqtt.periodS`;
 * availability with a last will. Control (only with `mqtt.control`): a current limit per point
 * (the `mqtt` input of the limit chain, with its own fallback timer), start with an id tag that
 * passes the station's own authorization, stop; each answered on the result topic. Home
 * Assistant discovery while on, removed when switched off. Follows its settings live; the MQTT
 * stack loads only when the API is on.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Bus } from "../cluster/bus.ts";
import { type Family, KeyedCounter, single } from "../metrics.ts";
import { pointMaxMa } from "../modbus/register_def.ts";
import type { Station } from "../runtime.ts";
import type { SettingsChange } from "../settings/mod.ts";
import { type StationInfo, statusSnapshot } from "../snapshot.ts";
import {
  discovery,
  type DiscoveryInput,
  discoveryTopics,
  LimitCommand,
  OFFLINE,
  ONLINE,
  parsePayload,
  pointState,
  prefixOf,
  StartCommand,
  stationState,
  StopCommand,
  topicsOf,
} from "./topics.ts";

const log = getLogger(["ladewerk", "mqtt"]);

/** Least time between two messages of one state topic. */
export const MIN_GAP_MS = 250;
/** How often the states are compared with what was published. */
const TICK_MS = 1_000;

const CONNECTION_KEYS = [
  "mqtt.enabled",
  "mqtt.broker",
  "mqtt.username",
  "mqtt.password",
  "mqtt.caCertificatePem",
  "mqtt.topicPrefix",
];

/** What `GET /api/status` shows of the MQTT API. */
export interface MqttApiStatus {
  enabled: boolean;
  broker: string;
  connected: boolean;
  prefix: string;
  control: boolean;
  discovery: boolean;
  published: number;
  commands: number;
  lastError: string | null;
}

/** The running API. */
export interface MqttApi extends AsyncDisposable {
  status(): MqttApiStatus;
  metrics(): Family[];
  /** Resolves once the settings changes so far are applied. */
  settled(): Promise<void>;
}

/** A command's answer on the result topic. */
interface Result {
  topic: string;
  id?: string;
  ok: boolean;
  code?: string;
  reason?: string;
  [key: string]: unknown;
}

/** Starts the API; it follows the settings until disposed. */
export function startMqttApi(station: Station, info: StationInfo): MqttApi {
  const get = <T>(key: string) => station.settings.get(key as never) as T;
  let bus: Bus | undefined;
  let prefix = "";
  let published: DiscoveryInput | undefined;
  let tick: ReturnType<typeof setInterval> | undefined;
  let trailing: ReturnType<typeof setTimeout> | undefined;
  const limitTimers = new Map<number, ReturnType<typeof setTimeout>>();
  const last = new Map<string, { text: string; atMs: number }>();
  let lastFullMs = 0;
  let lastError: string | null = null;
  let chain = Promise.resolve();
  let disposed = false;
  const counts = { published: new KeyedCounter(8), commands: new KeyedCounter(32) };

  const snapshot = () =>
    statusSnapshot(station, info) as ReturnType<typeof statusSnapshot> & {
      ocpp?: unknown;
    };
  const discoveryInput = (): DiscoveryInput => ({
    serial: info.serial,
    vendor: info.vendor,
    model: info.model,
    firmwareVersion: info.firmwareVersion,
    prefix,
    discoveryPrefix: get<string>("mqtt.discoveryPrefix"),
    points: station.state.connectors.map((c) => ({
      id: c.id,
      maxA: Math.floor(pointMaxMa(station, c.id) / 1000),
    })),
    control: get<boolean>("mqtt.control"),
    startIdTag: get<string>("mqtt.startIdTag"),
  });

  /** Publishes the states that changed (or all, every period). */
  const publishStates = (force = false) => {
    const b = bus;
    if (!b?.connected) return;
    const now = performance.now();
    const full = force || now - lastFullMs >= get<number>("mqtt.periodS") * 1000;
    if (full) lastFullMs = now;
    const t = topicsOf(prefix);
    const s = { ...snapshot(), ...station.adapterStatus() } as Record<string, unknown> & {
      connectors: unknown[];
    };
    const states: [string, unknown][] = [
      [t.station, stationState(s)],
      ...s.connectors.map((cp) =>
        [t.point((cp as { id: number }).id), pointState(cp)] as [
          string,
          unknown,
        ]
      ),
    ];
    for (const [topic, value] of states) {
      const text = JSON.stringify(value);
      const before = last.get(topic);
      if (!full && before?.text === text) continue;
      if (!full && before && now - before.atMs < MIN_GAP_MS) {
        // Too soon after the last message of this topic: sent once the gap has passed.
        trailing ??= setTimeout(() => {
          trailing = undefined;
          publishStates();
        }, before.atMs + MIN_GAP_MS - now);
        continue;
      }
      last.set(topic, { text, atMs: now });
      b.publishText(topic, text, true);
      counts.published.inc("state");
    }
  };

  const answer = (r: Result) => {
    counts.commands.inc(`${r.ok ? "ok" : r.code ?? "error"}`);
    if (r.ok) {
      const what = /\/cp\/(\d+)\/set\/(\w+)$/.exec(r.topic);
      void station.audit([{
        actor: "mqtt",
        action: what?.[2] === "limit" ? "limit" : what?.[2] ?? "command",
        target: what ? `charge point ${what[1]}` : r.topic,
        newValue: "limitA" in r ? String(r.limitA) : null,
      }]);
    }
    bus?.publish(topicsOf(prefix).result, r);
  };

  const clearLimitTimer = (id: number) => {
    clearTimeout(limitTimers.get(id));
    limitTimers.delete(id);
  };

  const setLimit = async (id: number, limitMa: number | undefined) => {
    clearLimitTimer(id);
    await station.dispatch({ type: "limit", source: "mqtt", connectorId: id, limitMa });
    const timeoutS = get<number>("mqtt.limitTimeoutS");
    if (limitMa === undefined || timeoutS === 0) return;
    limitTimers.set(
      id,
      setTimeout(() => {
        limitTimers.delete(id);
        const fallbackMa = get<number>("mqtt.fallbackCurrentA") * 1000;
        log.warn(
          `MQTT limit of charge point ${id} not renewed for ${timeoutS} s: ${fallbackMa} mA`,
        );
        void station.dispatch({
          type: "limit",
          source: "mqtt",
          connectorId: id,
          limitMa: fallbackMa,
        })
          .then(() => publishStates());
      }, timeoutS * 1000),
    );
  };

  /** A command on `<prefix>/cp/<id>/set/<what>`. */
  const command = async (topic: string, payload: Uint8Array) => {
    const m = /\/cp\/(\d+)\/set\/(limit|start|stop)$/.exec(topic);
    const base = { topic } as Result;
    if (!m) {
      return answer({ ...base, ok: false, code: "unknown_command", reason: "Unknown command" });
    }
    const id = Number(m[1]);
    const what = m[2] as "limit" | "start" | "stop";
    let body: unknown;
    try {
      body = parsePayload(payload);
    } catch {
      return answer({ ...base, ok: false, code: "bad_json", reason: "The payload is not JSON" });
    }
    const requestId = (body as { id?: unknown } | null)?.id;
    if (typeof requestId === "string") base.id = requestId.slice(0, 64);
    if (!get<boolean>("mqtt.control")) {
      return answer({
        ...base,
        ok: false,
        code: "control_disabled",
        reason: "Control over MQTT is off (setting mqtt.control)",
      });
    }
    const cp = station.state.connectors.find((c) => c.id === id);
    if (!cp) {
      return answer({
        ...base,
        ok: false,
        code: "unknown_connector",
        reason: `No charge point ${id}`,
      });
    }
    const schema = what === "limit" ? LimitCommand : what === "start" ? StartCommand : StopCommand;
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return answer({
        ...base,
        ok: false,
        code: "invalid",
        field: issue?.path.join(".") ?? "",
        reason: issue?.message ?? "Invalid payload",
      });
    }
    if (what === "limit") {
      const v = parsed.data as number | null | { currentA: number | null };
      const amps = typeof v === "number" || v === null ? v : v.currentA;
      const maxA = pointMaxMa(station, id) / 1000;
      if (
        amps !== null &&
        (!Number.isFinite(amps) || amps < 0 || amps > maxA || (amps > 0 && amps < 6))
      ) {
        return answer({
          ...base,
          ok: false,
          code: "out_of_range",
          field: "currentA",
          reason: `Must be 0 (pause) or 6..${maxA} A, or null to remove the limit`,
        });
      }
      await setLimit(id, amps === null ? undefined : Math.round(amps * 1000));
      publishStates(true);
      return answer({ ...base, ok: true, limitA: amps });
    }
    if (what === "stop") {
      if (!cp.session) {
        return answer({ ...base, ok: false, code: "no_session", reason: "No session runs there" });
      }
      await station.dispatch({ type: "remoteStop", connectorId: id, reason: "Remote" });
      await station.settled();
      return answer({ ...base, ok: !station.state.connectors[id - 1]?.session });
    }
    const { idTag } = parsed.data as { idTag: string };
    if (cp.session) {
      return answer({ ...base, ok: false, code: "busy", reason: "A session runs there already" });
    }
    // The station's own rules, as for a card at the reader (the backend, when one is set).
    const auth = await station.authorize(idTag);
    if (auth.status !== "Accepted") {
      return answer({
        ...base,
        ok: false,
        code: "rejected",
        reason: `The id tag was not accepted (${auth.status})`,
      });
    }
    await station.dispatch({
      type: "remoteStart",
      connectorId: id,
      idTag,
      ...(auth.parentIdTag ? { parentIdTag: auth.parentIdTag } : {}),
    });
    await station.settled();
    const started = station.state.connectors[id - 1]?.session?.idTag === idTag;
    return answer({
      ...base,
      ok: true,
      started,
      ...(started ? {} : { reason: "Waiting for a vehicle" }),
    });
  };

  /** `off`: removes what was published; `shutdown`: says offline; `restart`: neither. */
  const stop = async (reason: "off" | "restart" | "shutdown") => {
    clearInterval(tick);
    tick = undefined;
    clearTimeout(trailing);
    trailing = undefined;
    const b = bus;
    bus = undefined;
    if (!b) return;
    if (reason === "off" && b.connected) {
      // Switched off: Home Assistant forgets the device, and nothing stale stays retained.
      const topics = [
        ...(published ? discoveryTopics(published) : []),
        ...[...last.keys()],
      ];
      for (const topic of topics) await b.publishTextAsync(topic, "", true).catch(() => {});
    }
    if (reason !== "restart" && b.connected) {
      // A graceful end sends no last will: the station says it itself.
      await b.publishTextAsync(topicsOf(prefix).availability, OFFLINE, true).catch(() => {});
    }
    published = undefined;
    last.clear();
    await b[Symbol.asyncDispose]();
  };

  const publishDiscovery = () => {
    const b = bus;
    if (!b?.connected) return;
    const input = discoveryInput();
    if (published && get<boolean>("mqtt.discovery")) {
      // Entities that are no longer offered (control switched off) are removed.
      const keep = new Set(discovery(input).map((m) => m.topic));
      for (const topic of discoveryTopics(published)) if (!keep.has(topic)) b.clearRetained(topic);
    }
    if (!get<boolean>("mqtt.discovery")) {
      if (published) { for (const topic of discoveryTopics(published)) b.clearRetained(topic); }
      published = undefined;
      return;
    }
    for (const m of discovery(input)) {
      b.publishText(m.topic, JSON.stringify(m.payload), true);
      counts.published.inc("discovery");
    }
    published = input;
  };

  const start = async () => {
    if (!get<boolean>("mqtt.enabled") || !get<string>("mqtt.broker")) {
      if (get<boolean>("mqtt.enabled")) log.warn("MQTT API enabled without a broker (mqtt.broker)");
      return;
    }
    const { Bus } = await import("../cluster/bus.ts");
    prefix = prefixOf(get<string>("mqtt.topicPrefix"), info.serial);
    const t = topicsOf(prefix);
    const b = new Bus({
      url: get<string>("mqtt.broker"),
      clientId: `ladewerk-${info.serial}-api`,
      name: "MQTT API broker",
      keepaliveS: 5,
      ...(get<string>("mqtt.username") ? { username: get<string>("mqtt.username") } : {}),
      ...(get<string>("mqtt.password") ? { password: get<string>("mqtt.password") } : {}),
      ...(get<string>("mqtt.caCertificatePem")
        ? { caPem: get<string>("mqtt.caCertificatePem") }
        : {}),
      will: { topic: t.availability, payload: OFFLINE, retain: true },
    });
    bus = b;
    b.onConnect(() => {
      lastError = null;
      b.publishText(t.availability, ONLINE, true);
      publishDiscovery();
      publishStates(true);
    });
    b.subscribe(t.commands, (topic, payload, retained) => {
      // A retained command is an old one: never acted on.
      if (retained) return;
      void command(topic, payload).catch((e) => {
        lastError = e instanceof Error ? e.message : String(e);
        log.error(`MQTT command on ${topic} failed: ${lastError}`);
        answer({ topic, ok: false, code: "failed", reason: lastError });
      });
    });
    tick = setInterval(() => publishStates(), TICK_MS);
  };

  const enqueue = (work: () => Promise<void>) => {
    chain = chain.then(work).catch((e) => {
      lastError = e instanceof Error ? e.message : String(e);
      log.error(`MQTT API: ${lastError}`);
    });
    return chain;
  };

  const onSettings = (change: SettingsChange) => {
    if (disposed) return;
    const keys = Object.keys(change.changed);
    if (keys.some((k) => CONNECTION_KEYS.includes(k))) {
      const off = !get<boolean>("mqtt.enabled");
      void enqueue(async () => {
        await stop(off ? "off" : "restart");
        if (!off) await start();
      });
      if (off) {
        for (const c of station.state.connectors) {
          clearLimitTimer(c.id);
          void station.dispatch({
            type: "limit",
            source: "mqtt",
            connectorId: c.id,
            limitMa: undefined,
          });
        }
      }
    } else if (keys.some((k) => k.startsWith("mqtt.") || k === "power.stationMaxCurrentMa")) {
      void enqueue(() => Promise.resolve(publishDiscovery()));
    }
  };
  const unsubscribe = station.settings.onChange(onSettings);
  // Effects (a status change, a session) are published at once, not at the next tick.
  const unlisten = station.subscribe(() => publishStates());
  void enqueue(start);

  return {
    status: () => ({
      enabled: get<boolean>("mqtt.enabled"),
      broker: get<string>("mqtt.broker"),
      connected: bus?.connected ?? false,
      prefix: prefix || prefixOf(get<string>("mqtt.topicPrefix"), info.serial),
      control: get<boolean>("mqtt.control"),
      discovery: get<boolean>("mqtt.discovery"),
      published: counts.published.entries().reduce((s, [, n]) => s + n, 0),
      commands: counts.commands.entries().reduce((s, [, n]) => s + n, 0),
      lastError,
    }),
    metrics: () => [
      single(
        "ladewerk_mqtt_connected",
        "1 while the MQTT API's broker is connected",
        "gauge",
        bus?.connected ? 1 : 0,
      ),
      {
        name: "ladewerk_mqtt_published_total",
        help: "Messages the MQTT API published, by kind (state, discovery)",
        type: "counter",
        samples: counts.published.entries().map(([kind, value]) => ({ labels: { kind }, value })),
      },
      {
        name: "ladewerk_mqtt_commands_total",
        help: "Commands received over MQTT, by outcome (ok or the refusal's code)",
        type: "counter",
        samples: counts.commands.entries().map(([outcome, value]) => ({
          labels: { outcome },
          value,
        })),
      },
    ],
    settled: () => chain,
    async [Symbol.asyncDispose]() {
      disposed = true;
      unsubscribe();
      unlisten();
      for (const id of limitTimers.keys()) clearLimitTimer(id);
      await chain;
      await stop("shutdown");
    },
  };
}
