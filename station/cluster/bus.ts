/**
 * One MQTT connection of the cluster (the `mqtt` package): connects with a last will, user and
 * password where set and a CA for `mqtts://`, reconnects by itself, and hands messages to the
 * handlers of the topic filters subscribed, with the broker's retained flag.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import mqtt from "mqtt";

const clusterLog = getLogger(["ladewerk", "cluster"]);

/** How to reach the broker. */
export interface BusOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  caPem?: string;
  /** Published by the broker when the connection is lost. */
  will?: { topic: string; payload: string; retain: boolean };
  /** @default 2000 */
  reconnectMs?: number;
  /** What the log calls this connection. @default "Cluster broker" */
  name?: string;
  /** Keep-alive interval in seconds (the last will fires after 1.5 times this). @default 5 */
  keepaliveS?: number;
}

/** A received message. */
export type Handler = (topic: string, payload: Uint8Array, retained: boolean) => void;

/** Whether an MQTT topic matches a filter with `+` and `#`. */
export function matches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length) return false;
    if (f[i] !== "+" && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** The connection. */
export class Bus implements AsyncDisposable {
  #client: mqtt.MqttClient;
  #handlers: [string, Handler][] = [];
  #connected = false;
  #onConnect: (() => void)[] = [];
  readonly url: string;

  constructor(options: BusOptions) {
    this.url = options.url;
    const name = options.name ?? "Cluster broker";
    const log = options.name ? getLogger(["ladewerk", "mqtt"]) : clusterLog;
    this.#client = mqtt.connect(options.url, {
      clientId: options.clientId,
      clean: true,
      reconnectPeriod: options.reconnectMs ?? 2_000,
      connectTimeout: 5_000,
      keepalive: options.keepaliveS ?? 5,
      ...(options.username ? { username: options.username } : {}),
      ...(options.password ? { password: options.password } : {}),
      ...(options.caPem ? { ca: options.caPem } : {}),
      ...(options.will ? { will: { ...options.will, qos: 1 as const } } : {}),
    });
    this.#client.on("connect", () => {
      const first = !this.#connected;
      this.#connected = true;
      if (first) log.info(`${name} ${options.url} connected as ${options.clientId}`);
      // A clean session forgets the subscriptions: they are made again.
      for (const [filter] of this.#handlers) this.#client.subscribe(filter, { qos: 1 });
      for (const fn of this.#onConnect) fn();
    });
    this.#client.on("close", () => {
      if (this.#connected) log.warn(`${name} ${options.url} lost`);
      this.#connected = false;
    });
    this.#client.on("error", (e) => log.warn(`${name} ${options.url}: ${e.message}`));
    this.#client.on("message", (topic, payload, packet) => {
      for (const [filter, handler] of this.#handlers) {
        if (!matches(filter, topic)) continue;
        try {
          handler(topic, payload, packet.retain);
        } catch (e) {
          log.error(`${name}: message on ${topic} failed: ${e}`);
        }
      }
    });
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Runs `fn` on every (re)connection. */
  onConnect(fn: () => void): void {
    this.#onConnect.push(fn);
    if (this.#connected) fn();
  }

  subscribe(filter: string, handler: Handler): void {
    this.#handlers.push([filter, handler]);
    if (this.#connected) this.#client.subscribe(filter, { qos: 1 });
  }

  /** Publishes JSON; dropped while disconnected (every message is sent again periodically). */
  publish(topic: string, message: unknown, retain = false): void {
    if (!this.#connected) return;
    this.#client.publish(topic, JSON.stringify(message), { qos: 1, retain });
  }

  /** Publishes text as it is (an availability word, a number); dropped while disconnected. */
  publishText(topic: string, text: string, retain = false): void {
    if (!this.#connected) return;
    this.#client.publish(topic, text, { qos: 1, retain });
  }

  /** Publishes text and resolves once the broker has it (QoS 1); rejects while disconnected. */
  async publishTextAsync(topic: string, text: string, retain = false): Promise<void> {
    if (!this.#connected) throw new Error(`Cannot publish ${topic}: not connected`);
    await this.#client.publishAsync(topic, text, { qos: 1, retain });
  }

  /** Removes the retained message of `topic` at the broker (an empty retained message). */
  clearRetained(topic: string): void {
    if (!this.#connected) return;
    this.#client.publish(topic, "", { qos: 1, retain: true });
  }

  /** Cuts the connection without the last will; for tests that need the broker to fire it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#client.endAsync(true).catch(() => {});
    this.#connected = false;
  }
}
