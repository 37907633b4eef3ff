/**
 * The Reservation and FirmwareManagement profiles in one place for `startOcpp()`: ReserveNow
 * and CancelReservation, UpdateFirmware, GetDiagnostics and the last statuses TriggerMessage
 * reports.
 * @module
 */
import type { Station } from "../runtime.ts";
import type { StationInfo } from "../snapshot.ts";
import { DiagnosticsUploader } from "./diagnostics.ts";
import { type FirmwareDeps, FirmwareUpdater } from "./firmware.ts";
import { endReservationsOfUnusablePoints, registerReservationHandlers } from "./reservations.ts";
import type { OcppConnection } from "./rpc.ts";
import type { Notifier } from "./status_report.ts";

/** What the profiles need. */
export interface ManagementDeps {
  station: Station;
  client: Notifier;
  info: StationInfo;
  /** Data directory; without it UpdateFirmware and GetDiagnostics are not offered. */
  dataDir?: string;
  /** The station's update path for UpdateFirmware; without it nothing is installed. */
  firmware?: Pick<FirmwareDeps, "install" | "outcome">;
  /** Facts for the diagnostics archive's `system.json`. */
  system?: () => Record<string, unknown>;
}

/** The running profiles. */
export interface Management extends AsyncDisposable {
  /** Registers the handlers on a fresh connection. */
  register(conn: OcppConnection): void;
  /** Last FirmwareStatusNotification status, Idle if none. */
  firmwareStatus(): string;
  /** Last DiagnosticsStatusNotification status, Idle if none. */
  diagnosticsStatus(): string;
}

/** Starts the profiles: resumes a firmware update a restart interrupted. */
export function startManagement(deps: ManagementDeps): Management {
  const { station, client, dataDir } = deps;
  const unwatch = endReservationsOfUnusablePoints(station);
  const firmware = dataDir
    ? new FirmwareUpdater({ station, client, dataDir, ...deps.firmware })
    : undefined;
  const diagnostics = dataDir
    ? new DiagnosticsUploader({
      station,
      client,
      dataDir,
      serial: deps.info.serial,
      system: () => ({
        vendor: deps.info.vendor,
        model: deps.info.model,
        firmwareVersion: deps.info.firmwareVersion,
        hardware: deps.info.hardware,
        uptimeS: Math.floor((station.hardware.clock.nowMs() - station.startedAtMs) / 1000),
        ...deps.system?.(),
      }),
    })
    : undefined;
  return {
    register(conn) {
      registerReservationHandlers(conn, station);
      firmware?.register(conn);
      diagnostics?.register(conn);
    },
    firmwareStatus: () => firmware?.lastStatus() ?? "Idle",
    diagnosticsStatus: () => diagnostics?.lastStatus() ?? "Idle",
    async [Symbol.asyncDispose]() {
      unwatch();
      await firmware?.[Symbol.asyncDispose]();
      await diagnostics?.[Symbol.asyncDispose]();
    },
  };
}
