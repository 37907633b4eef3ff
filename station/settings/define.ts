/**
 * How a setting is described: schema, default, unit, access and OCPP key.
 * @module
 */
import type * as z from "zod";

/** Who may read or write a setting from outside (web UI, OCPP): read, write, read-write. */
export type Access = "r" | "w" | "rw";

/** Facts fixed at the factory that some defaults and checks depend on. */
export interface FactoryInfo {
  serial: string;
  connectors: 1 | 2;
  /** "sim" or "device": some defaults differ (Modbus on in simulation, off on the device). */
  hardware: "sim" | "device";
  /** UID of the factory master card (M-1.8.2). */
  masterKey: string;
}

/** Description of one setting. */
export interface SettingDef<S extends z.ZodType = z.ZodType> {
  schema: S;
  /** Factory default, or a function of the factory facts. */
  default: z.infer<S> | ((factory: FactoryInfo) => z.infer<S>);
  /** Unit of numeric values (`mA`, `s`, `A`, ...). */
  unit?: string;
  access: Access;
  /** Whether a change takes effect only after a restart of the station software. */
  restart: boolean;
  /** Secrets are never sent back to a browser or into diagnostics. */
  secret?: boolean;
  /** OCPP configuration key (M-3, manual section 3.3) this setting is exposed as. */
  ocppKey?: string;
  /** Further OCPP keys that name the same value. */
  ocppAliases?: readonly string[];
  /** How the value reads and writes as an OCPP string, where the plain form does not fit. */
  ocppCodec?: { encode(value: z.infer<S>): string; decode(text: string): unknown };
  /** Check against the factory facts; returns the reason a value is refused. */
  check?: (value: z.infer<S>, factory: FactoryInfo) => string | undefined;
  description: string;
}

/**
 * Declares a setting; keeps the schema's type for the default and the check. The schema is
 * built when first used, not when the registry loads: Zod takes about 20 µs per schema object,
 * and the registry's 120 settings are made of several hundred, most of which a start never
 * checks (stored values only, issue 14).
 */
export function setting<S extends z.ZodType>(
  schema: () => S,
  def: z.infer<S> | ((factory: FactoryInfo) => z.infer<S>),
  options: Omit<SettingDef<S>, "schema" | "default">,
): SettingDef<S> {
  let built: S | undefined;
  return {
    get schema() {
      return built ??= schema();
    },
    default: def,
    ...options,
  };
}
