import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { generate, GENERATED, ocpp16Schemas } from "./build.ts";
import { ocpp16Validator } from "./mod.ts";

interface Rpcish {
  rpcErrorCode?: string;
  message: string;
}

/** What a validator answers: ok, or the CALLERROR code and message it throws. */
function outcome(
  v: { validate(id: string, p: unknown): boolean },
  id: string,
  params: unknown,
): string {
  try {
    return v.validate(id, params) ? "ok" : "false";
  } catch (e) {
    const err = e as Rpcish;
    return `${err.rpcErrorCode ?? "?"}: ${err.message}`;
  }
}

/** ocpp-rpc's own OCPP 1.6 validator (ajv compiling the schemas at run time). */
function referenceValidator(): { validate(id: string, p: unknown): boolean } {
  const require = createRequire(import.meta.url);
  const { createValidator } = require("ocpp-rpc/lib/validator.js");
  return createValidator("ocpp1.6", ocpp16Schemas());
}

const astral = "\u{1F50C}"; // one code point, two UTF-16 units
const cases: [string, unknown][] = [
  ["urn:BootNotification.req", { chargePointVendor: "ladewerk", chargePointModel: "LW-22" }],
  ["urn:BootNotification.req", { chargePointVendor: "ladewerk" }],
  ["urn:BootNotification.req", { chargePointVendor: 5, chargePointModel: "x" }],
  ["urn:BootNotification.req", { chargePointVendor: "x".repeat(21), chargePointModel: "m" }],
  ["urn:BootNotification.req", { chargePointVendor: astral.repeat(20), chargePointModel: "m" }],
  ["urn:BootNotification.req", { chargePointVendor: astral.repeat(21), chargePointModel: "m" }],
  ["urn:BootNotification.req", { chargePointVendor: "v", chargePointModel: "m", extra: 1 }],
  ["urn:BootNotification.conf", {
    status: "Accepted",
    currentTime: "2026-12-04T10:00:00.000Z",
    interval: 300,
  }],
  ["urn:BootNotification.conf", { status: "Accepted", currentTime: "yesterday", interval: 300 }],
  ["urn:BootNotification.conf", {
    status: "Maybe",
    currentTime: "2026-12-04T10:00:00Z",
    interval: 1,
  }],
  ["urn:BootNotification.conf", { status: "Accepted", currentTime: "2026-12-04T10:00:00Z" }],
  ["urn:StartTransaction.req", {
    connectorId: 1,
    idTag: "04A2B3C4",
    meterStart: 0,
    timestamp: "2026-12-04T10:00:00Z",
  }],
  ["urn:StartTransaction.req", {
    connectorId: 1.5,
    idTag: "04A2B3C4",
    meterStart: 0,
    timestamp: "2026-12-04T10:00:00Z",
  }],
  ["urn:SetChargingProfile.req", {
    connectorId: 1,
    csChargingProfiles: {
      chargingProfileId: 1,
      stackLevel: 0,
      chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Absolute",
      chargingSchedule: {
        chargingRateUnit: "A",
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.3 }],
      },
    },
  }],
  ["urn:SetChargingProfile.req", {
    connectorId: 1,
    csChargingProfiles: {
      chargingProfileId: 1,
      stackLevel: 0,
      chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Absolute",
      chargingSchedule: {
        chargingRateUnit: "A",
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.35 }],
      },
    },
  }],
  ["urn:SetChargingProfile.req", {
    connectorId: 1,
    csChargingProfiles: {
      chargingProfileId: 1,
      stackLevel: 0,
      chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Absolute",
      chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [] },
    },
  }],
  ["urn:UpdateFirmware.req", {
    location: "http://backend/fw.raucb",
    retrieveDate: "2026-12-04T10:00:00Z",
  }],
  ["urn:UpdateFirmware.req", { location: "not a uri", retrieveDate: "2026-12-04T10:00:00Z" }],
  ["urn:SendLocalList.req", {
    listVersion: 3,
    updateType: "Full",
    localAuthorizationList: [{ idTag: "A", idTagInfo: { status: "Accepted" } }],
  }],
  ["urn:SendLocalList.req", { listVersion: 3, updateType: "Full", localAuthorizationList: [{}] }],
  ["urn:MeterValues.req", {
    connectorId: 1,
    meterValue: [{
      timestamp: "2026-12-04T10:00:00Z",
      sampledValue: [{ value: "1.0", measurand: "Energy.Active.Import.Register" }],
    }],
  }],
  ["urn:MeterValues.req", {
    connectorId: 1,
    meterValue: [{
      timestamp: "2026-12-04T10:00:00Z",
      sampledValue: [{ value: "1", unit: "Volt" }],
    }],
  }],
  ["urn:Heartbeat.req", {}],
  ["urn:Heartbeat.req", null],
  ["urn:Heartbeat.req", []],
  ["urn:DataTransfer.req", { vendorId: "ladewerk", data: "x" }],
  ["urn:NoSuchAction.req", {}],
];

Deno.test("build-time validators answer exactly as ocpp-rpc's run-time ajv validator", () => {
  const reference = referenceValidator();
  for (const [id, params] of cases) {
    assert.equal(
      outcome(ocpp16Validator, id, params),
      outcome(reference, id, params),
      `${id} ${JSON.stringify(params)}`,
    );
  }
  // The cases reach every kind of answer, not only "ok".
  const kinds = new Set(cases.map(([id, p]) => outcome(ocpp16Validator, id, p).split(":")[0]));
  for (
    const kind of [
      "ok",
      "FormatViolation",
      "OccurenceConstraintViolation",
      "PropertyConstraintViolation",
      "TypeConstraintViolation",
      "ProtocolError",
    ]
  ) assert.ok(kinds.has(kind), `no case answers ${kind}: ${[...kinds].join(", ")}`);
});

Deno.test("every OCPP 1.6 schema has a build-time validator", () => {
  for (const schema of ocpp16Schemas()) {
    assert.notEqual(
      outcome(ocpp16Validator, schema.$id, {}).split(":")[0],
      "ProtocolError",
      schema.$id,
    );
  }
});

Deno.test("the generated validators are what build.ts makes from the pinned schemas", async () => {
  assert.ok(
    (await Deno.readTextFile(GENERATED)) === generate(),
    `${GENERATED} is out of date: run deno task build:validators`,
  );
});
