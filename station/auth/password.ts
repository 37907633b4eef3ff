/**
 * The admin password (M-1.1, M-1.2): the initial password is the serial number, or on stations
 * from 08/2025 the factory password (then the serial is never valid); once changed, a salted
 * scrypt hash in the setting `webui.passwordHash`. The web interface and the OCPP adapter
 * (`/WebUi/password/reset`) share these functions.
 * @module
 */
import type { Settings } from "../settings/mod.ts";

/** What deciding about the password needs. */
export interface PasswordContext {
  settings: Settings;
  /** The station's serial number: the initial password without a factory password. */
  serial: string;
  /** The label password of stations from 08/2025; when set the serial is never valid. */
  factoryPassword?: string | undefined;
}

/** One reason a new password is refused; `code` is stable for translations. */
export interface PasswordIssue {
  field: string;
  reason: string;
  code: string;
  params?: Record<string, number>;
}

/** A new password was refused; nothing changed. */
export class PasswordRuleError extends Error {
  readonly issues: PasswordIssue[];

  constructor(issues: PasswordIssue[]) {
    super(`Password refused: ${issues.map((i) => i.reason).join("; ")}`);
    this.name = "PasswordRuleError";
    this.issues = issues;
  }
}

/** Shortest and longest password accepted. */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 128;

const HASH_KEY = "webui.passwordHash";
const SCRYPT = { N: 16_384, r: 8, p: 1, keyLength: 32, saltBytes: 16 };

/** node:crypto and node:buffer, loaded with the first login or password check, not with the
 * program: any Node module loads Deno's Node layer (issue 14). */
const nodeCrypto = () => import("node:crypto");
const nodeBuffer = () => import("node:buffer");

async function scryptAsync(
  password: string,
  salt: Uint8Array,
  params: { N: number; r: number; p: number; keyLength: number },
): Promise<Uint8Array> {
  const { scrypt } = await nodeCrypto();
  return await new Promise((resolve, reject) => {
    scrypt(
      password.normalize("NFC"),
      salt,
      params.keyLength,
      { N: params.N, r: params.r, p: params.p, maxmem: 64 * 1024 * 1024 },
      (err, key) => err ? reject(err) : resolve(new Uint8Array(key)),
    );
  });
}

/** Hashes a password: `scrypt$N$r$p$salt$hash` (base64). */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SCRYPT.saltBytes));
  const key = await scryptAsync(password, salt, SCRYPT);
  const { Buffer } = await nodeBuffer();
  const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
  return ["scrypt", SCRYPT.N, SCRYPT.r, SCRYPT.p, b64(salt), b64(key)].join("$");
}

/** Whether `password` matches a hash made by `hashPassword`; false for a malformed hash. */
export async function matchesHash(password: string, hash: string): Promise<boolean> {
  const [kind, n, r, p, salt, key] = hash.split("$");
  if (kind !== "scrypt" || !salt || !key) return false;
  const { Buffer } = await nodeBuffer();
  const expected = Buffer.from(key, "base64");
  const params = { N: Number(n), r: Number(r), p: Number(p), keyLength: expected.length };
  if (![params.N, params.r, params.p].every(Number.isSafeInteger) || expected.length < 16) {
    return false;
  }
  const actual = await scryptAsync(password, Buffer.from(salt, "base64"), params);
  const { timingSafeEqual } = await nodeCrypto();
  return timingSafeEqual(actual, expected);
}

/** Compares two strings in constant time (by their SHA-256). */
export async function sameSecret(a: string, b: string): Promise<boolean> {
  const { createHash, timingSafeEqual } = await nodeCrypto();
  const digest = (s: string) => createHash("sha256").update(s.normalize("NFC")).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** The password that applies until it is changed: the factory password, else the serial. */
export function initialPassword(ctx: PasswordContext): string {
  return ctx.factoryPassword ?? ctx.serial;
}

/** Whether the password was changed from the initial one. */
export function passwordChanged(settings: Settings): boolean {
  return settings.get(HASH_KEY) !== "";
}

/** Checks `password` against the admin password (the initial one until it is changed). */
export async function verifyPassword(ctx: PasswordContext, password: string): Promise<boolean> {
  if (password.length === 0 || password.length > PASSWORD_MAX_LENGTH) return false;
  const hash = ctx.settings.get(HASH_KEY);
  if (hash === "") return await sameSecret(password, initialPassword(ctx));
  return await matchesHash(password, hash);
}

/**
 * Why a new password is refused: at least 10 characters, a letter and a digit, not the serial,
 * not the factory password, not containing "admin". Empty when it is fine.
 */
export function passwordIssues(
  password: string,
  ctx: Omit<PasswordContext, "settings">,
  field = "newPassword",
): PasswordIssue[] {
  const issues: PasswordIssue[] = [];
  const add = (code: string, reason: string, params?: Record<string, number>) =>
    issues.push({ field, reason, code, ...(params ? { params } : {}) });
  if (password.length < PASSWORD_MIN_LENGTH) {
    add("too_short", `Must have at least ${PASSWORD_MIN_LENGTH} characters`, {
      min: PASSWORD_MIN_LENGTH,
    });
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    add("too_long", `Must have at most ${PASSWORD_MAX_LENGTH} characters`, {
      max: PASSWORD_MAX_LENGTH,
    });
  }
  if (!/\p{L}/u.test(password)) add("needs_letter", "Must contain a letter");
  if (!/\p{Nd}/u.test(password)) add("needs_digit", "Must contain a digit");
  if (password === ctx.serial) add("is_serial", "Must not be the serial number");
  if (ctx.factoryPassword !== undefined && password === ctx.factoryPassword) {
    add("is_factory_password", "Must not be the factory password");
  }
  if (password.toLowerCase().includes("admin")) add("contains_admin", 'Must not contain "admin"');
  return issues;
}

/** Sets a new admin password after the rule check; throws PasswordRuleError if refused. */
export async function setPassword(
  ctx: PasswordContext,
  newPassword: string,
  options: { nowMs?: number } = {},
): Promise<void> {
  const issues = passwordIssues(newPassword, ctx);
  if (issues.length > 0) throw new PasswordRuleError(issues);
  const hash = await hashPassword(newPassword);
  await ctx.settings.set({ [HASH_KEY]: hash }, { writer: "station", nowMs: options.nowMs });
}

/** Setting of the owner account's password hash; empty: no owner account. */
export const OWNER_HASH_KEY = "webui.ownerPasswordHash";

/** Whether the installer has created the owner account. */
export function ownerExists(settings: Settings): boolean {
  return settings.get(OWNER_HASH_KEY) !== "";
}

/** Checks `password` against the owner account's; false while there is none. */
export async function verifyOwnerPassword(settings: Settings, password: string): Promise<boolean> {
  if (password.length === 0 || password.length > PASSWORD_MAX_LENGTH) return false;
  const hash = settings.get(OWNER_HASH_KEY);
  return hash !== "" && await matchesHash(password, hash);
}

/** Sets (or creates) the owner's password after the same rule check as the admin's. */
export async function setOwnerPassword(ctx: PasswordContext, newPassword: string): Promise<void> {
  const issues = passwordIssues(newPassword, ctx);
  if (issues.length > 0) throw new PasswordRuleError(issues);
  await ctx.settings.set({ [OWNER_HASH_KEY]: await hashPassword(newPassword) }, {
    writer: "station",
  });
}

/** Removes the owner account. */
export async function removeOwner(settings: Settings): Promise<void> {
  await settings.set({ [OWNER_HASH_KEY]: "" }, { writer: "station" });
}

/** Back to the initial password (factory password or serial), as after a factory reset. */
export async function resetPassword(
  ctx: Pick<PasswordContext, "settings">,
  options: { nowMs?: number } = {},
): Promise<void> {
  await ctx.settings.set({ [HASH_KEY]: "" }, { writer: "station", nowMs: options.nowMs });
}

/**
 * The setter behind OCPP `/WebUi/password/reset`: sets the admin password, resolves false when
 * the rule refuses it; `onChanged` runs after a change (the web app ends its sessions).
 */
export function webPasswordSetter(
  ctx: PasswordContext,
  onChanged?: () => void,
): (password: string) => Promise<boolean> {
  return async (password) => {
    try {
      await setPassword(ctx, password);
    } catch (e) {
      if (e instanceof PasswordRuleError) return false;
      throw e;
    }
    onChanged?.();
    return true;
  };
}
