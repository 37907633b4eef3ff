/**
 * Settings exposed as the standard OCPP 1.6 configuration keys (manual section 3.3).
 * Fixed capabilities are read-only settings so GetConfiguration reads them like any other.
 * @module
 */
import * as z from "zod";
import { setting } from "./define.ts";

const intS = (min: number, max: number) => z.number().int().min(min).max(max);

/** Measurands this station can sample (M-3). */
export const MEASURANDS = [
  "Energy.Active.Import.Register",
  "Power.Active.Import",
  "Power.Offered",
  "Current.Offered",
  "Current.Import",
  "Voltage",
] as const;

const measurandList = (max: number) =>
  z.string().trim().refine((v) =>
    v === "" ||
    v.split(",").every((m) => (MEASURANDS as readonly string[]).includes(m.trim())), {
    message: `Must be a comma-separated list of: ${MEASURANDS.join(", ")}`,
  }).refine((v) => v === "" || v.split(",").length <= max, {
    message: `At most ${max} measurands`,
  });

/** Measurands per list, the `...MaxLength` keys. */
export const MEASURAND_LIST_MAX = 6;

export const OCPP_SETTINGS = {
  "ocpp.heartbeatIntervalS": setting(() => intS(0, 86_400), 180, {
    unit: "s",
    access: "rw",
    restart: false,
    ocppKey: "HeartbeatInterval",
    description: "Interval of Heartbeat messages; 0 disables them",
  }),
  "ocpp.webSocketPingIntervalS": setting(() => intS(0, 3_600), 30, {
    unit: "s",
    access: "rw",
    restart: false,
    ocppKey: "WebSocketPingInterval",
    description: "Interval of WebSocket pings; 0 disables them",
  }),
  "ocpp.connectionTimeoutS": setting(() => intS(10, 600), 60, {
    unit: "s",
    access: "rw",
    restart: false,
    ocppKey: "ConnectionTimeOut",
    description: "Time to plug in after an accepted card before the authorization lapses",
  }),
  "ocpp.meterValueSampleIntervalS": setting(() => intS(0, 86_400), 60, {
    unit: "s",
    access: "rw",
    restart: false,
    ocppKey: "MeterValueSampleInterval",
    description: "Interval of sampled MeterValues during a transaction; 0 disables them",
  }),
  "ocpp.clockAlignedDataIntervalS": setting(() => intS(0, 86_400), 900, {
    unit: "s",
    access: "rw",
    restart: false,
    ocppKey: "ClockAlignedDataInterval",
    description: "Interval of clock-aligned MeterValues; 0 disables them",
  }),
  "ocpp.meterValuesSampledData": setting(
    () => measurandList(MEASURAND_LIST_MAX),
    "Energy.Active.Import.Register,Power.Active.Import,Current.Offered,Current.Import",
    {
      access: "rw",
      restart: false,
      ocppKey: "MeterValuesSampledData",
      description: "Measurands of sampled MeterValues",
    },
  ),
  "ocpp.meterValuesAlignedData": setting(
    () => measurandList(MEASURAND_LIST_MAX),
    "Energy.Active.Import.Register",
    {
      access: "rw",
      restart: false,
      ocppKey: "MeterValuesAlignedData",
      description: "Measurands of clock-aligned MeterValues",
    },
  ),
  "ocpp.stopTxnSampledData": setting(() => measurandList(MEASURAND_LIST_MAX), "", {
    access: "rw",
    restart: false,
    ocppKey: "StopTxnSampledData",
    description: "Sampled measurands in StopTransaction transactionData",
  }),
  "ocpp.stopTxnAlignedData": setting(() => measurandList(MEASURAND_LIST_MAX), "", {
    access: "rw",
    restart: false,
    ocppKey: "StopTxnAlignedData",
    description: "Clock-aligned measurands in StopTransaction transactionData",
  }),
  "ocpp.meterValuesSampledDataMaxLength": setting(() => z.number().int(), MEASURAND_LIST_MAX, {
    access: "r",
    restart: false,
    ocppKey: "MeterValuesSampledDataMaxLength",
    description: "Maximum number of sampled measurands",
  }),
  "ocpp.meterValuesAlignedDataMaxLength": setting(() => z.number().int(), MEASURAND_LIST_MAX, {
    access: "r",
    restart: false,
    ocppKey: "MeterValuesAlignedDataMaxLength",
    description: "Maximum number of aligned measurands",
  }),
  "ocpp.stopTxnSampledDataMaxLength": setting(() => z.number().int(), MEASURAND_LIST_MAX, {
    access: "r",
    restart: false,
    ocppKey: "StopTxnSampledDataMaxLength",
    description: "Maximum number of StopTransaction sampled measurands",
  }),
  "ocpp.stopTxnAlignedDataMaxLength": setting(() => z.number().int(), MEASURAND_LIST_MAX, {
    access: "r",
    restart: false,
    ocppKey: "StopTxnAlignedDataMaxLength",
    description: "Maximum number of StopTransaction aligned measurands",
  }),
  "ocpp.stopTransactionOnEVSideDisconnect": setting(() => z.literal(true), true, {
    access: "rw",
    restart: false,
    ocppKey: "StopTransactionOnEVSideDisconnect",
    description: "Stop the transaction when the vehicle unplugs; only true (calibration law)",
  }),
  "ocpp.unlockConnectorOnEVSideDisconnect": setting(() => z.literal(true), true, {
    access: "rw",
    restart: false,
    ocppKey: "UnlockConnectorOnEVSideDisconnect",
    description: "Unlock the cable when the vehicle unplugs; only true",
  }),
  "ocpp.stopTransactionOnInvalidId": setting(() => z.boolean(), true, {
    access: "rw",
    restart: false,
    ocppKey: "StopTransactionOnInvalidId",
    description: "Stop a running transaction whose id the backend reports invalid",
  }),
  "ocpp.stopTxOnReset": setting(() => z.boolean(), true, {
    access: "rw",
    restart: false,
    ocppKey: "StopTxOnReset",
    ocppAliases: ["/ocpp/stopTransactionsOnReset"],
    description: "Stop running transactions on an OCPP Reset; false: a soft reset waits until " +
      "they end",
  }),
  "ocpp.transactionMessageAttempts": setting(() => intS(0, 100), 3, {
    access: "rw",
    restart: false,
    ocppKey: "TransactionMessageAttempts",
    description: "Stored but ignored: transaction messages are retried until delivered " +
      "(calibration law)",
  }),
  "ocpp.transactionMessageRetryIntervalS": setting(() => intS(1, 3_600), 30, {
    unit: "s",
    access: "rw",
    restart: false,
    ocppKey: "TransactionMessageRetryInterval",
    description: "First wait before a failed transaction message is sent again; it grows",
  }),
  "ocpp.authorizeRemoteTxRequests": setting(() => z.boolean(), false, {
    access: "rw",
    restart: false,
    ocppKey: "AuthorizeRemoteTxRequests",
    description: "Authorize the id tag of a RemoteStartTransaction before starting",
  }),
  "ocpp.resetRetries": setting(() => intS(0, 10), 1, {
    access: "rw",
    restart: false,
    ocppKey: "ResetRetries",
    description: "Retries of a reset whose restart failed, 5 s doubling to 60 s apart",
  }),
  "ocpp.connectorPhaseRotation": setting(() => z.string().trim().max(100), "NotApplicable", {
    access: "rw",
    restart: false,
    ocppKey: "ConnectorPhaseRotation",
    description: "Phase rotation per connector",
  }),
  "ocpp.connectorPhaseRotationMaxLength": setting(() => z.number().int(), 3, {
    access: "r",
    restart: false,
    ocppKey: "ConnectorPhaseRotationMaxLength",
    description: "Maximum entries of ConnectorPhaseRotation",
  }),
  "ocpp.numberOfConnectors": setting(() => z.number().int(), (f) => f.connectors, {
    access: "r",
    restart: false,
    ocppKey: "NumberOfConnectors",
    description: "Number of charge points",
  }),
  "ocpp.supportedFeatureProfiles": setting(
    () => z.string(),
    "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger",
    {
      access: "r",
      restart: false,
      ocppKey: "SupportedFeatureProfiles",
      description: "OCPP feature profiles this station supports",
    },
  ),
  "ocpp.supportedFeatureProfilesMaxLength": setting(() => z.number().int(), 6, {
    access: "r",
    restart: false,
    ocppKey: "SupportedFeatureProfilesMaxLength",
    description: "Maximum entries of SupportedFeatureProfiles",
  }),
  "ocpp.supportedFileTransferProtocols": setting(() => z.string(), "HTTP,HTTPS", {
    access: "r",
    restart: false,
    ocppKey: "SupportedFileTransferProtocols",
    description: "Protocols for firmware download and diagnostics upload",
  }),
  "ocpp.getConfigurationMaxKeys": setting(() => z.number().int(), 200, {
    access: "r",
    restart: false,
    ocppKey: "GetConfigurationMaxKeys",
    description: "Maximum keys in one GetConfiguration request",
  }),
  "ocpp.reserveConnectorZeroSupported": setting(() => z.boolean(), true, {
    access: "r",
    restart: false,
    ocppKey: "ReserveConnectorZeroSupported",
    description: "Reservations of connector 0 are supported",
  }),
  "ocpp.connectorSwitch3to1PhaseSupported": setting(() => z.boolean(), false, {
    access: "r",
    restart: false,
    ocppKey: "ConnectorSwitch3to1PhaseSupported",
    description: "Switching between three and one phase during charging",
  }),
  "ocpp.chargeProfileMaxStackLevel": setting(() => z.number().int(), 10, {
    access: "r",
    restart: false,
    ocppKey: "ChargeProfileMaxStackLevel",
    description: "Highest stack level of a charging profile",
  }),
  "ocpp.chargingProfileStackPerConnector": setting(() => z.number().int(), 10, {
    access: "r",
    restart: false,
    ocppKey: "ChargingProfileStackPerConnector",
    description: "Stack levels per connector for TxProfiles",
  }),
  "ocpp.chargingScheduleAllowedChargingRateUnit": setting(() => z.string(), "Current,Power", {
    access: "r",
    restart: false,
    ocppKey: "ChargingScheduleAllowedChargingRateUnit",
    description: "Units a charging schedule may use",
  }),
  "ocpp.chargingScheduleMaxPeriods": setting(() => z.number().int(), 48, {
    access: "r",
    restart: false,
    ocppKey: "ChargingScheduleMaxPeriods",
    description: "Maximum periods of one charging schedule",
  }),
  "ocpp.maxChargingProfilesInstalled": setting(() => z.number().int(), 20, {
    access: "r",
    restart: false,
    ocppKey: "MaxChargingProfilesInstalled",
    description: "Maximum installed charging profiles",
  }),
} as const;
