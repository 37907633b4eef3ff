/**
 * The station's hardware as a device description says: simulated parts from
 * `SimulatedHardware`, meters on RTU buses from `drivers/rtu` (one bus owner per serial bus),
 * OpenEVSE boards over RAPI from `drivers/rapi`.
 * @module
 */
import type {
  Clock,
  Hardware,
  Meter,
  Modem,
  NetworkConfig,
  TokenReader,
  Unsubscribe,
} from "../ports.ts";
import { NetworkdConfig } from "../linux/networkd.ts";
import { applyTime, chronyTracking, type TimeSetup } from "../linux/chrony.ts";
import { MmcliModem, type MobileSetup, setUpMobile } from "../linux/mmcli.ts";
import { setVendorAccess } from "../linux/services.ts";
import { type Runner, systemRunner } from "../linux/runner.ts";
import { SimModem } from "../sim/modem.ts";
import { RtuBus } from "../rtu/bus.ts";
import { METER_MAPS } from "../rtu/meter_maps.ts";
import { RtuMeter } from "../rtu/meter.ts";
import { EvdevReader } from "../linux/evdev_reader.ts";
import { Pn532Reader } from "../pn532/reader.ts";
import { BoardSimControl } from "../board/remote.ts";
import { GpioLeds, SysfsLeds, type TimedLeds } from "../linux/leds.ts";
import { RapiController } from "../rapi/controller.ts";
import { flashBoard } from "../rapi/flash.ts";
import { SimulatedHardware } from "../sim/mod.ts";
import type { DeviceDescription } from "./description.ts";

export { DescriptionError, parseDescription, simulatedDescription } from "./description.ts";
export type { DeviceDescription } from "./description.ts";

function startedPn532(path: string): Pn532Reader {
  const reader = new Pn532Reader({ path });
  reader.start();
  return reader;
}

/** Hardware composed from a description. */
export class DeviceHardware implements Hardware {
  readonly controllers: Hardware["controllers"];
  readonly meters: Meter[];
  readonly reader: Hardware["reader"];
  readonly display: Hardware["display"];
  readonly leds: Hardware["leds"];
  readonly clock: Clock;
  /** The simulated parts (vehicles, cards, faults through `/api/sim`). */
  readonly sim: SimulatedHardware;
  /** The board simulator's controls, when the description names one (`simulator`). */
  board: BoardSimControl | undefined;
  /** The WAN interface, when the description names a real one. */
  network: NetworkConfig | undefined;
  /** Switches the vendor's OS access (M-1.8.3), when the description names its units. */
  vendorAccess: ((enabled: boolean) => Promise<void>) | undefined;
  /** Sets the modem up (PIN, APN), when it is a real one. */
  setUpMobile: ((setup: MobileSetup) => Promise<void>) | undefined;
  /** The mobile modem, when the description names one (or none). */
  modem: Modem | undefined;
  /** Applies the time settings (NTP server, zone), with chrony. */
  applyTime: ((setup: TimeSetup) => Promise<void>) | undefined;
  /** Whether chrony says the time is valid; undefined without chrony. */
  timeValid: (() => boolean) | undefined;
  #timeTimer: ReturnType<typeof setInterval> | undefined;

  #flashing: { connector: number; hex: string; avrdude: string }[] = [];

  /** Whether a board can be flashed (a RAPI controller). */
  get flashable(): boolean {
    return this.#rapi.length > 0;
  }

  /**
   * Flashes every RAPI board with its firmware file through avrdude, one after the other:
   * the line is given up, flashed and verified, and taken back (the supervision armed again).
   * Resolves with the new firmware versions.
   */
  async flashControllers(onProgress: (percent: number) => void): Promise<string[]> {
    const versions: string[] = [];
    const n = this.#rapi.length;
    for (const [i, c] of this.#rapi.entries()) {
      const cfg = this.#flashing.find((f) => f.connector === c.connectorId)!;
      await c.suspend();
      try {
        await flashBoard(
          { path: c.path, hex: cfg.hex, bin: cfg.avrdude },
          (p) => onProgress(Math.round((i * 100 + p) / n)),
        );
      } finally {
        await c.resume();
      }
      versions.push(c.info().firmwareVersion);
    }
    return versions;
  }

  /** Asks chrony every 30 s whether the clock is synchronised. */
  startTimeWatch(run: Runner): void {
    let valid = false;
    const check = () =>
      void chronyTracking(run).then((t) => valid = t.synchronised, () => valid = false);
    check();
    this.#timeTimer = setInterval(check, 30_000);
    this.timeValid = () => valid;
  }
  /** The RTU buses by name (their counters for the status and benchmarks). */
  readonly buses: Map<string, RtuBus>;
  #rtuMeters: RtuMeter[];

  #rapi: RapiController[];
  #reader: (TokenReader & AsyncDisposable) | undefined;
  #leds: TimedLeds | undefined;

  private constructor(
    sim: SimulatedHardware,
    controllers: Hardware["controllers"],
    meters: Meter[],
    buses: Map<string, RtuBus>,
    rtu: RtuMeter[],
    rapi: RapiController[],
    real: { reader: (TokenReader & AsyncDisposable) | undefined; leds: TimedLeds | undefined },
  ) {
    this.sim = sim;
    this.controllers = controllers;
    this.#rapi = rapi;
    this.#reader = real.reader;
    this.#leds = real.leds;
    this.reader = real.reader ?? sim.reader;
    this.display = sim.display;
    this.leds = real.leds ?? sim.leds;
    this.clock = sim.clock;
    this.meters = meters;
    this.buses = buses;
    this.#rtuMeters = rtu;
  }

  /** Builds the parts and polls every RTU meter once before the station starts. */
  static async build(
    d: DeviceDescription,
    o: { clock: Clock; initialEnergyWh?: readonly number[] },
  ): Promise<DeviceHardware> {
    const sim = new SimulatedHardware({
      connectors: d.connectors,
      clock: o.clock,
      ...(o.initialEnergyWh ? { initialEnergyWh: o.initialEnergyWh } : {}),
    });
    const buses = new Map<string, RtuBus>();
    for (const [name, b] of Object.entries(d.buses)) {
      buses.set(name, new RtuBus({ ...b, path: b.path }));
    }
    const rtu: RtuMeter[] = [];
    const meters = sim.meters.map((simMeter): Meter => {
      const entry = d.meters.find((m) => m.connector === simMeter.connectorId);
      if (entry?.driver !== "modbus-rtu") return simMeter;
      const meter = new RtuMeter({
        bus: buses.get(entry.bus)!,
        unit: entry.unit,
        map: METER_MAPS[entry.model],
        connectorId: entry.connector,
        pollMs: entry.pollMs,
        nowMs: () => o.clock.nowMs(),
        ...(o.initialEnergyWh?.[entry.connector - 1] !== undefined
          ? { lastEnergyWh: o.initialEnergyWh[entry.connector - 1]! }
          : {}),
      });
      rtu.push(meter);
      return meter;
    });
    await Promise.all(rtu.map((m) => m.start()));
    const rapi: RapiController[] = [];
    try {
      for (const c of d.controllers) {
        if (c.driver !== "rapi") continue;
        rapi.push(
          await RapiController.open({
            path: c.path,
            connectorId: c.connector,
            baudRate: c.baudRate,
            parity: "none",
            stopBits: 1,
            heartbeatS: c.heartbeatS,
          }),
        );
      }
    } catch (e) {
      for (const c of rapi) await c[Symbol.asyncDispose]();
      for (const m of rtu) await m[Symbol.asyncDispose]();
      for (const b of buses.values()) await b[Symbol.asyncDispose]();
      throw e;
    }
    const controllers = sim.controllers.map((s) =>
      rapi.find((c) => c.connectorId === s.connectorId) ?? s
    );
    const reader = d.reader.driver === "evdev"
      ? new EvdevReader({ path: d.reader.path })
      : d.reader.driver === "pn532"
      ? startedPn532(d.reader.path)
      : undefined;
    const leds = d.leds.driver === "sysfs"
      ? new SysfsLeds({ root: d.leds.root, points: d.leds.points })
      : d.leds.driver === "gpio"
      ? new GpioLeds({ points: d.leds.points, run: systemRunner })
      : undefined;
    const device = new DeviceHardware(sim, controllers, meters, buses, rtu, rapi, { reader, leds });
    for (const c of d.controllers) {
      if (c.driver === "rapi") {
        device.#flashing.push({ connector: c.connector, hex: c.firmware, avrdude: c.avrdude });
      }
    }
    if (d.simulator) device.board = new BoardSimControl(d.simulator.url, device);
    if (d.vendorAccess.driver === "systemd") {
      const units = d.vendorAccess.units;
      device.vendorAccess = (enabled) => setVendorAccess(enabled, systemRunner, units);
    }
    if (d.modem.driver === "mmcli") {
      device.modem = new MmcliModem(systemRunner);
      device.setUpMobile = (setup) => setUpMobile(systemRunner, setup).then(() => {});
    }
    if (d.modem.driver === "none") device.modem = new SimModem({ present: false });
    if (d.time.driver === "chrony") {
      device.startTimeWatch(systemRunner);
      device.applyTime = (setup) => applyTime(setup, systemRunner);
    }
    if (d.network.driver === "networkd") {
      device.network = new NetworkdConfig({
        iface: d.network.iface,
        dir: d.network.dir,
        run: systemRunner,
      });
    }
    return device;
  }

  onStationFault(listener: (code: string, active: boolean) => void): Unsubscribe {
    return this.sim.onStationFault(listener);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    clearInterval(this.#timeTimer);
    await this.#reader?.[Symbol.asyncDispose]();
    this.#leds?.[Symbol.dispose]();
    for (const c of this.#rapi) await c[Symbol.asyncDispose]();
    for (const m of this.#rtuMeters) await m[Symbol.asyncDispose]();
    for (const b of this.buses.values()) await b[Symbol.asyncDispose]();
    await this.sim[Symbol.asyncDispose]();
  }
}
