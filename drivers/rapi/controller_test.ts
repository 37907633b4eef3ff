import assert from "node:assert/strict";
import { PtyPair } from "../../tests/helpers/pty.ts";
import { RapiController } from "./controller.ts";
import { RapiEmulator } from "./emulator.ts";
import { formatCommand, parseLine, xorChecksum } from "./protocol.ts";

async function until(what: string, ok: () => boolean, ms = 3000): Promise<void> {
  const end = performance.now() + ms;
  while (!ok()) {
    if (performance.now() > end) throw new Error(`Not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test("rapi lines: the specification's checksums; bad ones refused", () => {
  // From rapi_proc.h: "$GS^30", "$FE*AF" (additive), "$SK 0^2C".
  assert.equal(xorChecksum("$GS"), "30");
  assert.equal(xorChecksum("$SK 0"), "2C");
  assert.deepEqual(parseLine("$FE*AF"), { kind: "FE", params: [], seq: undefined });
  assert.deepEqual(parseLine("$OK 03 12 03 0000 :1A^" + xorChecksum("$OK 03 12 03 0000 :1A")), {
    kind: "OK",
    params: ["03", "12", "03", "0000"],
    seq: 0x1a,
  });
  assert.equal(parseLine("$GS^31"), undefined);
  assert.equal(parseLine("garbage"), undefined);
  assert.match(formatCommand("SC", [16, "V"], 3), /^\$SC 16 V :03\^[0-9A-F]{2}\r$/);
});

Deno.test("rapi controller: pilot states, current, relay, faults; a silent station is stopped by the board's own supervision", async () => {
  await using pty = await PtyPair.open();
  await using evse = await RapiEmulator.open(pty.b);
  const c = await RapiController.open({
    path: pty.a,
    connectorId: 1,
    baudRate: 115200,
    parity: "none",
    stopBits: 1,
    heartbeatS: 1,
    pollMs: 200,
  });
  const pilots: string[] = [];
  const faults: string[] = [];
  c.onPilot((p) => pilots.push(p));
  c.onFault((code, active) => faults.push(`${code}:${active}`));
  assert.equal(c.info().firmwareVersion, "8.2.2");
  assert.equal(evse.heartbeatS, 1, "supervision armed");

  await evse.change((e) => (e.plugged = true));
  await until("pilot B", () => c.pilot() === "B");
  c.setOfferedCurrent(16_000);
  c.setContactor(true);
  await until("16 A offered", () => evse.capacityA === 16 && evse.enabled);
  await evse.change((e) => (e.wantsCharge = true));
  await until("charging", () => c.pilot() === "C" && evse.relayClosed);

  await evse.change((e) => (e.fault = 0x06));
  await until("GFCI", () => faults.includes("GroundFailure:true"));
  await evse.change((e) => (e.fault = undefined));
  await until("cleared", () => faults.includes("GroundFailure:false"));
  await evse.change((e) => (e.fault = 0x08));
  await until("stuck relay", () => faults.includes("PowerSwitchFailure:true"));
  await evse.change((e) => (e.fault = undefined));

  c.setOfferedCurrent(0);
  await until("paused", () => !evse.relayClosed);
  c.setOfferedCurrent(10_000);
  await until("charging again", () => evse.relayClosed && evse.capacityA === 10);
  await new Promise((r) => setTimeout(r, 1500));
  assert.ok(evse.relayClosed, "pulses keep the supervision happy");

  // The station program goes silent (its process dies): the board stops charging by itself.
  await c[Symbol.asyncDispose]();
  await until("supervision stopped charging", () => !evse.relayClosed && evse.missed, 3000);
  assert.deepEqual(pilots.slice(0, 2), ["B", "C"]);
  assert.equal(c.stats.badLines, 0);
});
