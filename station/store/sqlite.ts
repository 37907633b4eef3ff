/**
 * Kysely on the built-in `node:sqlite`: the small adapter Kysely's SqliteDialect needs, and the
 * pragmas that make every commit durable (WAL, synchronous=FULL).
 * @module
 */
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { Kysely, type SqliteDatabase, SqliteDialect, type SqliteStatement } from "kysely";

function adapt(raw: DatabaseSync): SqliteDatabase {
  return {
    close: () => raw.close(),
    prepare(sql: string): SqliteStatement {
      const stmt = raw.prepare(sql);
      const params = (p: ReadonlyArray<unknown>) => p as SQLInputValue[];
      return {
        reader: stmt.columns().length > 0,
        all: (p) => stmt.all(...params(p)),
        run: (p) => stmt.run(...params(p)),
        iterate: (p) => stmt.iterate(...params(p)),
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
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: adapt(raw) }) });
  return { db, raw };
}
