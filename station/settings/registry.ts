/**
 * The one registry of every setting of the station.
 * @module
 */
import type * as z from "zod";
import type { FactoryInfo, SettingDef } from "./define.ts";
import { NETWORK_SETTINGS } from "./registry_network.ts";
import { OCPP_SETTINGS } from "./registry_ocpp.ts";
import { STATION_SETTINGS } from "./registry_station.ts";

/** Every setting, by its key. */
export const SETTINGS = {
  ...STATION_SETTINGS,
  ...OCPP_SETTINGS,
  ...NETWORK_SETTINGS,
} as const;

/** The key of a setting. */
export type SettingKey = keyof typeof SETTINGS;

/** The typed values of all settings. */
export type SettingValues = {
  -readonly [K in SettingKey]: z.infer<(typeof SETTINGS)[K]["schema"]>;
};

/** Looks up a definition by key; undefined for unknown keys. */
export function settingDef(key: string): SettingDef | undefined {
  return Object.hasOwn(SETTINGS, key) ? (SETTINGS as Record<string, SettingDef>)[key] : undefined;
}

/** The factory default of a setting. */
export function defaultOf<K extends SettingKey>(key: K, factory: FactoryInfo): SettingValues[K] {
  const def = SETTINGS[key] as SettingDef;
  return (typeof def.default === "function"
    ? (def.default as (f: FactoryInfo) => unknown)(factory)
    : def.default) as SettingValues[K];
}

/** Every setting that has an OCPP key, by that key (aliases included). */
export const SETTINGS_BY_OCPP_KEY: ReadonlyMap<string, SettingKey> = new Map(
  (Object.entries(SETTINGS) as [SettingKey, SettingDef][]).flatMap(([key, def]) =>
    def.ocppKey ? [def.ocppKey, ...(def.ocppAliases ?? [])].map((k) => [k, key] as const) : []
  ),
);
