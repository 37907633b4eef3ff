/**
 * Who may call what: security headers on every answer, the session cookie, and the guard of
 * `/api/*` (session required, CSRF header on every state change).
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { sameSecret, type WebSession } from "../station/auth/mod.ts";
import type { AppContext, AppEnv } from "./context.ts";
import { fieldError } from "./errors.ts";

/** The installer's user name (the manual's `admin`) and the owner's. */
export const ADMIN_USER = "admin";
export const OWNER_USER = "owner";

/** What a web user may do: the installer everything, the owner a part. */
export type Role = "installer" | "owner";

/** The role of a session's user. */
export function roleOf(session: Pick<WebSession, "user">): Role {
  return session.user === OWNER_USER ? "owner" : "installer";
}

/**
 * The routes under `/api` an owner may call (the dashboard, the history, the whitelist, the
 * charging current, their own password); every other route answers 403 to an owner.
 */
export const OWNER_ROUTES: readonly [method: string, path: RegExp][] = [
  ["POST", /^\/api\/login$/],
  ["GET", /^\/api\/session$/],
  ["POST", /^\/api\/logout$/],
  ["POST", /^\/api\/password$/],
  ["GET", /^\/api\/status$/],
  ["GET", /^\/api\/events$/],
  ["GET", /^\/api\/info$/],
  ["GET", /^\/api\/power-history$/],
  ["GET", /^\/api\/settings$/],
  // Only the charging current, up to the installer's maximum (settings_routes checks).
  ["PUT", /^\/api\/settings$/],
  ["GET", /^\/api\/sessions(\/summary|\.csv)?$/],
  ["GET", /^\/api\/whitelist(\.csv)?$/],
  ["PUT", /^\/api\/whitelist$/],
  ["POST", /^\/api\/whitelist\/import$/],
];

/** Whether an owner may call `method path`. */
export function ownerMay(method: string, path: string): boolean {
  const m = method === "HEAD" ? "GET" : method;
  return OWNER_ROUTES.some(([om, re]) => om === m && re.test(path));
}

/** Name of the session cookie. */
export const SESSION_COOKIE = "lw_session";

/** Content-Security-Policy of every answer: nothing from elsewhere, no inline script. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Sets the security headers on every answer. */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header("Content-Security-Policy", CSP);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("X-Frame-Options", "DENY");
  c.header("Referrer-Policy", "no-referrer");
  c.header("Cross-Origin-Opener-Policy", "same-origin");
  c.header("Cross-Origin-Resource-Policy", "same-origin");
  if (c.req.path.startsWith("/api/") && !c.res.headers.has("Cache-Control")) {
    c.header("Cache-Control", "no-store");
  }
};

/** The client's address as the socket tells it (no proxy headers are trusted). */
export function clientAddress(c: Context<AppEnv>): string {
  return c.env?.remoteAddr?.hostname ?? "unknown";
}

function isLocalhost(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost") ||
    hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Whether the cookie gets `Secure`: served over HTTPS or to localhost (browsers allow it). */
export function secureCookie(c: Context): boolean {
  const url = new URL(c.req.url);
  return url.protocol === "https:" || isLocalhost(url.hostname);
}

/** Sets the session cookie (HttpOnly, SameSite=Strict, Secure where possible). */
export function setSessionCookie(c: Context, session: WebSession): void {
  setCookie(c, SESSION_COOKIE, session.id, {
    path: "/",
    httpOnly: true,
    sameSite: "Strict",
    secure: secureCookie(c),
  });
}

/** Removes the session cookie from the browser. */
export function clearSessionCookie(c: Context): void {
  setCookie(c, SESSION_COOKIE, "", {
    path: "/",
    httpOnly: true,
    sameSite: "Strict",
    secure: secureCookie(c),
    maxAge: 0,
  });
}

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Routes open without a session: login, and in simulation the status and the simulator. */
function isOpen(method: string, path: string, sim: boolean): boolean {
  if (method === "POST" && path === "/api/login") return true;
  // The route answers 401 itself, or 204 to the web interface's probe.
  if (method === "GET" && path === "/api/session") return true;
  if (!sim) return false;
  if ((method === "GET" || method === "HEAD") && path === "/api/status") return true;
  return path === "/api/sim" || path.startsWith("/api/sim/");
}

/** Guards `/api/*`: 401 without a live session, 403 without the CSRF token on changes. */
export function apiGuard(ctx: AppContext): MiddlewareHandler<AppEnv> {
  const sim = ctx.deps.sim !== undefined;
  return async (c, next) => {
    const method = c.req.method;
    if (isOpen(method, c.req.path, sim)) {
      c.set("session", ctx.sessions.touch(getCookie(c, SESSION_COOKIE)));
      return await next();
    }
    const session = ctx.sessions.touch(getCookie(c, SESSION_COOKIE));
    if (!session) {
      throw fieldError(401, "session", "Not logged in, or the session has expired", "no_session");
    }
    if (STATE_CHANGING.has(method)) {
      const token = c.req.header("X-CSRF-Token") ?? "";
      if (!(await sameSecret(token, session.csrfToken))) {
        throw fieldError(403, "X-CSRF-Token", "Missing or wrong CSRF token", "csrf");
      }
    }
    if (roleOf(session) === "owner" && !ownerMay(method, c.req.path)) {
      throw fieldError(403, "role", "The owner account may not do this", "forbidden");
    }
    c.set("session", session);
    await next();
  };
}
