import assert from "node:assert/strict";
import { applyTime, chronySources, parseTracking } from "./chrony.ts";
import { MmcliModem, setUpMobile } from "./mmcli.ts";
import { setVendorAccess } from "./services.ts";

// Shaped like ModemManager 1.20's `mmcli -J` output.
const MODEM = JSON.stringify({
  modem: {
    "3gpp": {
      imei: "356938035643809",
      "operator-name": "Telekom.de",
      "registration-state": "home",
    },
    generic: {
      manufacturer: "Quectel",
      model: "EG25",
      "equipment-identifier": "356938035643809",
      "signal-quality": { recent: "yes", value: "67" },
      sim: "/org/freedesktop/ModemManager1/SIM/0",
      state: "registered",
      "unlock-required": "--",
    },
  },
});
const SIM = JSON.stringify({
  sim: { properties: { iccid: "89490200001234567890", imsi: "262011234567890", active: "yes" } },
});

Deno.test("mmcli: the modem and its SIM; locked, missing, none", async () => {
  const answers: Record<string, string> = {
    "mmcli -L -J": JSON.stringify({ "modem-list": ["/org/freedesktop/ModemManager1/Modem/0"] }),
    "mmcli -m /org/freedesktop/ModemManager1/Modem/0 -J": MODEM,
    "mmcli -i /org/freedesktop/ModemManager1/SIM/0 -J": SIM,
  };
  const run = (cmd: string, args: string[]) => {
    const out = answers[[cmd, ...args].join(" ")];
    return out === undefined ? Promise.reject(new Error("no such modem")) : Promise.resolve(out);
  };
  assert.deepEqual(await new MmcliModem(run).info(), {
    present: true,
    model: "Quectel EG25",
    imei: "356938035643809",
    iccid: "89490200001234567890",
    imsi: "262011234567890",
    operator: "Telekom.de",
    signalPercent: 67,
    simState: "ready",
  });
  const locked = JSON.parse(MODEM);
  locked.modem.generic["unlock-required"] = "sim-pin";
  answers["mmcli -m /org/freedesktop/ModemManager1/Modem/0 -J"] = JSON.stringify(locked);
  assert.equal((await new MmcliModem(run).info()).simState, "pinRequired");
  locked.modem.generic.sim = "--";
  answers["mmcli -m /org/freedesktop/ModemManager1/Modem/0 -J"] = JSON.stringify(locked);
  const missing = await new MmcliModem(run).info();
  assert.equal(missing.simState, "missing");
  assert.equal(missing.iccid, "");
  answers["mmcli -L -J"] = JSON.stringify({ "modem-list": [] });
  assert.equal((await new MmcliModem(run).info()).present, false);
  assert.equal(
    (await new MmcliModem(() => Promise.reject(new Error("no mmcli"))).info()).present,
    false,
  );
});

Deno.test("chrony: synchronised or not from chronyc -c tracking", () => {
  const ok = parseTracking(
    "C0A80001,192.168.0.1,3,1733300000.123,-0.000012,0.000003,0.000020,-12.3,0.001,0.05,0.01,0.002,64.2,Normal\n",
  );
  assert.deepEqual(ok, {
    synchronised: true,
    reference: "192.168.0.1",
    stratum: 3,
    offsetS: -0.000012,
  });
  const not = parseTracking("00000000,,0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,1.0,1.0,0.0,Not synchronised");
  assert.equal(not.synchronised, false);
});

Deno.test("vendor access: the units enabled or disabled at once", async () => {
  const calls: string[] = [];
  const run = (cmd: string, args: string[]) => {
    calls.push([cmd, ...args].join(" "));
    return Promise.resolve("");
  };
  await setVendorAccess(true, run);
  await setVendorAccess(false, run, ["ssh.service"]);
  assert.deepEqual(calls, [
    "systemctl enable --now ssh.service openvpn-client@vendor.service",
    "systemctl disable --now ssh.service",
  ]);
});

Deno.test("time: the NTP server as chrony's source, the zone through timedatectl", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-chrony-" });
  try {
    const calls: string[] = [];
    const run = (cmd: string, args: string[]) => {
      calls.push([cmd, ...args].join(" "));
      return Promise.resolve("");
    };
    await applyTime(
      { source: "NTP", ntpServer: "ntp.example.org", zone: "Europe/Vienna" },
      run,
      dir,
    );
    assert.match(
      await Deno.readTextFile(`${dir}/ladewerk.sources`),
      /^server ntp\.example\.org iburst$/m,
    );
    assert.deepEqual(calls, ["chronyc reload sources", "timedatectl set-timezone Europe/Vienna"]);
    assert.doesNotMatch(
      chronySources({ source: "Heartbeat", ntpServer: "x", zone: "UTC" }),
      /server/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mmcli: the PIN only when the SIM asks, then the APN connect", async () => {
  const calls: string[] = [];
  const locked = JSON.parse(MODEM);
  locked.modem.generic["unlock-required"] = "sim-pin";
  let modem = JSON.stringify(locked);
  const run = (cmd: string, args: string[]) => {
    const line = [cmd, ...args].join(" ");
    calls.push(line);
    if (line.includes("--pin=")) modem = MODEM;
    if (line === "mmcli -L -J") {
      return Promise.resolve(
        JSON.stringify({ "modem-list": ["/org/freedesktop/ModemManager1/Modem/0"] }),
      );
    }
    if (line === "mmcli -m /org/freedesktop/ModemManager1/Modem/0 -J") {
      return Promise.resolve(modem);
    }
    if (line === "mmcli -i /org/freedesktop/ModemManager1/SIM/0 -J") return Promise.resolve(SIM);
    return Promise.resolve("");
  };
  const info = await setUpMobile(run, {
    pin: "1234",
    apn: "internet.t-d1.de",
    user: "u",
    password: "p",
  });
  assert.equal(info.simState, "ready");
  assert.ok(calls.includes("mmcli -i /org/freedesktop/ModemManager1/SIM/0 --pin=1234"));
  assert.equal(
    calls.at(-1),
    "mmcli -m /org/freedesktop/ModemManager1/Modem/0 --simple-connect=apn=internet.t-d1.de,user=u,password=p",
  );
  calls.length = 0;
  await setUpMobile(run, { pin: "9999", apn: "", user: "", password: "" });
  assert.ok(!calls.some((c) => c.includes("--pin")), "no PIN when the SIM does not ask");
});
