/**
 * Errors as HTTP answers: every refusal names the field and the reason.
 * @module
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { SettingsError } from "../station/settings/mod.ts";

/** One refused field. */
export interface Issue {
  field: string;
  reason: string;
}

/** A request the station refuses, with its HTTP status. */
export class HttpError extends Error {
  readonly status: ContentfulStatusCode;
  readonly issues: Issue[];

  constructor(status: ContentfulStatusCode, message: string, issues: Issue[] = []) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.issues = issues;
  }
}

function zodIssues(error: z.ZodError, prefix: string): Issue[] {
  return error.issues.map((i) => ({
    field: [prefix, ...i.path.map(String)].filter(Boolean).join("."),
    reason: i.message,
  }));
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
        { field: "body", reason: "Not valid JSON" },
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

/** Turns any error into the JSON answer: `{ error, field?, reason?, issues }`. */
export function errorResponse(err: Error, c: Context): Response {
  let status: ContentfulStatusCode = 500;
  let issues: Issue[] = [];
  let message = "Internal error";
  if (err instanceof HttpError) {
    ({ status, issues, message } = err);
  } else if (err instanceof SettingsError) {
    status = 400;
    issues = err.issues;
    message = "Invalid settings";
  } else if (err instanceof z.ZodError) {
    status = 400;
    issues = zodIssues(err, "");
    message = "Invalid request";
  }
  const first = issues[0];
  return c.json({
    error: message,
    ...(first ? { field: first.field, reason: first.reason } : {}),
    issues,
  }, status);
}
