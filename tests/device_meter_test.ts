/**
 * `--hardware device` with a device description: two RTU meters (an Eastron SDM630 and an ABB
 * B23) on one RS-485 bus, a socat pseudo-terminal pair with the RTU emulator on the far end,
 * simulated controllers. A session's energy comes from the meter's register; a meter that
 * stops answering raises PowerMeterFailure on its point and clears when it answers again; a
 * wrong description stops the start with the field and the reason.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type EmulatedMeter, RtuEmulator } from "../drivers/rtu/emulator.ts";
import { typeUid } from "../drivers/linux/evdev_reader.ts";
import { METER_MAPS } from "../drivers/rtu/meter_maps.ts";
import { PtyPair } from "./helpers/pty.ts";
import { startDevice } from "./helpers/device.ts";
import { MAIN_PATH, REPO_ROOT, startStation } from "./helpers/station_process.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const idle = (energyWh: number): EmulatedMeter["values"] => ({
  voltageV: [230, 230, 230],
  currentA: [0, 0, 0],
  powerW: [0, 0, 0],
  energyWh,
});

function description(tty: string) {
  return {
    connectors: 2,
    buses: { "rs485-1": { path: tty, baudRate: 115200, timeoutMs: 150 } },
    meters: [
      { connector: 1, driver: "modbus-rtu", model: "sdm630", bus: "rs485-1", unit: 1, pollMs: 200 },
      {
        connector: 2,
        driver: "modbus-rtu",
        model: "abb-b23",
        bus: "rs485-1",
        unit: 2,
        pollMs: 200,
      },
    ],
    controllers: [{ connector: 1, driver: "sim" }, { connector: 2, driver: "sim" }],
  };
}

Deno.test("device: a session's energy comes from the RTU meter; a silent meter is PowerMeterFailure until it answers", async () => {
  await using pty = await PtyPair.open();
  const sdm: EmulatedMeter = {
    unit: 1,
    map: METER_MAPS.sdm630,
    values: idle(500_000),
    mode: "none",
  };
  const abb: EmulatedMeter = {
    unit: 2,
    map: METER_MAPS["abb-b23"],
    values: idle(70_000),
    mode: "none",
  };
  await using _emulator = await RtuEmulator.open(pty.b, [sdm, abb], 115200);
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-device-" });
  try {
    const config = join(dir, "device.json");
    await Deno.writeTextFile(config, JSON.stringify(description(pty.a)));
    await using st = await startStation({
      args: ["--hardware", "device", "--device-config", config, "--http-host", "127.0.0.1"],
    });
    const s: Json = await st.waitFor((s: Json) => s.connectors[0].energyWh === 500_000);
    assert.equal(s.hardware, "device");
    assert.equal(s.connectors[1].energyWh, 70_000);

    await st.api("/api/sim/connectors/1/plug", { method: "POST" });
    await st.api("/api/sim/rfid", { json: { idTag: "MASTERKEY" } });
    await st.waitFor((s: Json) => s.connectors[0].status === "Charging");
    sdm.values = {
      voltageV: [230, 230, 230],
      currentA: [16, 16, 16],
      powerW: [3680, 3680, 3680],
      energyWh: 501_234,
    };
    await st.waitFor((s: Json) => s.connectors[0].energyWh === 501_234);
    await st.api("/api/sim/connectors/1/unplug", { method: "POST" });
    await st.waitFor((s: Json) => s.connectors[0].status === "Available");
    const db = new (await import("node:sqlite")).DatabaseSync(join(st.dataDir, "ladewerk.sqlite"), {
      readOnly: true,
    });
    const row = db.prepare("SELECT meter_start_wh, meter_stop_wh FROM sessions").get() as Json;
    db.close();
    assert.deepEqual([row.meter_start_wh, row.meter_stop_wh], [500_000, 501_234]);

    sdm.mode = "silent";
    const faulted: Json = await st.waitFor(
      (s: Json) => s.connectors[0].errorCode === "PowerMeterFailure",
    );
    assert.equal(faulted.connectors[1].errorCode, "NoError", "the other meter answers");
    sdm.mode = "none";
    await st.waitFor((s: Json) => s.connectors[0].errorCode === "NoError");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("device: a USB reader typing the UID starts a session, missing it is ReaderFailure; the LED class shows the status", async () => {
  await using pty = await PtyPair.open();
  const sdm: EmulatedMeter = { unit: 1, map: METER_MAPS.sdm630, values: idle(1000), mode: "none" };
  await using _emulator = await RtuEmulator.open(pty.b, [sdm], 115200);
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-device-" });
  try {
    const leds = join(dir, "leds");
    for (const n of ["cp1:green", "cp1:red", "cp1:blue"]) {
      await Deno.mkdir(join(leds, n), { recursive: true });
      await Deno.writeTextFile(join(leds, n, "brightness"), "0");
      await Deno.writeTextFile(join(leds, n, "max_brightness"), "1");
    }
    const kbd = join(dir, "event-kbd");
    const config = join(dir, "device.json");
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        connectors: 1,
        buses: { "rs485-1": { path: pty.a, baudRate: 115200, timeoutMs: 150 } },
        meters: [{ connector: 1, driver: "modbus-rtu", model: "sdm630", bus: "rs485-1", unit: 1 }],
        controllers: [{ connector: 1, driver: "sim" }],
        reader: { driver: "evdev", path: kbd },
        leds: {
          driver: "sysfs",
          root: leds,
          points: { "1": { green: "cp1:green", red: "cp1:red", blue: "cp1:blue" } },
        },
      }),
    );
    await using st = await startDevice(config, { args: ["--master-key", "0A1B2C3D"] });
    await st.waitFor((s: Json) => s.station.faults.includes("ReaderFailure"));
    const green = () => Deno.readTextFileSync(join(leds, "cp1:green", "brightness")).trim();
    assert.equal(green(), "1", "green: free");
    const mk = await new Deno.Command("mkfifo", { args: [kbd] }).output();
    assert.ok(mk.success);
    const writer = await Deno.open(kbd, { write: true });
    try {
      await st.waitFor((s: Json) => !s.station.faults.includes("ReaderFailure"), {
        timeoutMs: 10_000,
      });
      await st.api("/api/sim/connectors/1/plug", { method: "POST" });
      await writer.write(typeUid("0A1B2C3D"));
      const s: Json = await st.waitFor((s: Json) => s.connectors[0].status === "Charging");
      assert.equal(s.connectors[0].session.idTag, "0A1B2C3D");
      assert.equal(green(), "0", "not green while charging");
    } finally {
      writer.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("device: a wrong description stops the start with the field and the reason", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-device-" });
  try {
    const config = join(dir, "device.json");
    const d = description("/dev/null");
    d.meters[1]!.unit = 1;
    await Deno.writeTextFile(config, JSON.stringify(d));
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        MAIN_PATH,
        "--hardware",
        "device",
        "--device-config",
        config,
        "--data-dir",
        join(dir, "data"),
        "--http-port",
        "0",
        "--https-port",
        "0",
        "--modbus-port",
        "0",
      ],
      cwd: REPO_ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 2);
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.match(text, /--device-config .*: meters\.1\.unit: Unit 1 is already on bus rs485-1/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
