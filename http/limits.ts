/**
 * Request limits of `/api/*`: the body size of every route, checked while the body is read
 * (413 with the limit), and the origin of every state change (403 for a foreign page).
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "./context.ts";
import { fieldError } from "./errors.ts";

/** Body limit of a JSON request. */
export const JSON_BODY_BYTES = 64 * 1024;
/** Body limit of the routes that take a whole whitelist (5000 entries or a 1 MiB CSV). */
export const LIST_BODY_BYTES = 4 * 1024 * 1024;

/** Routes with their own limit; the update upload streams to disk with its own. */
const OWN_LIMITS: [method: string, path: string, maxBytes: number | null][] = [
  ["POST", "/api/software/update", null],
  ["PUT", "/api/whitelist", LIST_BODY_BYTES],
  ["POST", "/api/whitelist/import", LIST_BODY_BYTES],
  ["POST", "/api/backup/preview", LIST_BODY_BYTES],
  ["POST", "/api/backup/restore", LIST_BODY_BYTES],
];

const limiters = new Map<number, MiddlewareHandler>();

function limiter(maxBytes: number): MiddlewareHandler {
  let l = limiters.get(maxBytes);
  if (!l) {
    l = bodyLimit({
      maxSize: maxBytes,
      onError: () => {
        throw fieldError(413, "body", `Request body over ${maxBytes} bytes`, "too_large", {
          maxBytes,
        });
      },
    });
    limiters.set(maxBytes, l);
  }
  return l;
}

/** The body size limit of every `/api/*` route, checked while reading. */
export const bodyLimits: MiddlewareHandler<AppEnv> = async (c, next) => {
  const own = OWN_LIMITS.find(([m, p]) => m === c.req.method && p === c.req.path);
  const maxBytes = own ? own[2] : JSON_BODY_BYTES;
  if (maxBytes === null) return await next();
  return await limiter(maxBytes)(c, next);
};

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Refuses a state change that a page of another origin sends (the browser says so in
 * `Origin` or `Sec-Fetch-Site`): login, settings and the simulator alike. Tools that send
 * neither header (curl, scripts) are not browsers and go ahead.
 */
export const sameOrigin: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (STATE_CHANGING.has(c.req.method)) {
    const origin = c.req.header("Origin");
    const own = new URL(c.req.url).origin;
    if (origin !== undefined && origin !== own) {
      throw fieldError(403, "Origin", `Requests from ${origin} are not accepted`, "origin");
    }
    if (c.req.header("Sec-Fetch-Site") === "cross-site") {
      throw fieldError(403, "Origin", "Cross-site requests are not accepted", "origin");
    }
  }
  await next();
};
