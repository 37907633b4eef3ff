/**
 * The MQTT API's topics and payloads (B-6), pure: what the station publishes from its status
 * snapshot, what it accepts on its command topics (zod), and the Home Assistant discovery
 * messages (HA's MQTT discovery schema: `<discovery prefix>/<component>/<node id>/<object
 * id>/config`, one device per station, availability from the station's last will).
 * @module
 */
import * as z from "zod";

/** The station's availability topic payloads. */
export const ONLINE = "online";
export const OFFLINE = "offline";

/** The topic prefix: the setting, or `ladewerk/<serial>`. */
export function prefixOf(setting: string, serial: string): string {
  return setting || `ladewerk/${serial}`;
}

/** The topics under a prefix. */
export function topicsOf(prefix: string) {
  return {
    availability: `${prefix}/status`,
    station: `${prefix}/station`,
    point: (id: number) => `${prefix}/cp/${id}/state`,
    command: (id: number, what: "limit" | "start" | "stop") => `${prefix}/cp/${id}/set/${what}`,
    commands: `${prefix}/cp/+/set/+`,
    result: `${prefix}/result`,
  };
}

// deno-lint-ignore no-explicit-any
type Json = any;

/** The state of a charge point as published (retained), from its status snapshot. */
export function pointState(cp: Json) {
  const amps = (ma: number | undefined) => ma === undefined ? null : ma / 1000;
  const limits = cp.limitsMa as Record<string, number>;
  return {
    status: cp.status as string,
    errorCode: cp.errorCode as string,
    vendorErrorCode: cp.vendorErrorCode as string | null,
    offeredA: cp.offeredA as number,
    currentsA: cp.currentsA as number[],
    voltagesV: cp.voltagesV as number[],
    powerW: cp.powerW as number,
    energyWh: cp.energyWh as number,
    /** The limit set over MQTT, null without one. */
    limitA: amps(limits.mqtt),
    /** Every limit in force, by source (ocpp, modbus, mqtt, cluster), in A. */
    limitsA: Object.fromEntries(Object.entries(limits).map(([k, v]) => [k, v / 1000])),
    session: cp.session
      ? {
        idTag: cp.session.idTag as string,
        startedAt: cp.session.startedAt as string,
        energyWh: cp.session.energyWh as number,
      }
      : null,
  };
}

/** The station's state as published (retained). */
export function stationState(s: Json) {
  return {
    status: s.station.status as string,
    errorCode: s.station.errorCode as string,
    faults: s.station.faults as string[],
    ocpp: s.ocpp ? { connected: s.ocpp.connected, registration: s.ocpp.registration } : null,
    firmwareVersion: s.firmwareVersion as string,
  };
}

/** A limit command: amperes as a number, or `{ currentA, id? }`; null or "" removes it. */
export const LimitCommand = z.union([
  z.number(),
  z.null(),
  z.strictObject({ currentA: z.number().nullable(), id: z.string().max(64).optional() }),
]);
/** A start command: `{ idTag, id? }`. */
export const StartCommand = z.strictObject({
  idTag: z.string().min(1).max(20),
  id: z.string().max(64).optional(),
});
/** A stop command: empty, or `{ id? }`. */
export const StopCommand = z.union([
  z.null(),
  z.strictObject({ id: z.string().max(64).optional() }),
]);

/** The JSON of a command payload; the empty payload is null, a bare number is a number. */
export function parsePayload(payload: Uint8Array): unknown {
  const text = new TextDecoder().decode(payload).trim();
  if (text === "") return null;
  return JSON.parse(text);
}

/** What discovery needs to know of the station. */
export interface DiscoveryInput {
  serial: string;
  vendor: string;
  model: string;
  firmwareVersion: string;
  prefix: string;
  discoveryPrefix: string;
  points: { id: number; maxA: number }[];
  control: boolean;
  startIdTag: string;
}

/** One discovery message: its topic and its JSON payload (retained). */
export interface DiscoveryMessage {
  topic: string;
  payload: Record<string, unknown>;
}

/** Every discovery topic this station may have published (to remove them all). */
export function discoveryTopics(input: DiscoveryInput): string[] {
  return discovery({ ...input, control: true, startIdTag: "x" }).map((m) => m.topic);
}

/** The discovery messages: sensors per charge point, and with control a number and buttons. */
export function discovery(input: DiscoveryInput): DiscoveryMessage[] {
  const t = topicsOf(input.prefix);
  const node = `ladewerk_${input.serial}`;
  const device = {
    identifiers: [node],
    name: `${input.vendor} ${input.serial}`,
    manufacturer: input.vendor,
    model: input.model,
    serial_number: input.serial,
    sw_version: input.firmwareVersion,
  };
  const common = {
    availability_topic: t.availability,
    payload_available: ONLINE,
    payload_not_available: OFFLINE,
    device,
  };
  const out: DiscoveryMessage[] = [];
  const add = (component: string, object: string, payload: Record<string, unknown>) =>
    out.push({
      topic: `${input.discoveryPrefix}/${component}/${node}/${object}/config`,
      payload: {
        ...payload,
        unique_id: `${node}_${object}`,
        object_id: `${node}_${object}`,
        ...common,
      },
    });
  add("sensor", "station_status", {
    name: "Station status",
    state_topic: t.station,
    value_template: "{{ value_json.status }}",
    icon: "mdi:ev-station",
  });
  for (const p of input.points) {
    const state = t.point(p.id);
    const cp = `cp${p.id}`;
    const label = `Charge point ${p.id}`;
    add("sensor", `${cp}_status`, {
      name: `${label} status`,
      state_topic: state,
      value_template: "{{ value_json.status }}",
      json_attributes_topic: state,
      json_attributes_template: "{{ {'errorCode': value_json.errorCode, " +
        "'session': value_json.session} | tojson }}",
      icon: "mdi:ev-plug-type2",
    });
    add("sensor", `${cp}_power`, {
      name: `${label} power`,
      state_topic: state,
      value_template: "{{ value_json.powerW }}",
      device_class: "power",
      state_class: "measurement",
      unit_of_measurement: "W",
    });
    add("sensor", `${cp}_energy`, {
      name: `${label} energy`,
      state_topic: state,
      value_template: "{{ value_json.energyWh }}",
      device_class: "energy",
      state_class: "total_increasing",
      unit_of_measurement: "Wh",
    });
    add("sensor", `${cp}_session_energy`, {
      name: `${label} session energy`,
      state_topic: state,
      value_template: "{{ value_json.session.energyWh if value_json.session else 0 }}",
      device_class: "energy",
      state_class: "total",
      unit_of_measurement: "Wh",
    });
    add("sensor", `${cp}_offered`, {
      name: `${label} offered current`,
      state_topic: state,
      value_template: "{{ value_json.offeredA }}",
      device_class: "current",
      state_class: "measurement",
      unit_of_measurement: "A",
    });
    for (const [i, phase] of ["L1", "L2", "L3"].entries()) {
      add("sensor", `${cp}_current_${phase.toLowerCase()}`, {
        name: `${label} current ${phase}`,
        state_topic: state,
        value_template: `{{ value_json.currentsA[${i}] | default(0) }}`,
        device_class: "current",
        state_class: "measurement",
        unit_of_measurement: "A",
      });
    }
    if (!input.control) continue;
    add("number", `${cp}_limit`, {
      name: `${label} current limit`,
      state_topic: state,
      value_template: "{{ value_json.limitA if value_json.limitA is not none else " +
        `${p.maxA} }}`,
      command_topic: t.command(p.id, "limit"),
      min: 0,
      max: p.maxA,
      step: 1,
      mode: "box",
      device_class: "current",
      unit_of_measurement: "A",
    });
    add("button", `${cp}_stop`, {
      name: `${label} stop charging`,
      command_topic: t.command(p.id, "stop"),
      payload_press: "{}",
      icon: "mdi:stop",
    });
    if (input.startIdTag) {
      add("button", `${cp}_start`, {
        name: `${label} start charging`,
        command_topic: t.command(p.id, "start"),
        payload_press: JSON.stringify({ idTag: input.startIdTag }),
        icon: "mdi:play",
      });
    }
  }
  return out;
}
