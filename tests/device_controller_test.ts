/**
 * `--hardware device` with a real driver behind each charge point's ports: an OpenEVSE board
 * over RAPI (the board emulator on a pseudo-terminal) and an Eastron SDM630 over Modbus RTU
 * (the RTU emulator on another). A whole OCPP session: the vehicle plugs in, RemoteStart, the
 * board offers the current and closes its relay, the meter's register is the transaction's
 * energy. Then the station program is killed mid-session: back within the board's heartbeat
 * supervision interval, the session goes on (no Stop/Start pair, the meter continuous); back
 * after it, the board has stopped charging on its own and the session ends with PowerLoss.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { RapiEmulator } from "../drivers/rapi/emulator.ts";
import { type EmulatedMeter, RtuEmulator } from "../drivers/rtu/emulator.ts";
import { METER_MAPS } from "../drivers/rtu/meter_maps.ts";
import { type Json, ocppStation } from "./helpers/ocpp_station.ts";
import { PtyPair } from "./helpers/pty.ts";
import { adminLogin, startDevice } from "./helpers/device.ts";

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = performance.now() + ms;
  while (!ok()) {
    if (performance.now() > end) throw new Error(`Not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("device: an OCPP session on an OpenEVSE board over RAPI with an RTU meter; a killed station is stopped by the board's supervision", async () => {
  await using meterPty = await PtyPair.open();
  await using boardPty = await PtyPair.open();
  const sdm: EmulatedMeter = {
    unit: 1,
    map: METER_MAPS.sdm630,
    values: { voltageV: [230, 230, 230], currentA: [0, 0, 0], powerW: [0, 0, 0], energyWh: 10_000 },
    mode: "none",
  };
  await using _meter = await RtuEmulator.open(meterPty.b, [sdm], 115200);
  await using evse = await RapiEmulator.open(boardPty.b);
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-device-" });
  try {
    const config = join(dir, "device.json");
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        connectors: 1,
        buses: { "rs485-1": { path: meterPty.a, baudRate: 115200, timeoutMs: 150 } },
        meters: [{
          connector: 1,
          driver: "modbus-rtu",
          model: "sdm630",
          bus: "rs485-1",
          unit: 1,
          pollMs: 200,
        }],
        controllers: [{ connector: 1, driver: "rapi", path: boardPty.a, heartbeatS: 8 }],
      }),
    );
    await using t = await ocppStation({
      connectors: 1,
      args: ["--hardware", "device", "--device-config", config, "--http-host", "127.0.0.1"],
    });
    await t.booted();
    assert.equal(evse.heartbeatS, 8, "the station armed the board's supervision");

    let from = t.backend.calls.length;
    /** StartTransaction answers the station has handled (it logs each one). */
    const answered = (out: string) =>
      out.match(/StartTransaction of session \d+: transaction/g)?.length ?? 0;
    let startsAnswered = 0;
    await evse.change((e) => (e.plugged = true));
    await t.next("StatusNotification", (p) => p.status === "Preparing", { from });
    const start = await t.backend.call<Json>("RemoteStartTransaction", {
      connectorId: 1,
      idTag: "MASTERKEY",
    });
    assert.equal(start.status, "Accepted");
    const started = await t.next("StartTransaction", undefined, { from });
    assert.equal((started.params as Json).meterStart, 10_000, "the meter's register");
    await until("the board offers current", () => evse.enabled && evse.capacityA >= 6);
    await evse.change((e) => (e.wantsCharge = true));
    await t.next("StatusNotification", (p) => p.status === "Charging", { from });
    assert.ok(evse.relayClosed);
    sdm.values = {
      voltageV: [230, 230, 230],
      currentA: [16, 16, 16],
      powerW: [3680, 3680, 3680],
      energyWh: 10_850,
    };
    await new Promise((r) => setTimeout(r, 800));
    await evse.change((e) => {
      e.wantsCharge = false;
      e.plugged = false;
    });
    const stop = await t.next("StopTransaction", undefined, { from });
    assert.equal((stop.params as Json).meterStop, 10_850);
    assert.equal((stop.params as Json).reason, "EVDisconnected");

    // The station program dies mid-session and comes back within the board's supervision
    // interval: the board kept charging, so the session goes on — no Stop/Start pair.
    from = t.backend.calls.length;
    startsAnswered = answered(t.st.output());
    await evse.change((e) => (e.plugged = true));
    await t.next("StatusNotification", (p) => p.status === "Preparing", { from });
    await t.backend.call("RemoteStartTransaction", { connectorId: 1, idTag: "MASTERKEY" });
    await t.next("StartTransaction", undefined, { from });
    await evse.change((e) => (e.wantsCharge = true));
    await until("charging", () => evse.relayClosed);
    // Killed once the answer to StartTransaction is handled (logged): mid-session, not
    // mid-Start, where resending the owed StartTransaction after the restart is right.
    await until("StartTransaction answered", () => answered(t.st.output()) === startsAnswered + 1);
    t.st.kill("SIGKILL");
    await t.st.exited;
    from = t.backend.calls.length;
    await t.restart();
    await t.next("BootNotification", undefined, { from });
    await until("still charging", () => evse.relayClosed && !evse.missed);
    sdm.values = { ...sdm.values, energyWh: 11_500 };
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(
      t.backend.calls.slice(from).filter((c) => /^(Start|Stop)Transaction$/.test(c.action)).length,
      0,
      `no Stop/Start pair:\n${
        t.st.output().split("\n").filter((l) => /ession|kept|Resum|RAPI/.test(l)).join("\n")
      }`,
    );
    await evse.change((e) => {
      e.wantsCharge = false;
      e.plugged = false;
    });
    const resumedStop = await t.next("StopTransaction", undefined, { from });
    assert.equal((resumedStop.params as Json).reason, "EVDisconnected");
    assert.equal((resumedStop.params as Json).meterStop, 11_500, "the meter continuous");
    // The backend numbers transactions one by one: the second session's is the first's + 1.
    assert.equal(
      (resumedStop.params as Json).transactionId,
      (stop.params as Json).transactionId + 1,
      "the same transaction",
    );

    // Killed again, and back only after the interval: the board stopped charging on its own,
    // so the session ends with PowerLoss.
    from = t.backend.calls.length;
    startsAnswered = answered(t.st.output());
    await evse.change((e) => (e.plugged = true));
    await t.next("StatusNotification", (p) => p.status === "Preparing", { from });
    await t.backend.call("RemoteStartTransaction", { connectorId: 1, idTag: "MASTERKEY" });
    await t.next("StartTransaction", undefined, { from });
    await evse.change((e) => (e.wantsCharge = true));
    await until("charging", () => evse.relayClosed);
    // Killed once the answer to StartTransaction is handled (logged): mid-session, not
    // mid-Start, where resending the owed StartTransaction after the restart is right.
    await until("StartTransaction answered", () => answered(t.st.output()) === startsAnswered + 1);
    t.st.kill("SIGKILL");
    await t.st.exited;
    await until(
      "the board's supervision stopped charging",
      () => !evse.relayClosed && evse.missed,
      12_000,
    );
    from = t.backend.calls.length;
    await t.restart();
    const ended = await t.next("StopTransaction", undefined, { from, timeoutMs: 30_000 });
    assert.equal((ended.params as Json).reason, "PowerLoss");
    assert.equal(evse.heartbeatS, 8, "armed again by the new lifetime");
    await until("the miss acknowledged", () => !evse.missed);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("device: Flash firmware gives the board's line to avrdude, follows its progress and takes the line back; a failing flash says why", async () => {
  await using meterPty = await PtyPair.open();
  await using boardPty = await PtyPair.open();
  const sdm: EmulatedMeter = {
    unit: 1,
    map: METER_MAPS.sdm630,
    values: { voltageV: [230, 230, 230], currentA: [0, 0, 0], powerW: [0, 0, 0], energyWh: 5 },
    mode: "none",
  };
  await using _meter = await RtuEmulator.open(meterPty.b, [sdm], 115200);
  await using evse = await RapiEmulator.open(boardPty.b);
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-flash-" });
  try {
    const hex = join(dir, "openevse.hex");
    await Deno.writeTextFile(hex, ":00000001FF\n");
    // A stand-in for avrdude that prints its progress the way avrdude does, or fails.
    const avrdude = join(dir, "avrdude");
    await Deno.writeTextFile(
      avrdude,
      `#!/bin/sh
echo "$@" > ${join(dir, "args")}
if [ -e ${
        join(dir, "fail")
      } ]; then echo "avrdude: stk500_recv(): programmer is not responding" >&2; exit 1; fi
for p in 0 50 100; do printf "Writing | ## | %s%% 0.10s\\n" $p >&2; sleep 0.2; done
for p in 0 100; do printf "Reading | ## | %s%% 0.10s\\n" $p >&2; sleep 0.2; done
`,
    );
    await Deno.chmod(avrdude, 0o755);
    const config = join(dir, "device.json");
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        connectors: 1,
        buses: { "rs485-1": { path: meterPty.a, baudRate: 115200 } },
        meters: [{ connector: 1, driver: "modbus-rtu", model: "sdm630", bus: "rs485-1", unit: 1 }],
        controllers: [{
          connector: 1,
          driver: "rapi",
          path: boardPty.a,
          heartbeatS: 8,
          firmware: hex,
          avrdude,
        }],
      }),
    );
    await using st = await startDevice(config);
    const { cookie, csrf: csrfToken } = await adminLogin(st);
    const flash = () =>
      fetch(new URL("/api/modules/flash", st.baseUrl), {
        method: "POST",
        headers: { cookie, "x-csrf-token": csrfToken },
      }).then((r) => r.json());
    const modules = () =>
      fetch(new URL("/api/modules", st.baseUrl), { headers: { cookie } }).then((r) => r.json());
    const versions = evse.received.filter((c) => c === "GV").length;
    assert.equal((await flash()).flash.state, "flashing");
    const seen = new Set<number>();
    let m: Json;
    for (;;) {
      m = await modules();
      if (m.flash.percent !== undefined) seen.add(m.flash.percent);
      if (m.flash.state !== "flashing") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(m.flash.state, "done", JSON.stringify(m.flash));
    assert.ok([...seen].some((p) => p > 0 && p < 100), `progress seen: ${[...seen]}`);
    const args = await Deno.readTextFile(join(dir, "args"));
    assert.match(
      args,
      new RegExp(`-p atmega328p -c arduino -P ${boardPty.a} -b 115200 -D -U flash:w:${hex}:i`),
    );
    assert.ok(evse.received.filter((c) => c === "GV").length > versions, "the line taken back");
    await until("supervision armed again", () => evse.heartbeatS === 8);

    await Deno.writeTextFile(join(dir, "fail"), "");
    await flash();
    for (;;) {
      m = await modules();
      if (m.flash.state !== "flashing") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(m.flash.state, "failed");
    assert.match(m.flash.error, /programmer is not responding/);
    // On a device the status wants the login too.
    const status = () =>
      fetch(new URL("/api/status", st.baseUrl), { headers: { cookie } }).then((r) => r.json());
    for (let i = 0; (await status()).connectors[0].status !== "Available"; i++) {
      assert.ok(i < 100, "the point is given back");
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
