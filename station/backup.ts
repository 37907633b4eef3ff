/**
 * Backup and restore (B-3): settings (the CA certificates among them), the whitelist and the
 * charging profiles a backend left (TxDefault, ChargePointMax) as one JSON file. Secrets only
 * with a passphrase, then encrypted with it (PBKDF2-SHA256 and AES-256-GCM, WebCrypto).
 * Restoring validates the whole file first and plans the change: a diff per setting, counts for
 * the whitelist, and what it skips (settings of another model that do not fit, keys this version
 * does not know, secrets without their passphrase); then applies all of it or nothing. Values
 * of one station alone (master key, charge box id, passwords, keyring path, static address)
 * are never exported nor overwritten.
 * @module
 */
import * as z from "zod";
import type { ChargingProfile, InstalledProfile } from "./smart/profiles.ts";
import { settingDef, SETTINGS, type Settings } from "./settings/mod.ts";
import type { StationInfo } from "./snapshot.ts";
import type { Store } from "./store/mod.ts";
import { WHITELIST_MAX, type WhitelistEntry } from "./store/mod.ts";

/** The file's format name and the version this station writes. */
export const BACKUP_FORMAT = "ladewerk-backup";
export const BACKUP_VERSION = 1;

/** Settings of one station alone: never in a backup, never overwritten by one. */
export const STATION_SPECIFIC = new Set([
  "auth.masterKey",
  "ocpp.chargeBoxIdTemplate",
  "webui.passwordHash",
  "webui.ownerPasswordHash",
  "update.keyringPath",
  "network.ipv4.address",
]);

/**
 * Format migrations: `MIGRATIONS[n]` turns a version-n file into version n+1. Version 1 is the
 * first format; a file of an older application version in it needs none (settings it lacks keep
 * their values, settings this version no longer knows are skipped and reported).
 */
const MIGRATIONS: Record<number, (file: BackupFile) => BackupFile> = {};

const PBKDF2_ITERATIONS = 200_000;

const Encrypted = z.strictObject({
  alg: z.literal("AES-256-GCM"),
  kdf: z.literal("PBKDF2-SHA256"),
  iterations: z.number().int().min(10_000).max(10_000_000),
  salt: z.string().max(64),
  iv: z.string().max(64),
  data: z.string().max(1_000_000),
});

const Entry = z.strictObject({
  uid: z.string().min(1).max(20),
  gid: z.string().max(20).nullable(),
  expiry: z.string().max(40).nullable(),
  authorization: z.enum(["accepted", "blocked", "expired", "invalid", "concurrentTx"]),
});

/** The backup file. */
export const BackupFile = z.strictObject({
  format: z.literal(BACKUP_FORMAT),
  version: z.number().int().min(1).max(BACKUP_VERSION),
  appVersion: z.string().max(40),
  createdAt: z.string().max(40),
  source: z.strictObject({
    serial: z.string().max(40),
    model: z.string().max(80),
    connectors: z.number().int().min(1).max(2),
  }),
  settings: z.record(z.string().max(100), z.unknown()).refine(
    (r) => Object.keys(r).length <= 1000,
    "At most 1000 settings",
  ),
  secrets: Encrypted.nullable(),
  whitelist: z.array(Entry).max(5 * WHITELIST_MAX),
  chargingProfiles: z.array(z.strictObject({
    connectorId: z.number().int().min(0).max(2),
    profile: z.record(z.string(), z.unknown()),
  })).max(100),
});
export type BackupFile = z.infer<typeof BackupFile>;

/** A refusal of the whole file: its field and reason. */
export class BackupError extends Error {
  constructor(readonly field: string, message: string, readonly code: string) {
    super(message);
    this.name = "BackupError";
  }
}

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

async function keyOf(passphrase: string, salt: Uint8Array, iterations: number) {
  const base = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(passphrase.normalize("NFC")),
    "PBKDF2",
    false,
    ["deriveKey"],
  );
  return await crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** Encrypts `value` (as JSON) with a passphrase. */
export async function encrypt(
  value: unknown,
  passphrase: string,
): Promise<z.infer<typeof Encrypted>> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await keyOf(passphrase, salt, PBKDF2_ITERATIONS);
  const data = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv },
      key,
      new TextEncoder().encode(JSON.stringify(value)),
    ),
  );
  return {
    alg: "AES-256-GCM",
    kdf: "PBKDF2-SHA256",
    iterations: PBKDF2_ITERATIONS,
    salt: b64(salt),
    iv: b64(iv),
    data: b64(data),
  };
}

/** Decrypts; throws BackupError `wrong_passphrase` when the passphrase does not fit. */
export async function decrypt(e: z.infer<typeof Encrypted>, passphrase: string): Promise<unknown> {
  try {
    const key = await keyOf(passphrase, unb64(e.salt), e.iterations);
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: unb64(e.iv) as BufferSource },
      key,
      unb64(e.data) as BufferSource,
    );
    return JSON.parse(new TextDecoder().decode(plain));
  } catch {
    throw new BackupError(
      "passphrase",
      "Wrong passphrase, or the file was changed",
      "wrong_passphrase",
    );
  }
}

const isSecret = (key: string) => settingDef(key)?.secret === true;

/** What a backup needs. */
export interface BackupDeps {
  settings: Settings;
  store: Store;
  info: StationInfo;
  nowMs: number;
}

/** Makes the backup file; secrets only with a passphrase (at least 8 characters). */
export async function createBackup(deps: BackupDeps, passphrase?: string): Promise<BackupFile> {
  const all = deps.settings.all() as Record<string, unknown>;
  const plain: Record<string, unknown> = {};
  const secret: Record<string, unknown> = {};
  for (const key of Object.keys(SETTINGS)) {
    if (STATION_SPECIFIC.has(key) || settingDef(key)?.access === "r") continue;
    if (isSecret(key)) {
      if (all[key] !== "") secret[key] = all[key];
    } else plain[key] = all[key];
  }
  const profiles = (await deps.store.chargingProfiles.all()).filter((p) =>
    p.profile.chargingProfilePurpose !== "TxProfile"
  );
  return {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    appVersion: deps.info.firmwareVersion,
    createdAt: new Date(deps.nowMs).toISOString(),
    source: {
      serial: deps.info.serial,
      model: deps.info.model,
      connectors: deps.info.connectors,
    },
    settings: plain,
    secrets: passphrase ? await encrypt(secret, passphrase) : null,
    whitelist: (await deps.store.whitelist.all()).filter((e) => !e.deleted).map((e) => ({
      uid: e.uid,
      gid: e.gid,
      expiry: e.expiryAtMs === null ? null : new Date(e.expiryAtMs).toISOString(),
      authorization: e.authorization,
    })),
    chargingProfiles: profiles.map((p) => ({
      connectorId: p.connectorId,
      profile: p.profile as unknown as Record<string, unknown>,
    })),
  };
}

/** One setting the restore changes; secrets show as `(set)` / `(empty)`. */
export interface SettingDiff {
  key: string;
  old: unknown;
  new: unknown;
}

/** What a restore would do. */
export interface RestorePlan {
  /** The settings to set (changed ones only). */
  settings: Record<string, unknown>;
  diff: SettingDiff[];
  skipped: { key: string; reason: string }[];
  whitelist: {
    entries: WhitelistEntry[];
    added: number;
    changed: number;
    removed: number;
    total: number;
  };
  profiles: InstalledProfile[];
  /** Whether the file held secrets, and whether they are part of the plan. */
  secrets: "none" | "restored" | "skipped";
  sourceSerial: string;
  fromVersion: number;
}

/** Brings an older file to the current format, one version at a time. */
export function migrate(file: BackupFile): BackupFile {
  let f = file;
  while (f.version < BACKUP_VERSION) {
    const step = MIGRATIONS[f.version];
    if (!step) {
      throw new BackupError("backup.version", `No migration from ${f.version}`, "invalid_backup");
    }
    f = step(f);
  }
  return f;
}

const masked = (key: string, v: unknown) =>
  isSecret(key) ? (v === "" || v === undefined ? "(empty)" : "(set)") : v;

/** Validates `raw` as a whole and plans its restore; throws BackupError for the file. */
export async function planRestore(
  deps: BackupDeps,
  raw: unknown,
  passphrase?: string,
): Promise<RestorePlan> {
  const parsed = BackupFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BackupError(
      `backup${issue?.path.length ? "." + issue.path.join(".") : ""}`,
      issue?.message ?? "Not a backup of this station's kind",
      "invalid_backup",
    );
  }
  const fromVersion = parsed.data.version;
  const file = migrate(parsed.data);
  const wanted: Record<string, unknown> = { ...file.settings };
  let secrets: RestorePlan["secrets"] = "none";
  const skipped: RestorePlan["skipped"] = [];
  if (file.secrets) {
    if (passphrase) {
      const values = await decrypt(file.secrets, passphrase);
      if (typeof values !== "object" || values === null) {
        throw new BackupError(
          "backup.secrets",
          "The secrets are not a set of settings",
          "invalid_backup",
        );
      }
      Object.assign(wanted, values);
      secrets = "restored";
    } else {
      secrets = "skipped";
      skipped.push({ key: "secrets", reason: "The backup's secrets need its passphrase" });
    }
  }
  const current = deps.settings.all() as Record<string, unknown>;
  const toSet: Record<string, unknown> = {};
  const diff: SettingDiff[] = [];
  for (const [key, value] of Object.entries(wanted)) {
    if (!settingDef(key)) {
      skipped.push({ key, reason: "Unknown to this version" });
      continue;
    }
    if (STATION_SPECIFIC.has(key)) {
      skipped.push({ key, reason: "Belongs to this station alone" });
      continue;
    }
    if (settingDef(key)!.access === "r") {
      skipped.push({ key, reason: "Read-only" });
      continue;
    }
    const cp = /\.cp(\d)\./.exec(key);
    if (cp && Number(cp[1]) > deps.info.connectors) {
      skipped.push({ key, reason: `This station has ${deps.info.connectors} charge point(s)` });
      continue;
    }
    if (JSON.stringify(current[key]) === JSON.stringify(value)) continue;
    toSet[key] = value;
  }
  // Each value on its own against this station's rules: what does not fit is skipped.
  for (const key of Object.keys(toSet)) {
    const reason = deps.settings.problem(key, toSet[key]);
    if (reason) {
      skipped.push({ key, reason });
      delete toSet[key];
    } else diff.push({ key, old: masked(key, current[key]), new: masked(key, toSet[key]) });
  }

  const entries: WhitelistEntry[] = [];
  const seen = new Set<string>();
  for (const [i, e] of file.whitelist.entries()) {
    const uid = e.uid.toUpperCase();
    if (seen.has(uid)) {
      throw new BackupError(
        `backup.whitelist.${i}.uid`,
        `Duplicate UID ${e.uid}`,
        "invalid_backup",
      );
    }
    seen.add(uid);
    const expiryAtMs = e.expiry === null ? null : Date.parse(e.expiry);
    if (expiryAtMs !== null && Number.isNaN(expiryAtMs)) {
      throw new BackupError(`backup.whitelist.${i}.expiry`, "Not a time", "invalid_backup");
    }
    entries.push({
      uid: e.uid,
      gid: e.gid || null,
      expiryAtMs,
      authorization: e.authorization,
      deleted: false,
    });
  }
  if (entries.length > WHITELIST_MAX) {
    throw new BackupError("backup.whitelist", `At most ${WHITELIST_MAX} entries`, "too_many");
  }
  const held = (await deps.store.whitelist.all()).filter((e) => !e.deleted);
  const heldBy = new Map(held.map((e) => [e.uid.toUpperCase(), e]));
  const added = entries.filter((e) => !heldBy.has(e.uid.toUpperCase())).length;
  const changed = entries.filter((e) => {
    const h = heldBy.get(e.uid.toUpperCase());
    return h &&
      (h.gid !== e.gid || h.expiryAtMs !== e.expiryAtMs || h.authorization !== e.authorization);
  }).length;
  const removed = held.filter((h) => !seen.has(h.uid.toUpperCase())).length;

  const profiles: InstalledProfile[] = [];
  for (const [i, p] of file.chargingProfiles.entries()) {
    const profile = p.profile as unknown as ChargingProfile;
    const ok = typeof profile.chargingProfileId === "number" &&
      ["TxDefaultProfile", "ChargePointMaxProfile"].includes(
        String(profile.chargingProfilePurpose),
      ) &&
      typeof profile.stackLevel === "number" && typeof profile.chargingSchedule === "object";
    if (!ok) {
      throw new BackupError(
        `backup.chargingProfiles.${i}`,
        "Not a TxDefault or ChargePointMax profile",
        "invalid_backup",
      );
    }
    if (p.connectorId > deps.info.connectors) {
      skipped.push({
        key: `chargingProfiles.${i}`,
        reason: `No charge point ${p.connectorId} here`,
      });
      continue;
    }
    profiles.push({ connectorId: p.connectorId, profile, installedAtMs: deps.nowMs });
  }
  return {
    settings: toSet,
    diff,
    skipped,
    whitelist: { entries, added, changed, removed, total: entries.length },
    profiles,
    secrets,
    sourceSerial: file.source.serial,
    fromVersion,
  };
}

/**
 * Applies a plan: the settings in one transaction, then the whitelist in one; if the second
 * fails the settings go back, so a restore is all or nothing. Profiles follow (they apply at
 * the next restart of the station program). Resolves with the new local list version.
 */
export async function applyRestore(deps: BackupDeps, plan: RestorePlan, listVersionKey: string) {
  const before = deps.settings.all() as Record<string, unknown>;
  const previous = Object.fromEntries(Object.keys(plan.settings).map((k) => [k, before[k]]));
  await deps.settings.set(plan.settings, { writer: "outside", actor: "installer" });
  try {
    await deps.store.whitelist.apply({ replace: true, upsert: plan.whitelist.entries }, deps.nowMs);
    const version = Number(await deps.store.getMeta(listVersionKey) ?? 0) + 1;
    await deps.store.setMeta(listVersionKey, String(version));
    if (plan.profiles.length > 0) {
      const held = await deps.store.chargingProfiles.all();
      await deps.store.chargingProfiles.apply({
        remove: held.filter((p) => p.profile.chargingProfilePurpose !== "TxProfile")
          .map((p) => p.profile.chargingProfileId),
        put: plan.profiles,
      });
    }
    return { listVersion: version, restartNeeded: plan.profiles.length > 0 };
  } catch (e) {
    await deps.settings.set(previous, { writer: "station", actor: "installer" });
    throw e;
  }
}
