/**
 * Settings: the registry of every setting and the run-time settings object.
 * @module
 */
export { type Access, type FactoryInfo, type SettingDef } from "./define.ts";
export {
  defaultOf,
  settingDef,
  type SettingKey,
  SETTINGS,
  SETTINGS_BY_OCPP_KEY,
  type SettingValues,
} from "./registry.ts";
export { stationCapMa } from "./registry_station.ts";
export { MEASURANDS } from "./registry_ocpp.ts";
export {
  type Actor,
  type FieldIssue,
  Settings,
  type SettingsChange,
  SettingsError,
  type Writer,
} from "./settings.ts";
