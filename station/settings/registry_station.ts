/**
 * Settings of the station itself: power, authorization, OCPP connection, time, display,
 * vendor keys of the manual's section 3.3, Modbus, cluster and network.
 * @module
 */
import * as z from "zod";
import { isTimeZone } from "../time_zone.ts";
import { setting } from "./define.ts";

const noBlanks = (what: string) =>
  z.string().refine((v) => v === v.trim(), {
    message: `${what} must not start or end with blanks`,
  });

const idTag = () => z.string().min(1).max(20);

const validTimeZone = () => z.string().refine(isTimeZone, { message: "Unknown time zone" });

/** The level-1 cap of M-1.6.3: 32 000 mA with one charge point, 63 000 mA with two. */
export function stationCapMa(connectors: 1 | 2): number {
  return connectors === 1 ? 32_000 : 63_000;
}

export const STATION_SETTINGS = {
  "power.stationMaxCurrentMa": setting(
    () => z.number().int().min(6_000).max(63_000),
    (f) => stationCapMa(f.connectors),
    {
      unit: "mA",
      access: "rw",
      restart: false,
      ocppKey: "/power/station/mainsMaxCurrent",
      check: (v, f) =>
        v > stationCapMa(f.connectors)
          ? `At most ${stationCapMa(f.connectors)} mA with ${f.connectors} charge point(s)`
          : undefined,
      description: "Connection current of the station (level 1); one session gets all of it, " +
        "two share it",
    },
  ),
  "auth.identification": setting(() => z.enum(["anyCard", "none", "validCard"]), "validCard", {
    access: "rw",
    restart: false,
    // The manual's plug-and-charge switch is this mode seen as a boolean.
    ocppKey: "/hw/auth/device/Dummy/enabled",
    ocppCodec: {
      encode: (v) => String(v === "none"),
      decode: (s) => s === "true" ? "none" : s === "false" ? "validCard" : s,
    },
    description: "Identification: any card, none (dummy id, plug and charge), valid card",
  }),
  "auth.dummyIdTag": setting(idTag, "FREECHARGE", {
    access: "rw",
    restart: false,
    ocppKey: "/hw/auth/device/Dummy/id/value",
    description: "Id tag used for every session in plug and charge mode",
  }),
  "auth.dummyAllowStop": setting(() => z.boolean(), false, {
    access: "rw",
    restart: false,
    ocppKey: "/hw/auth/device/Dummy/allowStop",
    description: "In plug and charge mode any card may stop a session",
  }),
  "auth.masterKey": setting(idTag, (f) => f.masterKey, {
    access: "rw",
    restart: false,
    description: "UID of the factory master card; starts sessions without a backend",
  }),
  "auth.allowOfflineTxForUnknownId": setting(() => z.boolean(), false, {
    access: "rw",
    restart: false,
    ocppKey: "AllowOfflineTxForUnknownId",
    description: "Start sessions offline for ids the station does not know",
  }),
  "auth.authorizationCacheEnabled": setting(() => z.boolean(), true, {
    access: "rw",
    restart: false,
    ocppKey: "AuthorizationCacheEnabled",
    description: "Remember ids the backend accepted",
  }),
  "auth.localAuthListEnabled": setting(() => z.boolean(), true, {
    access: "rw",
    restart: false,
    ocppKey: "LocalAuthListEnabled",
    description: "Use the local authorization list (the whitelist)",
  }),
  "auth.localAuthListMaxLength": setting(() => z.number().int(), 1000, {
    access: "r",
    restart: false,
    ocppKey: "LocalAuthListMaxLength",
    description: "Maximum entries of the local authorization list",
  }),
  "auth.sendLocalListMaxLength": setting(() => z.number().int(), 1000, {
    access: "r",
    restart: false,
    ocppKey: "SendLocalListMaxLength",
    description: "Maximum entries of one SendLocalList",
  }),
  "auth.localAuthorizeOffline": setting(() => z.boolean(), true, {
    access: "rw",
    restart: false,
    ocppKey: "LocalAuthorizeOffline",
    description: "Authorize from the local list and cache while offline",
  }),
  "auth.localPreAuthorize": setting(() => z.boolean(), false, {
    access: "rw",
    restart: false,
    ocppKey: "LocalPreAuthorize",
    description: "Start at once for locally known ids, without waiting for the backend",
  }),
  "auth.preAuthorize": setting(() => z.enum(["", "giro-e"]), "", {
    access: "rw",
    restart: false,
    ocppKey: "PreAuthorize",
    description: "Pre-authorization method (giro-e or empty)",
  }),
  "auth.giroEStaticToken": setting(() => z.string().max(100), "", {
    access: "rw",
    restart: false,
    secret: true,
    ocppKey: "GiroEStaticToken",
    description: "Static token for giro-e",
  }),
  "ocpp.url": setting(
    () =>
      noBlanks("The backend URL").refine((v) => v === "" || /^wss?:\/\/[^\s]+$/.test(v), {
        message: "Must be a ws:// or wss:// URL",
      }),
    "",
    {
      access: "rw",
      restart: false,
      description: "OCPP-J 1.6 backend URL; empty: no backend",
    },
  ),
  "ocpp.chargeBoxIdTemplate": setting(
    () =>
      noBlanks("The template").pipe(z.string().min(1).max(48)).refine(
        (v) => /^[A-Za-z0-9_.\-{}]+$/.test(v),
        { message: "Only letters, digits, '-', '_', '.' and {serial}" },
      ),
    "TE{serial}",
    {
      access: "rw",
      restart: false,
      description: "Template of the charge box id reported to the backend; {serial} is replaced",
    },
  ),
  "ocpp.authorizationKey": setting(
    () => noBlanks("The authorization key").pipe(z.string().max(64)),
    "",
    {
      access: "w",
      restart: false,
      secret: true,
      ocppKey: "AuthorizationKey",
      description: "HTTP basic auth password at the backend (security profile 1 and 2)",
    },
  ),
  "update.keyringPath": setting(() => z.string().trim().max(500), "", {
    access: "rw",
    restart: false,
    description: "PEM file with the certificates update bundles must be signed by (one or " +
      "more, to rotate keys); empty: uploads are stored, not verified",
  }),
  "ocpp.caCertificatePem": setting(() => z.string().max(20_000), "", {
    access: "rw",
    restart: false,
    description: "CA certificate (PEM) trusted for wss:// backends",
  }),
  "time.source": setting(() => z.enum(["NTP", "Heartbeat", "Browser"]), "NTP", {
    access: "rw",
    restart: false,
    ocppKey: "TimeSource",
    description: "Where the station takes its time from",
  }),
  "time.ntpServer": setting(
    () => noBlanks("The NTP server").pipe(z.string().max(253)),
    "pool.ntp.org",
    {
      access: "rw",
      restart: false,
      description: "NTP server",
    },
  ),
  "time.zone": setting(validTimeZone, "Europe/Berlin", {
    access: "rw",
    restart: false,
    ocppKey: "TimeZone",
    description: "IANA time zone of the site",
  }),
  "meter.storeIntervalS": setting(() => z.number().int().min(1).max(3_600), 10, {
    unit: "s",
    access: "rw",
    restart: false,
    description: "How often meter readings are stored; a power loss loses at most this much",
  }),
  "display.branding": setting(() => z.enum(["neutral", "operator", "vendor"]), "vendor", {
    access: "rw",
    restart: false,
    check: (v) => v === "operator" ? "Operator branding is not available yet" : undefined,
    description: "Logo on the display",
  }),
  "display.cp1.evseId": setting(() => z.string().max(48), "", {
    access: "rw",
    restart: false,
    ocppKey: "/hw/connectors/1/evseId",
    description: "EVSE id shown on the display for charge point 1",
  }),
  "display.cp2.evseId": setting(() => z.string().max(48), "", {
    access: "rw",
    restart: false,
    ocppKey: "/hw/connectors/2/evseId",
    description: "EVSE id shown on the display for charge point 2",
  }),
  "display.cp1.evseLabel": setting(() => z.string().max(16), "1", {
    access: "rw",
    restart: false,
    ocppKey: "/hw/connectors/1/evseLabel",
    description: "Charge point label shown on the display (for payment terminals)",
  }),
  "display.cp2.evseLabel": setting(() => z.string().max(16), "2", {
    access: "rw",
    restart: false,
    ocppKey: "/hw/connectors/2/evseLabel",
    description: "Charge point label shown on the display (for payment terminals)",
  }),
  "display.supportPhone": setting(() => z.string().max(32), "", {
    access: "rw",
    restart: false,
    ocppKey: "/Gui/Operator/Contact/phone",
    description: "Support hotline shown on the display",
  }),
  "display.cp1.adhocPrice": setting(() => z.string().max(500), "", {
    access: "rw",
    restart: false,
    ocppKey: "/Price/1/adhoc",
    description: "Ad-hoc price text and QR code for charge point 1",
  }),
  "display.cp2.adhocPrice": setting(() => z.string().max(500), "", {
    access: "rw",
    restart: false,
    ocppKey: "/Price/2/adhoc",
    description: "Ad-hoc price text and QR code for charge point 2",
  }),
  "product.activationCode": setting(() => z.string().max(200), "", {
    access: "w",
    restart: false,
    secret: true,
    ocppKey: "/Product/ActivationCode",
    description: "Product activation code",
  }),
  "security.remoteVendorAccess": setting(() => z.boolean(), false, {
    access: "rw",
    restart: false,
    ocppKey: "/Security/enableRemoteVendorAccess",
    description: "Vendor OS access (ssh/openvpn); a security risk",
  }),
  "webui.ownerPasswordHash": setting(() => z.string(), "", {
    access: "r",
    restart: false,
    secret: true,
    description: "Hash of the owner account's password; empty: no owner account",
  }),
  "power.ownerMaxCurrentMa": setting(
    () => z.number().int().min(6_000).max(63_000),
    (f) => stationCapMa(f.connectors),
    {
      unit: "mA",
      access: "rw",
      restart: false,
      check: (v, f) =>
        v > stationCapMa(f.connectors)
          ? `At most ${stationCapMa(f.connectors)} mA with ${f.connectors} charge point(s)`
          : undefined,
      description: "Highest charging current the owner account may set (installer only)",
    },
  ),
  "webui.passwordHash": setting(() => z.string(), "", {
    access: "w",
    restart: false,
    secret: true,
    description: "Hash of the admin password; empty: the initial password applies",
  }),
} as const;
