/**
 * Settings over the registry (M-1.4 to M-1.8): read without secrets, write all or nothing with
 * the cross-field rules; the OCPP CA certificate upload.
 * @module
 */
import type { X509Certificate } from "node:crypto";
import { Hono } from "hono";
import * as z from "zod";
import { type SettingDef, settingDef, type SettingKey, SETTINGS } from "../station/settings/mod.ts";
import type { AppContext, AppEnv } from "./context.ts";
import { roleOf } from "./security.ts";
import { HttpError, type Issue, parseBody, parseQuery, zodIssues } from "./errors.ts";
import { blankIssues, crossFieldIssues } from "./settings_rules.ts";

/** Settings no request may write here (they have their own routes). */
const OWN_ROUTE: Record<string, string> = {
  "webui.passwordHash": "Change the password with POST /api/password",
};

const CA_KEY = "ocpp.caCertificatePem";
const MAX_PEM_CHARS = 20_000;

const SettingsQuery = z.object({
  keys: z.string().max(10_000).optional(),
});
const PutBody = z.strictObject({ values: z.record(z.string(), z.unknown()) });

function isSecret(def: SettingDef): boolean {
  return def.secret === true || def.access === "w";
}

/** The value as a browser may see it: secrets and write-only values never. */
function shown(key: string, value: unknown): unknown {
  const def = settingDef(key);
  return def && isSecret(def) ? null : value;
}

function meta(key: string, value: unknown) {
  const def = settingDef(key)!;
  return {
    access: def.access,
    restart: def.restart,
    ...(def.unit ? { unit: def.unit } : {}),
    secret: isSecret(def),
    set: value !== "" && value !== null && value !== undefined,
    description: def.description,
  };
}

/** The certificates of a PEM text, or the reason it is refused. */
function certificateInfo(certs: X509Certificate[], nowMs: number) {
  const first = certs[0]!;
  return {
    subject: first.subject,
    issuer: first.issuer,
    validFrom: new Date(first.validFrom).toISOString(),
    validTo: new Date(first.validTo).toISOString(),
    expired: Date.parse(first.validTo) < nowMs,
    ca: first.ca,
    count: certs.length,
  };
}

export async function parseCertificates(
  pem: string,
): Promise<{ ok: true; certs: X509Certificate[]; pem: string } | { ok: false; reason: string }> {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks) return { ok: false, reason: "Not a PEM certificate (BEGIN CERTIFICATE missing)" };
  // node:crypto loads when a certificate is first read, not with the program (issue 14).
  const { X509Certificate } = await import("node:crypto");
  try {
    const certs = blocks.map((b) => new X509Certificate(b));
    return { ok: true, certs, pem: blocks.join("\n") + "\n" };
  } catch (e) {
    return { ok: false, reason: `Not a valid certificate: ${e instanceof Error ? e.message : e}` };
  }
}

/** Per-key checks with codes (schema and factory check), before anything is written. */
async function keyIssues(ctx: AppContext, changes: Record<string, unknown>): Promise<Issue[]> {
  const issues: Issue[] = [];
  for (const [key, raw] of Object.entries(changes)) {
    const def = settingDef(key);
    if (!def) {
      issues.push({ field: key, reason: "Unknown setting", code: "unknown_setting" });
    } else if (OWN_ROUTE[key]) {
      issues.push({ field: key, reason: OWN_ROUTE[key]!, code: "own_route" });
    } else if (def.access === "r") {
      issues.push({ field: key, reason: "Read-only setting", code: "read_only" });
    } else {
      const parsed = def.schema.safeParse(raw);
      if (!parsed.success) {
        issues.push(...zodIssues(parsed.error, "").map((i) => ({ ...i, field: key })));
      } else {
        const refused = def.check?.(parsed.data, ctx.station.settings.factory);
        if (refused) issues.push({ field: key, reason: refused, code: "invalid_value" });
      }
    }
  }
  if (typeof changes[CA_KEY] === "string" && changes[CA_KEY] !== "") {
    const certs = await parseCertificates(changes[CA_KEY] as string);
    if (!certs.ok) issues.push({ field: CA_KEY, reason: certs.reason, code: "not_certificate" });
  }
  return issues;
}

/** Settings an owner may change: the charging current, up to the installer's maximum. */
export const OWNER_SETTINGS = ["power.stationMaxCurrentMa"] as const;

/** 403 for a setting the owner may not change, 400 above the installer's maximum. */
function ownerChecks(
  settings: AppContext["station"]["settings"],
  changes: Record<string, unknown>,
) {
  const forbidden = Object.keys(changes).filter(
    (k) => !(OWNER_SETTINGS as readonly string[]).includes(k),
  );
  if (forbidden.length > 0) {
    throw new HttpError(
      403,
      "The owner account may not change these settings",
      forbidden.map((k) => ({
        field: k,
        reason: "Only the installer may change this setting",
        code: "forbidden",
      })),
    );
  }
  const max = settings.get("power.ownerMaxCurrentMa");
  const wanted = changes["power.stationMaxCurrentMa"];
  if (typeof wanted === "number" && wanted > max) {
    throw new HttpError(400, "Above the installer's maximum", [{
      field: "power.stationMaxCurrentMa",
      reason: `At most ${max} mA (the installer's maximum)`,
      code: "above_owner_max",
      params: { max },
    }]);
  }
}

/** The routes under `/api`. */
export function settingsRoutes(ctx: AppContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const settings = ctx.station.settings;

  app.get("/settings", (c) => {
    const { keys } = parseQuery(c, SettingsQuery);
    const all = settings.all() as Record<string, unknown>;
    const wanted = keys
      ? keys.split(",").map((k) => k.trim()).filter(Boolean)
      : Object.keys(SETTINGS);
    const unknown = wanted.filter((k) => !settingDef(k));
    if (unknown.length > 0) {
      throw new HttpError(
        400,
        "Unknown settings",
        unknown.map((k) => ({
          field: "keys",
          reason: `Unknown setting: ${k}`,
          code: "unknown_setting",
        })),
      );
    }
    return c.json({
      values: Object.fromEntries(wanted.map((k) => [k, shown(k, all[k])])),
      meta: Object.fromEntries(wanted.map((k) => [k, meta(k, all[k])])),
    });
  });

  app.put("/settings", async (c) => {
    const body = await parseBody(c, PutBody);
    // A secret sent back as null (the UI got null) stays as it is.
    const changes = Object.fromEntries(
      Object.entries(body.values).filter(([k, v]) => {
        const def = settingDef(k);
        return !(v === null && def && isSecret(def));
      }),
    );
    const role = roleOf(c.get("session")!);
    if (role === "owner") ownerChecks(settings, changes);
    const issues = [...blankIssues(changes)];
    const blank = new Set(issues.map((i) => i.field));
    issues.push(...(await keyIssues(ctx, changes)).filter((i) => !blank.has(i.field)));
    if (issues.length === 0) {
      const merged = { ...settings.all(), ...changes };
      issues.push(...crossFieldIssues(merged, Object.keys(changes)));
    }
    if (issues.length > 0) throw new HttpError(400, "Invalid settings", issues);
    const change = await settings.set(changes, {
      writer: "outside",
      actor: role,
      nowMs: ctx.station.hardware.clock.nowMs(),
    });
    const changed = Object.keys(change.changed);
    if (changed.length > 0) {
      // Keys only: values may be secrets.
      await ctx.station.store.events.append([{
        atMs: ctx.station.hardware.clock.nowMs(),
        kind: "webui",
        code: "SettingsChanged",
        message: `Settings changed from the web interface: ${changed.join(", ")}`,
      }]);
    }
    const now = settings.all() as Record<string, unknown>;
    return c.json({
      values: Object.fromEntries(Object.keys(changes).map((k) => [k, shown(k, now[k])])),
      restartNeeded: change.restartNeeded,
    });
  });

  app.post("/settings/ca-certificate", async (c) => {
    const text = await c.req.text();
    if (text.length > MAX_PEM_CHARS) {
      throw new HttpError(413, "Certificate too large", [{
        field: "body",
        reason: `At most ${MAX_PEM_CHARS} characters`,
        code: "too_big",
        params: { max: MAX_PEM_CHARS },
      }]);
    }
    const parsed = await parseCertificates(text);
    if (!parsed.ok) {
      throw new HttpError(400, "Not a certificate", [{
        field: "body",
        reason: parsed.reason,
        code: "not_certificate",
      }]);
    }
    await settings.set({ [CA_KEY]: parsed.pem } as Partial<Record<SettingKey, unknown>>, {
      writer: "outside",
      nowMs: ctx.station.hardware.clock.nowMs(),
    });
    return c.json({
      stored: true,
      ...certificateInfo(parsed.certs, ctx.station.hardware.clock.nowMs()),
    });
  });

  // The stored certificate, so the page shows its subject and expiry after a reload.
  app.get("/settings/ca-certificate", async (c) => {
    const pem = settings.get(CA_KEY as SettingKey) as string;
    const parsed = pem ? await parseCertificates(pem) : undefined;
    if (!parsed?.ok) return c.json({ stored: false });
    return c.json({
      stored: true,
      ...certificateInfo(parsed.certs, ctx.station.hardware.clock.nowMs()),
    });
  });

  return app;
}
