/**
 * Hardware ports: what the station core needs from the hardware. Simulated and real drivers
 * implement these; nothing here knows about simulation.
 * @module
 */

/** Control pilot state after IEC 61851-1: A no vehicle, B connected, C charging, E/F error. */
export type PilotState = "A" | "B" | "C" | "E" | "F";

/** Unsubscribes a listener. */
export type Unsubscribe = () => void;

/** A charge controller drives one charge point: pilot PWM, contactor and cable lock. */
export interface ChargeController {
  /** The charge point this controller drives (1 or 2). */
  readonly connectorId: number;
  /** The pilot state as measured now. */
  pilot(): PilotState;
  /** Calls `listener` whenever the pilot state changes. */
  onPilot(listener: (pilot: PilotState) => void): Unsubscribe;
  /** Calls `listener` when the controller raises or clears a fault code of the M-4 table. */
  onFault(listener: (code: string, active: boolean) => void): Unsubscribe;
  /** Sets the current offered to the vehicle by PWM duty cycle; 0 switches PWM off. */
  setOfferedCurrent(currentMa: number): void;
  /** Closes or opens the contactor. */
  setContactor(closed: boolean): void;
  /** Locks or unlocks the cable in the socket. */
  setLock(locked: boolean): void;
  /** Whether the lock feedback says locked now; undefined: no cable lock (a fixed cable). */
  lockState(): boolean | undefined;
  /** Static information about the controller. */
  info(): ControllerInfo;
  /**
   * What the controller kept running while the station program was away (read once when the
   * station starts): `charging` or `connected` when it never rebooted and never stopped on its
   * own supervision timeout, so an interrupted session goes on; undefined otherwise.
   */
  kept?(): "charging" | "connected" | undefined;
  /**
   * The station program lets go of the controller for a restart of its own (a daemon restart)
   * and leaves the running session to it: what runs now is what `kept()` tells the next start.
   */
  handOver?(): void;
}

/** Static information about a charge controller. */
export interface ControllerInfo {
  model: string;
  firmwareVersion: string;
  serial: string;
  /** Hardware maximum current of the point. @default 32000 */
  maxCurrentMa: number;
}

/** One phase of a meter reading. */
export interface PhaseReading {
  voltageV: number;
  currentA: number;
  powerW: number;
  /** Power factor 0..1. */
  powerFactor: number;
}

/** One reading of an energy meter. */
export interface MeterReading {
  /** Cumulative imported energy, the register a calibrated meter shows. */
  energyWh: number;
  /** Total active power now. */
  powerW: number;
  phases: [PhaseReading, PhaseReading, PhaseReading];
  atMs: number;
}

/** An energy meter of one charge point. */
export interface Meter {
  readonly connectorId: number;
  /** Reads the meter; real meters answer over a bus, hence async. */
  read(): Promise<MeterReading>;
  info(): { model: string; serial: string };
  /** A meter on a bus tells when it stops answering (PowerMeterFailure) and answers again. */
  onFault?(listener: (code: string, active: boolean) => void): Unsubscribe;
}

/** An RFID reader: reports the UID of every card presented. */
export interface TokenReader {
  onToken(listener: (idTag: string) => void): Unsubscribe;
  /** A real reader tells when it is missing (ReaderFailure) and back. */
  onFault?(listener: (code: string, active: boolean) => void): Unsubscribe;
}

/** The station's display. */
export interface Display {
  show(lines: readonly string[]): void;
}

/** LED pattern of a charge point: a colour and, for faults, a blink count. */
export interface LedPattern {
  color: "off" | "green" | "blue" | "yellow" | "red";
  mode: "steady" | "pulse" | "blink";
  /** Number of blinks per cycle for fault codes (M-4). */
  blinks?: number;
}

/** The LEDs of the station, one set per charge point. */
export interface Leds {
  set(connectorId: number, pattern: LedPattern): void;
}

/** The real-time clock. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

/** Everything the station needs from its hardware. */
export interface Hardware extends AsyncDisposable {
  controllers: ChargeController[];
  meters: Meter[];
  reader: TokenReader;
  display: Display;
  leds: Leds;
  clock: Clock;
  /** Raised and cleared station-wide faults (connector 0), e.g. reader or supply faults. */
  onStationFault(listener: (code: string, active: boolean) => void): Unsubscribe;
}

/** How one IP family of the WAN interface is set up (M-1.4.1). */
export interface IpSetup {
  /** `dhcp` (automatic), `manual` (static) or, IPv4 only, `shared` (the station is the DHCP
   * server of the LAN). */
  mode: "dhcp" | "manual" | "shared";
  /** Address; empty in `dhcp` mode. */
  address: string;
  /** Prefix length (IPv4 24 = 255.255.255.0). */
  prefix: number;
  gateway: string;
  dns: string;
  /** Leases handed out in `shared` mode. */
  dhcpRangeStart?: string;
  dhcpRangeEnd?: string;
}

/** The WAN set-up as saved: both families and the default-gateway switch. */
export interface NetworkSetup {
  ipv4: IpSetup;
  ipv6: IpSetup;
  /** Never use the WAN as default gateway (OCPP goes over mobile). */
  neverDefaultGateway: boolean;
}

/** What the interface really runs with: in `dhcp` mode the lease, otherwise the set-up. */
export interface AppliedIp {
  mode: IpSetup["mode"];
  /** Whether the interface has an address now. */
  up: boolean;
  address: string;
  prefix: number;
  gateway: string;
  dns: string;
}

/** The network configuration of the WAN interface. */
export interface NetworkConfig {
  /** Applies a saved set-up; resolves once the interface runs with it. */
  apply(setup: NetworkSetup): Promise<void>;
  /** What the interface runs with now. */
  applied(): { ipv4: AppliedIp; ipv6: AppliedIp; neverDefaultGateway: boolean };
}

/** State of the SIM card. */
export type SimState = "ready" | "missing" | "pinRequired" | "pukRequired" | "unknown";

/** The mobile modem (M-1.4.2); read-only facts, `present: false` on stations without one. */
export interface ModemInfo {
  present: boolean;
  model: string;
  imei: string;
  /** ICCID of the SIM, reported in BootNotification. */
  iccid: string;
  /** IMSI of the SIM, reported in BootNotification. */
  imsi: string;
  operator: string;
  /** Signal strength 0..100, null when unknown. */
  signalPercent: number | null;
  simState: SimState;
}

/** The mobile modem. */
export interface Modem {
  /** Reads the modem's facts (a real modem answers AT commands, hence async). */
  info(): Promise<ModemInfo>;
}
