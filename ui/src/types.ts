/**
 * Shapes of the HTTP API answers the web interface reads (http/API.md), kept on the browser
 * side: the UI imports nothing from the station's code.
 * @module
 */

/** One refused field of an error answer; `code` is optional (not every route sends one). */
export interface Issue {
  field: string;
  reason: string;
  code?: string;
  params?: Record<string, string | number>;
}

/** The per-session data of `POST /api/login` and `GET /api/session`. */
export interface SessionInfo {
  user: string;
  /** `installer` (the manual's admin) or `owner`. */
  role?: "installer" | "owner";
  csrfToken: string;
  expiresAt?: string;
}

/** The running session of one charge point. */
export interface ChargeSession {
  idTag: string;
  authSource?: string;
  startedAt: string;
  meterStartWh?: number;
  energyWh: number;
}

/** One charge point as `GET /api/status` shows it. */
export interface ConnectorStatus {
  id: number;
  status: string;
  errorCode: string;
  vendorErrorCode?: string | null;
  pilot?: string;
  offeredMa: number;
  offeredA: number;
  currentA: number;
  currentsA: number[];
  voltagesV: number[];
  powerW: number;
  energyWh: number;
  contactorClosed?: boolean;
  cableLocked?: boolean;
  faults: string[];
  session: ChargeSession | null;
}

/** The OCPP connection as the station's client reports it. */
export interface OcppStatus {
  configured: boolean;
  url: string;
  /** The URL dialled: `url` with the charge box id appended once. */
  dialledUrl: string;
  chargeBoxId: string;
  connected: boolean;
  registration: "none" | "Pending" | "Accepted" | "Rejected";
  connectedSince: string | null;
  lastMessageAt: string | null;
  reconnectAttempt: number;
  nextReconnectAt: string | null;
  queue: number;
  /** The transaction message the backend keeps refusing. */
  stuck: {
    kind: string;
    sessionId: number;
    attempts: number;
    lastError: string;
    nextAttemptAt: string;
  } | null;
}

/** `GET /api/status` and the `status` event of `GET /api/events`. */
export interface Status {
  serial: string;
  vendor: string;
  model: string;
  firmwareVersion: string;
  hardware: "sim" | "device";
  time: string;
  uptimeS: number;
  station: {
    status: string;
    errorCode: string;
    faults: string[];
    stationMaxCurrentMa: number;
  };
  connectors: ConnectorStatus[];
  ocpp?: OcppStatus | null;
  cluster?: ClusterStatus | null;
  update?: UpdateStatus | null;
}

/** `GET /api/status` → `update` (and `GET /api/software` → `update`). */
export interface UpdateStatus {
  phase: "idle" | "waiting" | "installing" | "rebooting" | "confirming";
  version: string | null;
  source: "web" | "ocpp" | null;
  percent: number | null;
  step: string | null;
  force: boolean;
  last: {
    outcome: "installed" | "rolledBack" | "failed";
    version: string;
    fromVersion: string;
    source: "web" | "ocpp";
    reason: string | null;
    atMs: number;
  } | null;
  booted: "A" | "B" | null;
  slots: {
    slot: "A" | "B";
    version: string | null;
    booted: boolean;
    primary: boolean;
    triesLeft: number;
    installedAtMs: number | null;
  }[];
  backend: "file" | "rauc";
}

/** `GET /api/status` → `cluster`. */
export interface ClusterStatus {
  enabled: boolean;
  role: "master" | "slave" | "standby";
  clusterId: string;
  broker: string;
  member: {
    member: string;
    connected: boolean;
    master: string | null;
    lease: {
      master: string;
      seq: number;
      expiresInMs: number;
      pointsMa: Record<string, number>;
    } | null;
    ignored: number;
    lastIgnored: string | null;
  } | null;
  master: {
    master: string;
    active: boolean;
    holdMs: number;
    limitMa: number;
    reservedMa: number[];
    alarms: { code: string; message: string }[];
    members: {
      member: string;
      online: boolean;
      reachable: boolean;
      lastSeenMsAgo: number | null;
      points: {
        id: number;
        active: boolean;
        phases: number[];
        drawMa: number;
        allocationMa: number;
        inForceMa: number;
        paused: boolean;
      }[];
    }[];
  } | null;
}

/** `GET /api/info`. */
export interface Info {
  serial: string;
  model: string;
  vendor: string;
  versions: { os?: string; app?: string; controllers?: unknown[] };
  chargeBoxId: string;
  uptimeS: number;
  addresses: { name: string; address: string; family?: string }[];
  time: string;
  timeSource: string;
  timeValid: boolean;
}

/** Facts about one setting from `GET /api/settings`. */
export interface SettingMeta {
  access: "r" | "w" | "rw";
  restart: boolean;
  unit?: string;
  secret?: boolean;
  set?: boolean;
}

/** `GET /api/settings`. */
export interface SettingsAnswer {
  values: Record<string, unknown>;
  meta: Record<string, SettingMeta>;
}

/** One whitelist entry as `GET /api/whitelist` sends it. */
export interface WhitelistEntry {
  uid: string;
  gid: string | null;
  expiry: string | null;
  /** "accepted" or "blocked"; an OCPP list may also send expired, invalid, concurrentTx. */
  authorization: string;
  deleted: boolean;
}

/** `POST /api/whitelist/import`. */
export interface ImportAnswer {
  entries: WhitelistEntry[];
  processedLines: number;
  errors: { line: number; reason: string; code?: string }[];
}

/** `GET /api/power-history`. */
export interface PowerHistory {
  stepS: number;
  connectors: { id: number; points: [number, number][] }[];
}
