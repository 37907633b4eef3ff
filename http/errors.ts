/**
 * Errors as HTTP answers: every refusal names the field, the reason and a stable code.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import * as z from "zod";
import { PasswordRuleError } from "../station/auth/mod.ts";
import { SettingsError } from "../station/settings/mod.ts";
import { WhitelistFullError } from "../station/store/mod.ts";

const log = getLogger(["ladewerk", "http"]);

/**
 * One refused field. `code` is stable for translations (zod's codes such as `too_small`, or
 * ours such as `wrong_password`); `params` holds the numbers a message needs (`min`, `max`).
 */
export interface Issue {
  field: string;
  reason: string;
  code?: string;
  params?: Record<string, string | number>;
}

/** A request the station refuses, with its HTTP status. */
export class HttpError extends Error {
  readonly status: ContentfulStatusCode;
  readonly issues: Issue[];
  readonly headers: Record<string, string>;

  constructor(
    status: ContentfulStatusCode,
    message: string,
    issues: Issue[] = [],
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.issues = issues;
    this.headers = headers;
  }
}

/** A refusal of one field: `fieldError(409, "sessions", "End the sessions first", "busy")`. */
export function fieldError(
  status: ContentfulStatusCode,
  field: string,
  reason: string,
  code: string,
  params?: Record<string, string | number>,
): HttpError {
  return new HttpError(status, reason, [{ field, reason, code, ...(params ? { params } : {}) }]);
}

/** The issues of a zod error, fields prefixed with `prefix`. */
export function zodIssues(error: z.ZodError, prefix: string): Issue[] {
  return error.issues.map((i) => {
    const params: Record<string, string | number> = {};
    const raw = i as { minimum?: unknown; maximum?: unknown; params?: { code?: unknown } };
    if (typeof raw.minimum === "number" || typeof raw.minimum === "bigint") {
      params.min = Number(raw.minimum);
    }
    if (typeof raw.maximum === "number" || typeof raw.maximum === "bigint") {
      params.max = Number(raw.maximum);
    }
    return {
      field: [prefix, ...i.path.map(String)].filter(Boolean).join("."),
      reason: i.message,
      // A custom check may name its own code: `params: { code: "bad_id_tag" }`.
      code: i.code === "custom" && typeof raw.params?.code === "string" ? raw.params.code : i.code,
      ...(Object.keys(params).length > 0 ? { params } : {}),
    };
  });
}

/** Parses a JSON body with a schema; an empty body counts as `undefined`. */
export async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const text = await c.req.text();
  let raw: unknown = undefined;
  if (text.trim() !== "") {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new HttpError(400, "Malformed JSON body", [
        { field: "body", reason: "Not valid JSON", code: "invalid_json" },
      ]);
    }
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new HttpError(400, "Invalid request body", zodIssues(result.error, ""));
  }
  return result.data;
}

/** Parses a path parameter with a schema. */
export function parseParam<S extends z.ZodType>(c: Context, name: string, schema: S): z.infer<S> {
  const result = schema.safeParse(c.req.param(name));
  if (!result.success) {
    throw new HttpError(400, `Invalid path parameter ${name}`, zodIssues(result.error, name));
  }
  return result.data;
}

/** Parses the query with a schema; issues name the query parameter. */
export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const result = schema.safeParse(c.req.query());
  if (!result.success) {
    throw new HttpError(400, "Invalid query", zodIssues(result.error, ""));
  }
  return result.data;
}

/** Turns any error into the JSON answer: `{ error, field?, reason?, code?, issues }`. */
export function errorResponse(err: Error, c: Context): Response {
  let status: ContentfulStatusCode = 500;
  let issues: Issue[] = [];
  let message = "Internal error";
  let headers: Record<string, string> = {};
  if (err instanceof HttpError) {
    ({ status, issues, message, headers } = err);
  } else if (err instanceof SettingsError) {
    status = 400;
    issues = err.issues.map((i) => ({ ...i, code: "invalid_value" }));
    message = "Invalid settings";
  } else if (err instanceof PasswordRuleError) {
    status = 400;
    issues = err.issues;
    message = "Password refused";
  } else if (err instanceof WhitelistFullError) {
    status = 400;
    issues = [{ field: "entries", reason: err.message, code: "too_many", params: { max: 1000 } }];
    message = err.message;
  } else if (err instanceof z.ZodError) {
    status = 400;
    issues = zodIssues(err, "");
    message = "Invalid request";
  } else {
    log.error(`${c.req.method} ${c.req.path} failed: ${err.stack ?? err}`);
  }
  const first = issues[0];
  for (const [k, v] of Object.entries(headers)) c.header(k, v);
  return c.json({
    error: message,
    ...(first
      ? { field: first.field, reason: first.reason, ...(first.code ? { code: first.code } : {}) }
      : {}),
    issues,
  }, status);
}
