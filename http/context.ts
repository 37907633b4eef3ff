/**
 * What the routes of the HTTP app share: the dependencies given to `createApp` and the
 * services built from them once.
 * @module
 */
import type { AdjustableClock } from "../drivers/clock.ts";
import type { Clock, Modem, NetworkConfig } from "../drivers/ports.ts";
import type {
  LoginThrottle,
  PasswordContext,
  WebSession,
  WebSessions,
} from "../station/auth/mod.ts";
import type { Station } from "../station/runtime.ts";
import type { Updates } from "../station/update/mod.ts";
import type { StationInfo } from "../station/snapshot.ts";
import type { PowerHistory } from "./power_history.ts";
import type { SimControl } from "./sim_routes.ts";
import type { StatusHub } from "./status_hub.ts";

/** What the HTTP app needs. */
export interface AppDeps {
  station: Station;
  info: StationInfo;
  /** The lifetime's signal: ends event streams and timers of the app. */
  signal: AbortSignal;
  /** The data directory: updates go to `updates/`, logs are read from `logs/`. */
  dataDir: string;
  /** The simulator's control surface; the `/api/sim` routes exist only when given. */
  sim?: SimControl;
  /** Lifecycle requests from the admin menu: the station restarts in-process. */
  control?: { restart(kind: "daemon" | "system"): void };
  /** The cluster adapter: forgets a member gone for good (master and standby). */
  cluster?: { forget(member: string): "forgotten" | "unknown" | "online" | "notMaster" };
  /** The update service (A/B installs); without it uploads are only stored. */
  updates?: Updates;
  /** Label password of stations from 08/2025 (`--factory-password`). */
  factoryPassword?: string | undefined;
  /** Time of web sessions and login throttling. @default a monotonic wall clock */
  clock?: Clock;
  /** The station clock a browser time sync sets; without it the sync is refused. */
  timeSync?: Pick<AdjustableClock, "nowMs" | "setTimeMs" | "offsetMs" | "setAtMs">;
  /** The WAN interface. @default a simulated one following the settings */
  network?: NetworkConfig;
  /** The mobile modem. @default a simulated one */
  modem?: Modem;
  /** Whether the station's time is valid (NTP synchronised); by default known from the sync. */
  timeValid?: () => boolean;
  /** Web sessions; pass one to keep sessions across app instances. */
  sessions?: WebSessions;
  /** Folder of the built web interface. @default `ui/dist/` of this repository */
  uiDir?: string;
  /** Simulated duration of a controller flash. @default 3000 */
  flashDelayMs?: number;
  /** Flashes the real charge controllers (avrdude); without it the flash is simulated. */
  flashControllers?: (onProgress: (percent: number) => void) => Promise<string[]>;
  /** Largest update upload. @default 1 GiB */
  maxUploadBytes?: number;
  /** Space kept free for the database on the data partition. @default DATA_RESERVE_BYTES */
  dataReserveBytes?: number;
  /** Delay between the 202 answer and a requested restart. @default 100 */
  restartDelayMs?: number;
  /** How long a network change waits for its confirmation. @default 60000 */
  networkConfirmMs?: number;
  /** Interval of the status event when nothing changes. @default 10000 */
  eventKeepAliveMs?: number;
}

/** The Hono environment: the session found by the guard, the connection info as bindings. */
export type AppEnv = {
  Variables: { session: WebSession | undefined };
  Bindings: { remoteAddr?: { hostname?: string } } | undefined;
};

/** Services shared by the routes. */
export interface AppContext {
  deps: AppDeps;
  station: Station;
  clock: Clock;
  sessions: WebSessions;
  throttle: LoginThrottle;
  password: PasswordContext;
  network: NetworkConfig;
  modem: Modem;
  history: PowerHistory;
  hub: StatusHub;
  /** The JSON of `GET /api/status`. */
  status(): Record<string, unknown>;
}

/** A clock that never jumps back: wall time at start plus the monotonic time since. */
export const monotonicClock: Clock = Object.freeze({
  nowMs: () => Math.round(performance.timeOrigin + performance.now()),
});
