/**
 * The fetch wrapper of the web interface: JSON in and out, the CSRF token on every state
 * change, refusals as {@linkcode ApiError} with their field issues, and a hook for 401.
 * @module
 */
import type { Issue } from "./types.ts";

/** A refused or failed request: `status` 0 means the station was not reachable. */
export class ApiError extends Error {
  readonly status: number;
  readonly issues: Issue[];
  readonly field: string | undefined;
  readonly reason: string | undefined;
  readonly retryAfterS: number | undefined;

  constructor(
    status: number,
    message: string,
    options: {
      issues?: Issue[];
      field?: string;
      reason?: string;
      retryAfterS?: number;
    } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.issues = options.issues ?? [];
    this.field = options.field;
    this.reason = options.reason;
    this.retryAfterS = options.retryAfterS;
  }
}

let csrfToken = "";
let unauthorized: () => void = () => {};

/** Sets the CSRF token sent as `X-CSRF-Token` with every state change. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** The CSRF token of the session (for uploads that do not go through `request`). */
export function getCsrfToken(): string {
  return csrfToken;
}

/** What to do when the station answers 401 (the session is gone): go to the login page. */
export function onUnauthorized(fn: () => void): void {
  unauthorized = fn;
}

/** Body types: a string goes as text (CSV, PEM), a Blob as is, anything else as JSON. */
export type Body =
  | string
  | Blob
  | Record<string, unknown>
  | unknown[]
  | undefined;

/** Builds the fetch options of a request. */
export function requestInit(
  method: string,
  body: Body,
  contentType?: string,
): RequestInit {
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET" && method !== "HEAD") {
    headers["x-csrf-token"] = csrfToken;
  }
  let payload: BodyInit | undefined;
  if (typeof body === "string") {
    payload = body;
    headers["content-type"] = contentType ?? "text/plain;charset=utf-8";
  } else if (body instanceof Blob) {
    payload = body;
    headers["content-type"] = contentType ?? "application/octet-stream";
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["content-type"] = "application/json";
  }
  return { method, headers, body: payload, credentials: "same-origin" };
}

/** Turns a non-2xx answer into an ApiError (reading `{ error, field, reason, issues }`). */
export async function errorOf(response: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy page, say): the status alone tells.
  }
  const retry = Number(response.headers.get("retry-after"));
  return new ApiError(
    response.status,
    typeof body.error === "string" ? body.error : `HTTP ${response.status}`,
    {
      issues: Array.isArray(body.issues) ? body.issues as Issue[] : [],
      field: typeof body.field === "string" ? body.field : undefined,
      reason: typeof body.reason === "string" ? body.reason : undefined,
      retryAfterS: Number.isFinite(retry) && retry > 0 ? retry : undefined,
    },
  );
}

/** Sends a request; resolves with the parsed JSON (or undefined for an empty answer). */
export async function request<T>(
  method: string,
  path: string,
  body?: Body,
  options: { contentType?: string; raw?: boolean } = {},
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(
      path,
      requestInit(method, body, options.contentType),
    );
  } catch (e) {
    throw new ApiError(0, e instanceof Error ? e.message : String(e));
  }
  if (!response.ok) {
    const error = await errorOf(response);
    if (response.status === 401 && path !== "/api/login") unauthorized();
    throw error;
  }
  if (options.raw) return response as T;
  const text = await response.text();
  return (text === "" ? undefined : JSON.parse(text)) as T;
}

/** `GET path` as JSON. */
export function get<T>(path: string): Promise<T> {
  return request<T>("GET", path);
}

/** `POST path` with a body. */
export function post<T>(
  path: string,
  body?: Body,
  contentType?: string,
): Promise<T> {
  return request<T>("POST", path, body, { contentType });
}

/** `PUT path` with a body. */
export function put<T>(path: string, body?: Body): Promise<T> {
  return request<T>("PUT", path, body);
}

/** `DELETE path`. */
export function del<T>(path: string): Promise<T> {
  return request<T>("DELETE", path);
}

/** Downloads `path` as a file named `fallbackName` (or the server's name). */
export async function download(
  path: string,
  fallbackName: string,
  post?: Record<string, unknown>,
): Promise<void> {
  const response = await request<Response>(post ? "POST" : "GET", path, post, {
    raw: true,
  });
  const disposition = response.headers.get("content-disposition") ?? "";
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
