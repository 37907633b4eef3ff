/**
 * OCPP 1.6 schema validation with validators compiled at build time (`build.ts`), in the shape
 * ocpp-rpc's strict mode calls (`subprotocol`, `validate(schemaId, params)`), answering with
 * the same CALLERROR codes and messages as ocpp-rpc's own ajv-based validator.
 * @module
 */
import { createRPCError } from "ocpp-rpc/lib/util.js";
import * as compiled from "./ocpp16.gen.js";
import { exportName } from "./names.ts";

interface SchemaError {
  instancePath: string;
  keyword: string;
  message?: string;
}

type Validate = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };

/** The OCPP-J error code of the first failing keyword, as ocpp-rpc assigns it. */
const CODE_OF_KEYWORD: Record<string, string> = {
  maximum: "FormatViolation",
  minimum: "FormatViolation",
  maxLength: "FormatViolation",
  minLength: "FormatViolation",
  exclusiveMaximum: "OccurenceConstraintViolation",
  exclusiveMinimum: "OccurenceConstraintViolation",
  multipleOf: "OccurenceConstraintViolation",
  maxItems: "OccurenceConstraintViolation",
  minItems: "OccurenceConstraintViolation",
  maxProperties: "OccurenceConstraintViolation",
  minProperties: "OccurenceConstraintViolation",
  additionalItems: "OccurenceConstraintViolation",
  required: "OccurenceConstraintViolation",
  pattern: "PropertyConstraintViolation",
  propertyNames: "PropertyConstraintViolation",
  additionalProperties: "PropertyConstraintViolation",
  type: "TypeConstraintViolation",
};

const validators = compiled as unknown as Record<string, Validate | undefined>;

/** ajv's `errorsText`: `data<path> <message>`, comma separated. */
function errorsText(errors: SchemaError[]): string {
  return errors.map((e) => `data${e.instancePath} ${e.message}`).join(", ");
}

/** The OCPP 1.6 validator handed to ocpp-rpc (`strictModeValidators`). */
export const ocpp16Validator = {
  subprotocol: "ocpp1.6",
  /** True when `params` fits the schema; throws the RPC error ocpp-rpc would otherwise. */
  validate(schemaId: string, params: unknown): boolean {
    const validate = validators[exportName(schemaId)];
    if (!validate) {
      throw createRPCError(
        "ProtocolError",
        `Schema '${schemaId}' is missing from subprotocol schema 'ocpp1.6'`,
      );
    }
    if (validate(params)) return true;
    const errors = validate.errors ?? [];
    const first = errors[0];
    if (!first) return false;
    throw createRPCError(
      CODE_OF_KEYWORD[first.keyword] ?? "FormatViolation",
      errorsText(errors),
      { errors, data: params },
    );
  },
};
