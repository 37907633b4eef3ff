/**
 * Backup and restore (B-3), installer only: `POST /api/backup` downloads the file (secrets
 * only with a passphrase, encrypted with it), `POST /api/backup/preview` validates a file and
 * says what would change and what it skips, `POST /api/backup/restore` applies all or nothing.
 * @module
 */
import { Hono } from "hono";
import * as z from "zod";
import type { BackupDeps, RestorePlan } from "../station/backup.ts";
import type { AppContext, AppEnv } from "./context.ts";
import { fieldError, parseBody } from "./errors.ts";
import { LIST_VERSION_KEY } from "./whitelist_routes.ts";

const Passphrase = z.string().min(8, "At least 8 characters").max(256);
const BackupBody = z.strictObject({ passphrase: Passphrase.optional() });
const RestoreBody = z.strictObject({
  backup: z.unknown(),
  passphrase: Passphrase.optional(),
  confirm: z.literal(true).optional(),
});

function summary(plan: RestorePlan) {
  return {
    sourceSerial: plan.sourceSerial,
    fromVersion: plan.fromVersion,
    settings: plan.diff,
    skipped: plan.skipped,
    secrets: plan.secrets,
    whitelist: {
      total: plan.whitelist.total,
      added: plan.whitelist.added,
      changed: plan.whitelist.changed,
      removed: plan.whitelist.removed,
    },
    chargingProfiles: plan.profiles.length,
  };
}

/** The backup module, loaded with the first backup or restore: its file schemas are large and
 * a start never needs them (issue 14). */
const backup = () => import("../station/backup.ts");

/** The routes under `/api`. */
export function backupRoutes(ctx: AppContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const deps = (): BackupDeps => ({
    settings: ctx.station.settings,
    store: ctx.station.store,
    info: ctx.deps.info,
    nowMs: ctx.station.hardware.clock.nowMs(),
  });
  const plan = async (body: z.infer<typeof RestoreBody>) => {
    const { BackupError, planRestore } = await backup();
    try {
      return await planRestore(deps(), body.backup, body.passphrase);
    } catch (e) {
      if (e instanceof BackupError) throw fieldError(400, e.field, e.message, e.code);
      throw e;
    }
  };

  app.post("/backup", async (c) => {
    const { passphrase } = await parseBody(c, BackupBody);
    const { createBackup } = await backup();
    const file = await createBackup(deps(), passphrase);
    await ctx.station.audit([{
      actor: "installer",
      action: "backup",
      detail: passphrase ? "with secrets (encrypted)" : "without secrets",
    }]);
    const day = file.createdAt.slice(0, 10);
    return c.body(JSON.stringify(file, null, 1), 200, {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition":
        `attachment; filename="ladewerk-backup-${ctx.deps.info.serial}-${day}.json"`,
    });
  });

  app.post("/backup/preview", async (c) => {
    const body = await parseBody(c, RestoreBody);
    return c.json(summary(await plan(body)));
  });

  app.post("/backup/restore", async (c) => {
    const body = await parseBody(c, RestoreBody);
    if (body.confirm !== true) {
      throw fieldError(400, "confirm", "Confirm the restore (confirm: true)", "required");
    }
    const p = await plan(body);
    const { applyRestore } = await backup();
    const applied = await applyRestore(deps(), p, LIST_VERSION_KEY);
    await ctx.station.audit([{
      actor: "installer",
      action: "restore",
      target: `backup of ${p.sourceSerial}`,
      detail: `${p.diff.length} settings, whitelist ${p.whitelist.total} entries ` +
        `(+${p.whitelist.added} ~${p.whitelist.changed} -${p.whitelist.removed}), ` +
        `${p.profiles.length} profiles, ${p.skipped.length} skipped`,
    }]);
    return c.json({ ...summary(p), applied: true, ...applied });
  });

  return app;
}
