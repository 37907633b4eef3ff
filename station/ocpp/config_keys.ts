/**
 * OCPP configuration keys over the settings registry: a key changed over OCPP and the same
 * setting changed in the station are one value. Plus the manual's computed keys.
 * @module
 */
import type * as z from "zod";
import type { Station } from "../runtime.ts";
import {
  type SettingDef,
  type SettingKey,
  SETTINGS,
  SETTINGS_BY_OCPP_KEY,
  SettingsError,
} from "../settings/mod.ts";

/** One entry of GetConfiguration.conf. */
export interface KeyValue {
  key: string;
  readonly: boolean;
  value?: string;
}

/** Keys computed from the station's state rather than stored. */
export interface ComputedKey {
  access: "r" | "w";
  read?: () => string;
  write?: (value: string) => Promise<boolean>;
}

const MAX_VALUE = 500;

/** The plain OCPP text of a setting's value. */
export function encodeValue(def: SettingDef, value: unknown): string {
  if (def.ocppCodec) return def.ocppCodec.encode(value as z.infer<typeof def.schema>);
  return typeof value === "string" ? value : String(value);
}

/** The typed value of an OCPP text, by the kind of the setting's default; undefined if unfit. */
export function decodeValue(def: SettingDef, text: string, sample: unknown): unknown {
  if (def.ocppCodec) return def.ocppCodec.decode(text);
  if (typeof sample === "boolean") {
    const t = text.trim().toLowerCase();
    return t === "true" ? true : t === "false" ? false : undefined;
  }
  if (typeof sample === "number") return /^-?\d+$/.test(text.trim()) ? Number(text) : undefined;
  return text;
}

/** The configuration keys of one station. */
export class ConfigKeys {
  #station: Station;
  #computed: Map<string, ComputedKey>;

  constructor(station: Station, computed: Record<string, ComputedKey>) {
    this.#station = station;
    this.#computed = new Map(Object.entries(computed));
  }

  /** Every readable key with its value (GetConfiguration without keys). */
  all(): KeyValue[] {
    const out: KeyValue[] = [];
    for (const key of SETTINGS_BY_OCPP_KEY.keys()) {
      const kv = this.#read(key);
      if (kv) out.push(kv);
    }
    for (const key of this.#computed.keys()) {
      const kv = this.#read(key);
      if (kv) out.push(kv);
    }
    return out;
  }

  /** GetConfiguration.conf for the asked keys (all when none are asked). */
  get(keys?: readonly string[]): { configurationKey: KeyValue[]; unknownKey?: string[] } {
    if (!keys || keys.length === 0) return { configurationKey: this.all() };
    const configurationKey: KeyValue[] = [];
    const unknownKey: string[] = [];
    for (const key of keys) {
      const kv = this.#read(key);
      if (kv) configurationKey.push(kv);
      else unknownKey.push(key);
    }
    return { configurationKey, ...(unknownKey.length ? { unknownKey } : {}) };
  }

  #read(key: string): KeyValue | undefined {
    const computed = this.#computed.get(key);
    if (computed) {
      // Write-only keys are known: listed without a value, like AuthorizationKey.
      if (computed.access === "w" || !computed.read) return { key, readonly: false };
      return { key, readonly: true, value: computed.read().slice(0, MAX_VALUE) };
    }
    const name = SETTINGS_BY_OCPP_KEY.get(key);
    if (!name) return undefined;
    const def = SETTINGS[name] as SettingDef;
    if (def.access === "w") return { key, readonly: false };
    const value = encodeValue(def, this.#station.settings.get(name)).slice(0, MAX_VALUE);
    return { key, readonly: def.access === "r", value };
  }

  /** ChangeConfiguration: Accepted, Rejected, RebootRequired or NotSupported. */
  async change(
    key: string,
    value: string,
  ): Promise<"Accepted" | "Rejected" | "RebootRequired" | "NotSupported"> {
    const computed = this.#computed.get(key);
    if (computed) {
      if (!computed.write) return "Rejected";
      return await computed.write(value) ? "Accepted" : "Rejected";
    }
    const name = SETTINGS_BY_OCPP_KEY.get(key) as SettingKey | undefined;
    if (!name) return "NotSupported";
    const def = SETTINGS[name] as SettingDef;
    if (def.access === "r") return "Rejected";
    const current = this.#station.settings.get(name);
    // A value written back as it was read changes nothing, also where several settings
    // values read alike (Dummy/enabled reads false for both any card and valid card).
    if (def.access === "rw" && value === encodeValue(def, current)) return "Accepted";
    const typed = decodeValue(def, value, current);
    if (typed === undefined) return "Rejected";
    try {
      const change = await this.#station.settings.set({ [name]: typed }, {
        writer: "outside",
        actor: "ocpp",
      });
      return change.restartNeeded ? "RebootRequired" : "Accepted";
    } catch (e) {
      if (e instanceof SettingsError) return "Rejected";
      throw e;
    }
  }
}
