/**
 * Prepares a data directory before the program starts on it: settings written through the
 * station's own settings module, as a technician would have saved them.
 */
import { Settings } from "../../station/settings/mod.ts";
import { openStore } from "../../station/store/mod.ts";

/** Stores settings in `dataDir` for a station with the given factory facts. */
export async function seedSettings(
  dataDir: string,
  values: Record<string, unknown>,
  factory: { serial?: string; connectors?: 1 | 2; masterKey?: string } = {},
): Promise<void> {
  await using store = await openStore(dataDir);
  const { settings } = await Settings.open(store.settings, {
    serial: factory.serial ?? "24110001",
    connectors: factory.connectors ?? 2,
    hardware: "sim",
    masterKey: factory.masterKey ?? "MASTERKEY",
  });
  await settings.set(values, { writer: "station" });
}
