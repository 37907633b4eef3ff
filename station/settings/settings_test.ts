import assert from "node:assert/strict";
import { openStore, type Store } from "../store/mod.ts";
import type { SettingsStorage } from "../store/settings_store.ts";
import {
  defaultOf,
  type FactoryInfo,
  type SettingDef,
  SETTINGS,
  Settings,
  type SettingsChange,
  SettingsError,
  type Writer,
} from "./mod.ts";

const ONE: FactoryInfo = { serial: "S1", connectors: 1, hardware: "sim", masterKey: "MASTER01" };
const TWO: FactoryInfo = { serial: "S2", connectors: 2, hardware: "device", masterKey: "MASTER02" };

/** Settings storage in memory, with a switch to make the next save fail. */
class MemoryStorage implements SettingsStorage {
  rows: Record<string, unknown>;
  failNextSave = false;

  constructor(rows: Record<string, unknown> = {}) {
    this.rows = { ...rows };
  }

  load(): Promise<Record<string, unknown>> {
    return Promise.resolve(structuredClone(this.rows));
  }

  async save(values: Record<string, unknown>, reset: readonly string[]): Promise<void> {
    // Resolve later, as a real database would, so concurrent callers can interleave.
    await Promise.resolve();
    if (this.failNextSave) {
      this.failNextSave = false;
      throw new Error("Disk full");
    }
    for (const key of reset) delete this.rows[key];
    Object.assign(this.rows, structuredClone(values));
  }
}

async function withStore(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ladewerk_settings_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function openSettings(store: Store, factory = TWO): Promise<Settings> {
  const { settings, dropped } = await Settings.open(store.settings, factory);
  assert.deepEqual(dropped, []);
  return settings;
}

async function refusal(promise: Promise<unknown>): Promise<SettingsError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof SettingsError, String(e));
    return e;
  }
  assert.fail("The change was accepted");
}

interface Refused {
  name: string;
  factory: FactoryInfo;
  changes: Record<string, unknown>;
  writer?: Writer;
  reason: RegExp;
}

const REFUSED: Refused[] = [
  {
    name: "station current above 63 A",
    factory: TWO,
    changes: { "power.stationMaxCurrentMa": 70_000 },
    reason: /63000/,
  },
  {
    name: "station current above 32 A with one charge point",
    factory: ONE,
    changes: { "power.stationMaxCurrentMa": 40_000 },
    reason: /^At most 32000 mA with 1 charge point/,
  },
  {
    name: "station current below 6 A",
    factory: TWO,
    changes: { "power.stationMaxCurrentMa": 5_000 },
    reason: /6000/,
  },
  {
    name: "station current not a whole number",
    factory: TWO,
    changes: { "power.stationMaxCurrentMa": 16_000.5 },
    reason: /expected int/,
  },
  {
    name: "station current as a string",
    factory: TWO,
    changes: { "power.stationMaxCurrentMa": "16000" },
    reason: /number/,
  },
  {
    name: "backend URL with a leading blank",
    factory: TWO,
    changes: { "ocpp.url": " ws://backend.example/ocpp" },
    reason: /blanks/,
  },
  {
    name: "backend URL over http",
    factory: TWO,
    changes: { "ocpp.url": "http://x" },
    reason: /ws:\/\/ or wss:\/\//,
  },
  {
    name: "StopTransactionOnEVSideDisconnect false",
    factory: TWO,
    changes: { "ocpp.stopTransactionOnEVSideDisconnect": false },
    reason: /true/,
  },
  {
    name: "a time zone that does not exist",
    factory: TWO,
    changes: { "time.zone": "Mars/Olympus" },
    reason: /Unknown time zone/,
  },
  {
    name: "operator branding",
    factory: TWO,
    changes: { "display.branding": "operator" },
    reason: /not available/,
  },
  {
    name: "Modbus fallback current between 0 and 6 A",
    factory: TWO,
    changes: { "modbus.cp1.fallbackCurrentMa": 3_000 },
    reason: /0 \(pause\) or at least 6000 mA/,
  },
  {
    name: "an unknown measurand",
    factory: TWO,
    changes: { "ocpp.meterValuesSampledData": "Energy.Active.Import.Register,Temperature" },
    reason: /comma-separated list/,
  },
  {
    name: "a SIM PIN of three digits",
    factory: TWO,
    changes: { "mobile.pin": "123" },
    reason: /./,
  },
  {
    name: "an unknown key",
    factory: TWO,
    changes: { "ocpp.nope": 1 },
    reason: /^Unknown setting$/,
  },
  {
    name: "an inherited property name as key",
    factory: TWO,
    changes: { toString: "x" },
    reason: /^Unknown setting$/,
  },
  {
    name: "a read-only key written from outside",
    factory: TWO,
    changes: { "ocpp.numberOfConnectors": 1 },
    writer: "outside",
    reason: /^Read-only setting$/,
  },
  {
    name: "a read-only key without a writer (outside is the default)",
    factory: TWO,
    changes: { "ocpp.supportedFeatureProfiles": "Core" },
    reason: /^Read-only setting$/,
  },
];

for (const t of REFUSED) {
  Deno.test(`set() refuses ${t.name}`, async () => {
    const { settings } = await Settings.open(new MemoryStorage(), t.factory);
    const before = settings.all();
    const error = await refusal(settings.set(t.changes, { writer: t.writer }));
    const [field] = Object.keys(t.changes);
    assert.equal(error.issues.length, 1);
    assert.equal(error.issues[0]?.field, field);
    assert.match(error.issues[0]?.reason ?? "", t.reason);
    assert.match(error.message, new RegExp(`^Invalid settings: ${field}: `));
    assert.deepEqual(settings.all(), before);
  });
}

const ACCEPTED: [string, FactoryInfo, Record<string, unknown>, Writer][] = [
  ["station current of 40 A with two charge points", TWO, {
    "power.stationMaxCurrentMa": 40_000,
  }, "outside"],
  ["station current of 32 A with one charge point", ONE, {
    "power.stationMaxCurrentMa": 32_000,
  }, "outside"],
  ["a wss:// backend URL", TWO, { "ocpp.url": "wss://backend.example:443/ocpp/" }, "outside"],
  ["an empty backend URL", TWO, { "ocpp.url": "" }, "outside"],
  ["a real time zone", TWO, { "time.zone": "America/New_York" }, "outside"],
  ["a read-only key written by the station", TWO, { "ocpp.numberOfConnectors": 1 }, "station"],
  ["a write-only key written from outside", TWO, { "ocpp.authorizationKey": "s3cret" }, "outside"],
];

for (const [name, factory, changes, writer] of ACCEPTED) {
  Deno.test(`set() accepts ${name}`, async () => {
    const { settings } = await Settings.open(new MemoryStorage(), factory);
    // Start from other values, so that accepting a default is a change too.
    await settings.set({ "power.stationMaxCurrentMa": 10_000, "ocpp.url": "ws://other" });
    const { changed } = await settings.set(changes, { writer });
    assert.deepEqual(changed, changes);
    for (const [key, value] of Object.entries(changes)) {
      assert.deepEqual(settings.get(key as keyof typeof SETTINGS), value);
    }
  });
}

Deno.test("set() lists every refused field, and applies nothing of the change", async () => {
  await withStore(async (dir) => {
    {
      await using store = await openStore(dir);
      const settings = await openSettings(store);
      const error = await refusal(settings.set({
        "ocpp.heartbeatIntervalS": 300,
        "time.zone": "Mars/Olympus",
        "ocpp.url": "wss://fine.example",
        "display.branding": "operator",
      }));
      assert.deepEqual(error.issues.map((i) => i.field), ["time.zone", "display.branding"]);
      assert.equal(settings.get("ocpp.heartbeatIntervalS"), 180);
      assert.equal(settings.get("ocpp.url"), "");
      assert.deepEqual(await store.settings.load(), {});
    }
    await using store = await openStore(dir);
    const reopened = await openSettings(store);
    assert.equal(reopened.get("ocpp.heartbeatIntervalS"), 180);
    assert.equal(reopened.get("ocpp.url"), "");
  });
});

Deno.test("set() leaves values unchanged and tells no listener when storage fails", async () => {
  const storage = new MemoryStorage();
  const { settings } = await Settings.open(storage, TWO);
  let heard = 0;
  settings.onChange(() => heard++);
  storage.failNextSave = true;
  await assert.rejects(settings.set({ "ocpp.heartbeatIntervalS": 300 }), /Disk full/);
  assert.equal(settings.get("ocpp.heartbeatIntervalS"), 180);
  assert.equal(heard, 0);
  assert.deepEqual(storage.rows, {});
});

Deno.test("set() values persist across reopening the store", async () => {
  await withStore(async (dir) => {
    const changes = {
      "ocpp.heartbeatIntervalS": 300,
      "ocpp.url": "wss://backend.example/ocpp",
      "auth.localPreAuthorize": true,
      "power.stationMaxCurrentMa": 25_000,
      "ocpp.meterValuesSampledData": "Energy.Active.Import.Register,Voltage",
    };
    {
      await using store = await openStore(dir);
      const settings = await openSettings(store);
      await settings.set(changes, { nowMs: 1_000 });
    }
    await using store = await openStore(dir);
    const reopened = await openSettings(store);
    for (const [key, value] of Object.entries(changes)) {
      assert.deepEqual(reopened.get(key as keyof typeof SETTINGS), value, key);
    }
  });
});

Deno.test("set() back to the default removes the stored row", async () => {
  await withStore(async (dir) => {
    await using store = await openStore(dir);
    const settings = await openSettings(store);
    await settings.set({ "ocpp.heartbeatIntervalS": 300, "time.zone": "UTC" });
    assert.deepEqual(await store.settings.load(), {
      "ocpp.heartbeatIntervalS": 300,
      "time.zone": "UTC",
    });
    await settings.set({ "ocpp.heartbeatIntervalS": 180 });
    assert.deepEqual(await store.settings.load(), { "time.zone": "UTC" });
    assert.equal(settings.get("ocpp.heartbeatIntervalS"), 180);
  });
});

Deno.test("onChange() fires once per applied change with exactly the changed keys", async () => {
  const { settings } = await Settings.open(new MemoryStorage(), TWO);
  const heard: SettingsChange[] = [];
  const stop = settings.onChange((c) => heard.push(c));

  await settings.set({ "ocpp.heartbeatIntervalS": 300, "time.zone": "Europe/Berlin" }, {
    actor: "modbus",
  });
  assert.deepEqual(heard, [{
    changed: { "ocpp.heartbeatIntervalS": 300 },
    previous: { "ocpp.heartbeatIntervalS": 180 },
    actor: "modbus",
    restartNeeded: false,
  }]);

  const noOp = await settings.set({ "ocpp.heartbeatIntervalS": 300, "time.zone": "Europe/Berlin" });
  assert.deepEqual(noOp, { changed: {}, previous: {}, actor: "installer", restartNeeded: false });
  await settings.set({});
  await refusal(settings.set({ "ocpp.heartbeatIntervalS": -1 }));
  assert.equal(heard.length, 1, "no-ops and refused changes are not heard");

  await settings.set({ "time.zone": "UTC", "auth.dummyAllowStop": true });
  assert.deepEqual(heard[1]?.changed, { "time.zone": "UTC", "auth.dummyAllowStop": true });

  stop();
  await settings.set({ "time.zone": "Europe/Paris" });
  assert.equal(heard.length, 2, "unsubscribed");
});

Deno.test("set() reports restartNeeded exactly when a changed setting needs a restart", async () => {
  const { settings } = await Settings.open(new MemoryStorage(), TWO);
  assert.equal((await settings.set({ "modbus.port": 1502 })).restartNeeded, false);
  // No setting of the registry needs a restart today; mark one for this test only.
  const def = SETTINGS["modbus.port"] as SettingDef;
  def.restart = true;
  try {
    assert.equal((await settings.set({ "modbus.port": 1503 })).restartNeeded, true);
    const both = await settings.set({ "modbus.port": 1504, "modbus.unitId": 7 });
    assert.equal(both.restartNeeded, true);
    assert.equal((await settings.set({ "modbus.unitId": 8 })).restartNeeded, false);
  } finally {
    def.restart = false;
  }
});

Deno.test("resetAll() puts every setting back to its default and empties storage", async () => {
  await withStore(async (dir) => {
    await using store = await openStore(dir);
    const settings = await openSettings(store);
    await settings.set({ "ocpp.heartbeatIntervalS": 300, "time.zone": "UTC" });
    await settings.set({ "ocpp.numberOfConnectors": 1 }, { writer: "station" });
    const heard: SettingsChange[] = [];
    settings.onChange((c) => heard.push(c));

    const change = await settings.resetAll(5_000);
    assert.deepEqual(change.changed, {
      "ocpp.heartbeatIntervalS": 180,
      "time.zone": "Europe/Berlin",
      "ocpp.numberOfConnectors": 2,
    });
    assert.deepEqual(heard, [change]);
    assert.deepEqual(await store.settings.load(), {});
    for (const key of Object.keys(SETTINGS) as (keyof typeof SETTINGS)[]) {
      assert.deepEqual(settings.get(key), defaultOf(key, TWO), key);
    }
    assert.deepEqual((await settings.resetAll()).changed, {});
    assert.equal(heard.length, 1);
  });
});

Deno.test("open() drops stored values that no longer validate and reports them", async () => {
  const storage = new MemoryStorage({
    "ocpp.heartbeatIntervalS": -5,
    "time.zone": "Mars/Olympus",
    "power.stationMaxCurrentMa": 63_000,
    "ocpp.url": "wss://kept.example",
    "removed.setting": true,
  });
  const { settings, dropped } = await Settings.open(storage, ONE);
  assert.deepEqual(dropped.map((d) => d.field).sort(), [
    "ocpp.heartbeatIntervalS",
    "power.stationMaxCurrentMa",
    "time.zone",
  ]);
  const byField = new Map(dropped.map((d) => [d.field, d.reason]));
  assert.match(byField.get("power.stationMaxCurrentMa") ?? "", /At most 32000 mA/);
  assert.match(byField.get("time.zone") ?? "", /Unknown time zone/);
  assert.equal(settings.get("ocpp.heartbeatIntervalS"), 180);
  assert.equal(settings.get("power.stationMaxCurrentMa"), 32_000);
  assert.equal(settings.get("time.zone"), "Europe/Berlin");
  assert.equal(settings.get("ocpp.url"), "wss://kept.example");
  assert.ok(!Object.hasOwn(settings.all(), "removed.setting"));
});

Deno.test("open() drops a stored value of the wrong type from a real database", async () => {
  await withStore(async (dir) => {
    {
      await using store = await openStore(dir);
      await store.settings.save({ "ocpp.heartbeatIntervalS": "often", "time.zone": "UTC" }, [], 1);
    }
    await using store = await openStore(dir);
    const { settings, dropped } = await Settings.open(store.settings, TWO);
    assert.deepEqual(dropped.map((d) => d.field), ["ocpp.heartbeatIntervalS"]);
    assert.equal(settings.get("ocpp.heartbeatIntervalS"), 180);
    assert.equal(settings.get("time.zone"), "UTC");
  });
});

Deno.test("resetAll() also removes stored values that open() dropped", async () => {
  const storage = new MemoryStorage({ "time.zone": "Mars/Olympus", "ocpp.url": "wss://x" });
  const { settings, dropped } = await Settings.open(storage, TWO);
  assert.equal(dropped.length, 1);
  await settings.resetAll();
  assert.deepEqual(storage.rows, {});
  const again = await Settings.open(storage, TWO);
  assert.deepEqual(again.dropped, [], "a factory reset leaves nothing to report");
});

Deno.test("concurrent set() calls apply in call order", async () => {
  const storage = new MemoryStorage();
  const { settings } = await Settings.open(storage, TWO);
  const first = settings.set({ "ocpp.heartbeatIntervalS": 300 });
  const second = settings.set({ "ocpp.heartbeatIntervalS": 180 });
  await Promise.all([first, second]);
  assert.equal(settings.get("ocpp.heartbeatIntervalS"), 180);
  assert.deepEqual(storage.rows, {});
  assert.deepEqual((await second).changed, { "ocpp.heartbeatIntervalS": 180 });
});

Deno.test("all() is a copy the caller cannot change settings through", async () => {
  const { settings } = await Settings.open(new MemoryStorage(), TWO);
  const all = settings.all();
  all["ocpp.heartbeatIntervalS"] = 1;
  assert.equal(settings.get("ocpp.heartbeatIntervalS"), 180);
  assert.equal(settings.factory.connectors, 2);
});
