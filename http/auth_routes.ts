/**
 * Login, logout, the session and the password change (M-1.1, M-1.2).
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import * as z from "zod";
import {
  passwordChanged,
  type PasswordIssue,
  passwordIssues,
  setOwnerPassword,
  setPassword,
  verifyOwnerPassword,
  verifyPassword,
  type WebSession,
} from "../station/auth/mod.ts";
import type { AppContext, AppEnv } from "./context.ts";
import { fieldError, HttpError, parseBody } from "./errors.ts";
import {
  ADMIN_USER,
  clearSessionCookie,
  clientAddress,
  OWNER_USER,
  roleOf,
  SESSION_COOKIE,
  setSessionCookie,
} from "./security.ts";

const log = getLogger(["ladewerk", "http", "auth"]);

export { ADMIN_USER } from "./security.ts";

const secret = z.string().max(1024);
const LoginBody = z.strictObject({ user: z.string().max(64), password: secret });
const PasswordBody = z.strictObject({
  oldPassword: secret,
  newPassword: secret,
  repeatPassword: secret,
});

/** Starts a password attempt, counted as failed until it succeeds; 429 while throttled. */
function throttled(ctx: AppContext, address: string): void {
  const waitS = ctx.throttle.begin(address);
  if (waitS > 0) {
    throw new HttpError(429, `Too many failed attempts: try again in ${waitS} s`, [{
      field: "password",
      reason: `Too many failed attempts: try again in ${waitS} s`,
      code: "throttled",
      params: { retryAfterS: waitS },
    }], { "Retry-After": String(waitS) });
  }
}

function sessionAnswer(ctx: AppContext, session: WebSession) {
  return {
    user: session.user,
    role: roleOf(session),
    csrfToken: session.csrfToken,
    expiresAt: new Date(ctx.sessions.expiresAtMs(session)).toISOString(),
    passwordChanged: passwordChanged(ctx.station.settings),
  };
}

async function logEvent(ctx: AppContext, code: string, message: string): Promise<void> {
  await ctx.station.store.events.append([{
    atMs: ctx.station.hardware.clock.nowMs(),
    kind: "webui",
    code,
    message,
  }]);
}

/** The routes under `/api`. */
export function authRoutes(ctx: AppContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/login", async (c) => {
    const body = await parseBody(c, LoginBody);
    const address = clientAddress(c);
    throttled(ctx, address);
    // Always verify, so a wrong user name takes as long as a wrong password.
    const owner = body.user === OWNER_USER;
    const passwordOk = owner
      ? await verifyOwnerPassword(ctx.station.settings, body.password)
      : await verifyPassword(ctx.password, body.password);
    const actor = owner ? "owner" as const : "installer" as const;
    if ((body.user !== ADMIN_USER && !owner) || !passwordOk) {
      log.warn(`Failed web login from ${address}`);
      await logEvent(ctx, "LoginFailed", `Failed web login from ${address}`);
      await ctx.station.audit([{
        actor,
        action: "loginFailed",
        target: body.user.slice(0, 64),
        detail: address,
      }]);
      throw fieldError(401, "password", "Wrong user name or password", "wrong_credentials");
    }
    ctx.throttle.succeeded(address);
    const previous = getCookie(c, SESSION_COOKIE);
    if (previous) ctx.sessions.delete(previous);
    const session = ctx.sessions.create(body.user);
    setSessionCookie(c, session);
    const who = owner ? " (owner)" : "";
    log.info(`Web login from ${address}${who}`);
    await logEvent(ctx, "Login", `Web login from ${address}${who}`);
    await ctx.station.audit([{ actor, action: "login", target: body.user, detail: address }]);
    return c.json(sessionAnswer(ctx, session));
  });

  app.post("/logout", (c) => {
    const session = c.get("session");
    if (session) ctx.sessions.delete(session.id);
    clearSessionCookie(c);
    return c.body(null, 204);
  });

  app.get("/session", (c) => {
    const session = c.get("session");
    // `?optional=1` (the web interface's probe): no session is an answer, not an error.
    if (!session && c.req.query("optional") === "1") return c.body(null, 204);
    if (!session) throw fieldError(401, "session", "Not logged in", "no_session");
    return c.json(sessionAnswer(ctx, session));
  });

  app.post("/password", async (c) => {
    const session = c.get("session")!;
    const body = await parseBody(c, PasswordBody);
    const address = clientAddress(c);
    throttled(ctx, address);
    const issues: PasswordIssue[] = [];
    const owner = roleOf(session) === "owner";
    const oldOk = owner
      ? await verifyOwnerPassword(ctx.station.settings, body.oldPassword)
      : await verifyPassword(ctx.password, body.oldPassword);
    if (!oldOk) {
      issues.push({ field: "oldPassword", reason: "Wrong password", code: "wrong_password" });
    } else {
      ctx.throttle.succeeded(address);
    }
    issues.push(...passwordIssues(body.newPassword, ctx.password));
    if (body.repeatPassword !== body.newPassword) {
      issues.push({
        field: "repeatPassword",
        reason: "Does not match the new password",
        code: "mismatch",
      });
    }
    if (issues.length > 0) throw new HttpError(400, "Password not changed", issues);
    if (owner) await setOwnerPassword(ctx.password, body.newPassword);
    else await setPassword(ctx.password, body.newPassword);
    const ended = ctx.sessions.deleteAllExcept(session.id, session.user);
    log.info(
      `Password of ${session.user} changed from ${address}; ${ended} other session(s) ended`,
    );
    await logEvent(ctx, "PasswordChanged", `Password of ${session.user} changed from ${address}`);
    await ctx.station.audit([{
      actor: roleOf(session),
      action: "password",
      target: session.user,
      detail: address,
    }]);
    return c.body(null, 204);
  });

  return app;
}
