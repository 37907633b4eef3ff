/**
 * The mobile modem through ModemManager's command line (`mmcli -J`, JSON): the first modem of
 * `mmcli -L`, its model, IMEI, operator, signal quality and lock state, and its SIM's ICCID and
 * IMSI (which go into BootNotification). No modem: `present: false`.
 * @module
 */
import type { Modem, ModemInfo, SimState } from "../ports.ts";
import { NO_MODEM } from "../sim/modem.ts";
import type { Runner } from "./runner.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const value = (v: unknown): string => (typeof v === "string" && v !== "--" ? v : "");

/** The modem facts from `mmcli -m N -J` and `mmcli -i N -J` output. */
export function parseModem(modemJson: string, simJson: string | undefined): ModemInfo {
  const m: Json = JSON.parse(modemJson).modem ?? {};
  const g = m.generic ?? {};
  const gpp = m["3gpp"] ?? {};
  const sim: Json = simJson ? JSON.parse(simJson).sim?.properties ?? {} : {};
  const unlock = value(g["unlock-required"]);
  const simState: SimState = value(g.sim) === ""
    ? "missing"
    : unlock === "sim-pin"
    ? "pinRequired"
    : unlock === "sim-puk"
    ? "pukRequired"
    : g.state === "failed"
    ? "unknown"
    : "ready";
  const signal = Number(g["signal-quality"]?.value);
  return {
    present: true,
    model: [value(g.manufacturer), value(g.model)].filter(Boolean).join(" "),
    imei: value(gpp.imei) || value(g["equipment-identifier"]),
    iccid: value(sim.iccid),
    imsi: value(sim.imsi),
    operator: value(gpp["operator-name"]),
    signalPercent: Number.isFinite(signal) ? signal : null,
    simState,
  };
}

/** The modem of ModemManager. */
export class MmcliModem implements Modem {
  #run: Runner;

  constructor(run: Runner) {
    this.#run = run;
  }

  async info(): Promise<ModemInfo> {
    let list: string[];
    try {
      list = JSON.parse(await this.#run("mmcli", ["-L", "-J"]))["modem-list"] ?? [];
    } catch {
      return { ...NO_MODEM };
    }
    const path = list[0];
    if (!path) return { ...NO_MODEM };
    const modem = await this.#run("mmcli", ["-m", path, "-J"]);
    const simPath = value(JSON.parse(modem).modem?.generic?.sim);
    const sim = simPath
      ? await this.#run("mmcli", ["-i", simPath, "-J"]).catch(() => undefined)
      : undefined;
    return parseModem(modem, sim);
  }
}

/** What the station sets up on the modem (M-1.4.2). */
export interface MobileSetup {
  pin: string;
  apn: string;
  user: string;
  password: string;
}

/**
 * Unlocks the SIM with the PIN when it asks for one, then connects with the APN and its
 * credentials (`mmcli --simple-connect`). A PIN is never tried when the SIM does not ask (a
 * wrong one, tried again and again, would lock it).
 */
export async function setUpMobile(run: Runner, s: MobileSetup): Promise<ModemInfo> {
  const modem = new MmcliModem(run);
  let info = await modem.info();
  if (!info.present) return info;
  const list = JSON.parse(await run("mmcli", ["-L", "-J"]))["modem-list"] as string[];
  const path = list[0]!;
  const sim = value(JSON.parse(await run("mmcli", ["-m", path, "-J"])).modem?.generic?.sim);
  if (info.simState === "pinRequired" && s.pin && sim) {
    await run("mmcli", ["-i", sim, `--pin=${s.pin}`]);
    info = await modem.info();
  }
  if (info.simState === "ready" && s.apn) {
    const parts = [`apn=${s.apn}`];
    if (s.user) parts.push(`user=${s.user}`);
    if (s.password) parts.push(`password=${s.password}`);
    await run("mmcli", ["-m", path, `--simple-connect=${parts.join(",")}`]);
  }
  return info;
}
