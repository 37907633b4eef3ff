/**
 * Accounts (beyond the manual): the installer (the manual's `admin`) creates, changes and
 * removes the owner account; the owner sees the dashboard, the history and the whitelist, sets
 * the charging current up to `power.ownerMaxCurrentMa` and changes their own password.
 * Installer only (the guard refuses owners).
 * @module
 */
import { Hono } from "hono";
import * as z from "zod";
import {
  ownerExists,
  type PasswordIssue,
  passwordIssues,
  removeOwner,
  setOwnerPassword,
} from "../station/auth/mod.ts";
import type { AppContext, AppEnv } from "./context.ts";
import { HttpError, parseBody } from "./errors.ts";
import { OWNER_USER } from "./security.ts";

const secret = z.string().max(1024);
const OwnerBody = z.strictObject({ password: secret, repeatPassword: secret });

/** The routes under `/api`. */
export function usersRoutes(ctx: AppContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const settings = ctx.station.settings;

  app.get("/users", (c) =>
    c.json({
      users: [
        { user: "admin", role: "installer", exists: true },
        { user: OWNER_USER, role: "owner", exists: ownerExists(settings) },
      ],
      ownerMaxCurrentMa: settings.get("power.ownerMaxCurrentMa"),
    }));

  app.put("/users/owner", async (c) => {
    const body = await parseBody(c, OwnerBody);
    const issues: PasswordIssue[] = passwordIssues(body.password, ctx.password, "password");
    if (body.repeatPassword !== body.password) {
      issues.push({
        field: "repeatPassword",
        reason: "Does not match the password",
        code: "mismatch",
      });
    }
    if (issues.length > 0) throw new HttpError(400, "Owner account not saved", issues);
    const existed = ownerExists(settings);
    await setOwnerPassword(ctx.password, body.password);
    // A new password ends the owner's sessions.
    ctx.sessions.deleteAllExcept(undefined, OWNER_USER);
    await ctx.station.audit([{
      actor: "installer",
      action: existed ? "password" : "userCreated",
      target: OWNER_USER,
    }]);
    return c.json({ user: OWNER_USER, role: "owner", exists: true }, existed ? 200 : 201);
  });

  app.delete("/users/owner", async (c) => {
    if (!ownerExists(settings)) {
      throw new HttpError(404, "No owner account", [{
        field: "user",
        reason: "There is no owner account",
        code: "unknown",
      }]);
    }
    await removeOwner(settings);
    ctx.sessions.deleteAllExcept(undefined, OWNER_USER);
    await ctx.station.audit([{ actor: "installer", action: "userRemoved", target: OWNER_USER }]);
    return c.body(null, 204);
  });

  return app;
}
