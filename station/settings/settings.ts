/**
 * The station's settings at run time: typed reads, validated atomic writes, change events.
 * @module
 */
import type { Actor } from "../types.ts";
import type { FactoryInfo, SettingDef } from "./define.ts";
import {
  defaultOf,
  settingDef,
  type SettingKey,
  SETTINGS,
  type SettingValues,
} from "./registry.ts";
import { type SettingsStorage, UnparsableSetting } from "../store/settings_store.ts";

/** One refused field and why. */
export interface FieldIssue {
  field: string;
  reason: string;
}

/** A settings change was refused; nothing of it was applied. */
export class SettingsError extends Error {
  readonly issues: FieldIssue[];

  constructor(issues: FieldIssue[]) {
    super(`Invalid settings: ${issues.map((i) => `${i.field}: ${i.reason}`).join("; ")}`);
    this.name = "SettingsError";
    this.issues = issues;
  }
}

/** A change that was applied: the keys and their new values. */
export interface SettingsChange {
  changed: Partial<SettingValues>;
  /** The values the changed settings had before. */
  previous: Partial<SettingValues>;
  /** Who changed them (for the audit log). */
  actor: Actor;
  /** Whether any changed setting takes effect only after a restart. */
  restartNeeded: boolean;
}

/** Who writes: the station itself may write read-only settings, outside callers may not. */
export type Writer = "station" | "outside";

export type { Actor };

/** The settings of one station. */
export class Settings {
  #values: SettingValues;
  #storage: SettingsStorage;
  #factory: FactoryInfo;
  #listeners = new Set<(change: SettingsChange) => void>();
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(values: SettingValues, storage: SettingsStorage, factory: FactoryInfo) {
    this.#values = values;
    this.#storage = storage;
    this.#factory = factory;
  }

  /** Loads stored values over the factory defaults; stored values that no longer validate are
   * dropped back to the default (and reported in `dropped`). */
  static async open(
    storage: SettingsStorage,
    factory: FactoryInfo,
  ): Promise<{ settings: Settings; dropped: FieldIssue[] }> {
    const stored = await storage.load();
    const values = {} as Record<string, unknown>;
    const dropped: FieldIssue[] = [];
    for (const key of Object.keys(SETTINGS) as SettingKey[]) {
      values[key] = defaultOf(key, factory);
      if (!Object.hasOwn(stored, key)) continue;
      if (stored[key] instanceof UnparsableSetting) {
        dropped.push({ field: key, reason: "Stored value is not valid JSON" });
        continue;
      }
      const reason = check(SETTINGS[key] as SettingDef, stored[key], factory);
      if (reason.ok) values[key] = reason.value;
      else dropped.push({ field: key, reason: reason.reason });
    }
    return { settings: new Settings(values as SettingValues, storage, factory), dropped };
  }

  /** The factory facts these settings were opened with. */
  get factory(): FactoryInfo {
    return this.#factory;
  }

  /** The value of one setting. */
  get<K extends SettingKey>(key: K): SettingValues[K] {
    return this.#values[key];
  }

  /** A copy of every value. */
  all(): SettingValues {
    return { ...this.#values };
  }

  /**
   * Validates and applies a change atomically: every field is checked first, the change is
   * stored in one transaction, then listeners hear of it. Throws SettingsError listing every
   * refused field; on error nothing changes. Calls apply one after another, in call order.
   */
  async set(
    changes: Record<string, unknown>,
    options: { writer?: Writer; nowMs?: number; actor?: Actor } = {},
  ): Promise<SettingsChange> {
    const writer = options.writer ?? "outside";
    const actor = options.actor ?? (writer === "station" ? "station" : "installer");
    return await this.#serialised(() => {
      const parsed = this.#validate(changes, writer);
      return this.#commit(parsed, options.nowMs ?? Date.now(), [], actor);
    });
  }

  /** Why `value` does not fit setting `key` on this station, or undefined when it does. */
  problem(key: string, value: unknown): string | undefined {
    const def = settingDef(key);
    if (!def) return "Unknown setting";
    const result = check(def, value, this.#factory);
    return result.ok ? undefined : result.reason;
  }

  /** Every setting back to its factory default, in one transaction. */
  async resetAll(nowMs = Date.now(), actor: Actor = "installer"): Promise<SettingsChange> {
    return await this.#serialised(() => {
      const defaults: Record<string, unknown> = {};
      for (const key of Object.keys(SETTINGS) as SettingKey[]) {
        defaults[key] = defaultOf(key, this.#factory);
      }
      // Every stored row goes, also those open() dropped while the value was already default.
      return this.#commit(defaults, nowMs, Object.keys(SETTINGS), actor);
    });
  }

  /** Runs `task` after every earlier change has settled, so none works on stale values. */
  #serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => {});
    return run;
  }

  #validate(changes: Record<string, unknown>, writer: Writer): Record<string, unknown> {
    const issues: FieldIssue[] = [];
    const parsed: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(changes)) {
      const def = settingDef(key);
      if (!def) {
        issues.push({ field: key, reason: "Unknown setting" });
        continue;
      }
      if (writer === "outside" && def.access === "r") {
        issues.push({ field: key, reason: "Read-only setting" });
        continue;
      }
      const result = check(def, raw, this.#factory);
      if (result.ok) parsed[key] = result.value;
      else issues.push({ field: key, reason: result.reason });
    }
    if (issues.length > 0) throw new SettingsError(issues);
    return parsed;
  }

  /** Stores the values that differ (plus `alsoReset` rows), then applies and announces them. */
  async #commit(
    parsed: Record<string, unknown>,
    nowMs: number,
    alsoReset: readonly string[],
    actor: Actor,
  ): Promise<SettingsChange> {
    const changed = Object.fromEntries(
      Object.entries(parsed).filter(([k, v]) => !sameValue(this.#values[k as SettingKey], v)),
    );
    const toStore: Record<string, unknown> = {};
    const toReset = new Set(alsoReset);
    for (const [key, value] of Object.entries(changed)) {
      if (sameValue(defaultOf(key as SettingKey, this.#factory), value)) toReset.add(key);
      else toStore[key] = value;
    }
    if (Object.keys(toStore).length > 0 || toReset.size > 0) {
      await this.#storage.save(toStore, [...toReset], nowMs);
    }
    if (Object.keys(changed).length === 0) {
      return { changed: {}, previous: {}, actor, restartNeeded: false };
    }
    const previous = Object.fromEntries(
      Object.keys(changed).map((k) => [k, this.#values[k as SettingKey]]),
    );
    Object.assign(this.#values, changed);
    const change: SettingsChange = {
      changed: changed as Partial<SettingValues>,
      previous: previous as Partial<SettingValues>,
      actor,
      restartNeeded: Object.keys(changed).some((k) => settingDef(k)?.restart === true),
    };
    for (const listener of this.#listeners) listener(change);
    return change;
  }

  /** Calls `listener` after every applied change; returns the unsubscribe function. */
  onChange(listener: (change: SettingsChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

function check(
  def: SettingDef,
  raw: unknown,
  factory: FactoryInfo,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  const result = def.schema.safeParse(raw);
  if (!result.success) {
    return { ok: false, reason: result.error.issues[0]?.message ?? "Invalid value" };
  }
  const reason = def.check?.(result.data, factory);
  return reason ? { ok: false, reason } : { ok: true, value: result.data };
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
