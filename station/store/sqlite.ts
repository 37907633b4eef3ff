/**
 * Kysely on the built-in `node:sqlite`: the small adapter Kysely's SqliteDialect needs, and the
 * pragmas that make every commit durable (WAL, synchronous=FULL), and a bounded cache of prepared
 * statements.
 *
 * Kysely prepares each query anew. A `node:sqlite` statement holds native memory that is freed
 * only when V8 collects its small wrapper, so under steady load (a query a second per Modbus
 * client, meter samples, sessions) statements pile up in the C heap between collections: about
 * 10 MiB in three minutes of the bench's load. The cache reuses one statement per SQL text and
 * keeps at most {@linkcode STATEMENT_CACHE_SIZE}, the least recently used going first.
 * @module
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { Kysely, type SqliteDatabase, SqliteDialect, type SqliteStatement } from "kysely";

/** Prepared statements kept per connection (distinct SQL texts; the station uses about 150). */
export const STATEMENT_CACHE_SIZE = 256;

/** The statements of one connection, by SQL text, least recently used first. */
export class StatementCache {
  readonly #raw: DatabaseSync;
  readonly #limit: number;
  readonly #cache = new Map<string, { stmt: StatementSync; reader: boolean }>();

  constructor(raw: DatabaseSync, limit = STATEMENT_CACHE_SIZE) {
    this.#raw = raw;
    this.#limit = limit;
  }

  /** How many statements are kept. */
  get size(): number {
    return this.#cache.size;
  }

  /** The statement for `sql`, prepared once. */
  get(sql: string): { stmt: StatementSync; reader: boolean } {
    let entry = this.#cache.get(sql);
    if (entry) {
      this.#cache.delete(sql);
    } else {
      const stmt = this.#raw.prepare(sql);
      entry = { stmt, reader: stmt.columns().length > 0 };
      if (this.#cache.size >= this.#limit) {
        this.#cache.delete(this.#cache.keys().next().value!);
      }
    }
    this.#cache.set(sql, entry);
    return entry;
  }

  /** Forgets every statement (before the connection closes). */
  clear(): void {
    this.#cache.clear();
  }
}

function adapt(raw: DatabaseSync, cache: StatementCache): SqliteDatabase {
  const params = (p: ReadonlyArray<unknown>) => p as SQLInputValue[];
  return {
    close: () => {
      cache.clear();
      raw.close();
    },
    prepare(sql: string): SqliteStatement {
      const { stmt, reader } = cache.get(sql);
      return {
        reader,
        all: (p) => stmt.all(...params(p)),
        run: (p) => stmt.run(...params(p)),
        // An iterator holds its statement until it is done: a statement of its own.
        iterate: (p) => raw.prepare(sql).iterate(...params(p)),
      };
    },
  };
}

/** Opens (creating if needed) the SQLite file at `path` with durable settings. */
export function openSqlite<DB>(path: string): { db: Kysely<DB>; raw: DatabaseSync } {
  const raw = new DatabaseSync(path);
  raw.exec("PRAGMA journal_mode = WAL");
  raw.exec("PRAGMA synchronous = FULL");
  raw.exec("PRAGMA foreign_keys = ON");
  raw.exec("PRAGMA busy_timeout = 5000");
  const cache = new StatementCache(raw);
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: adapt(raw, cache) }) });
  return { db, raw };
}
