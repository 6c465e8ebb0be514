/**
 * Results in a SQLite database file, addressed as `sqlite://path/to/results.db` (relative path) or
 * `sqlite:///abs/path/results.db`. The table is Python nnbench's: `nnbench(run, benchmark, context,
 * timestamp)`, one row per benchmark record, with `benchmark` and `context` as JSON text, so each
 * project reads the other's databases. An index on `run` speeds up reading one run, and the table
 * `nnbench_runs` remembers what rows cannot say: that a run was partial, or that it had no records.
 * Writing appends one run in a transaction; rows written earlier are never touched.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import type { BenchmarkResult } from "../types.js";
import { ResultFormatError, UnsupportedTargetError } from "../errors.js";
import { optionalPackage } from "./optional.js";
import { applyRunTable, noSuchRunError, parseRow, resultToRows, rowsToResults, type ResultRow, type RunTableRow } from "./records.js";
import type { Reporter } from "./reporter.js";

/** The URI scheme of SQLite targets. */
export const SQLITE_SCHEME = "sqlite://";

/** A parsed `sqlite://` target. */
export interface SQLiteTarget {
  /** The database file. */
  path: string;
  /** Only this run, when `?run=NAME` is given. */
  run?: string;
}

/** Splits `sqlite://path?run=NAME` into its parts. */
export function parseSQLiteTarget(target: string): SQLiteTarget {
  if (!target.startsWith(SQLITE_SCHEME)) {
    throw new UnsupportedTargetError(target, ["sqlite://path/to/results.db"], "not a sqlite:// URI");
  }
  const rest = target.slice(SQLITE_SCHEME.length);
  const q = rest.indexOf("?");
  const file = q < 0 ? rest : rest.slice(0, q);
  if (file === "") throw new UnsupportedTargetError(target, ["sqlite://path/to/results.db"], "no database path");
  const out: SQLiteTarget = { path: decodeURIComponent(file) };
  if (q >= 0) {
    const params = new URLSearchParams(rest.slice(q + 1));
    for (const key of params.keys()) {
      if (key !== "run") {
        throw new UnsupportedTargetError(target, ["sqlite://path/to/results.db", "sqlite://path/to/results.db?run=NAME"], `unknown query parameter "${key}"`);
      }
    }
    const run = params.get("run");
    if (run !== null) out.run = run;
  }
  return out;
}

type Database = BetterSqlite3.Database;

const loadDriver = optionalPackage("better-sqlite3", "SQLite results (sqlite://)", () => import("better-sqlite3"));

async function openDatabase(file: string, readonly: boolean): Promise<Database> {
  const Driver = (await loadDriver()).default;
  try {
    return new Driver(file, { readonly, fileMustExist: readonly, timeout: 10_000 });
  } catch (err) {
    throw new ResultFormatError(file, `cannot open SQLite database (${(err as Error).message})`, { cause: err });
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS nnbench(run, benchmark, context, timestamp);
CREATE INDEX IF NOT EXISTS nnbench_run ON nnbench(run);
CREATE TABLE IF NOT EXISTS nnbench_runs(
  run TEXT NOT NULL,
  timestamp NOT NULL,
  context TEXT NOT NULL,
  partial INTEGER NOT NULL DEFAULT 0,
  benchmarks INTEGER NOT NULL
);
`;

function hasTable(db: Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** Writes and reads results in SQLite database files. */
export class SQLiteReporter implements Reporter {
  /** Appends `result` to the database at `target` (created if missing). `?run=` is not allowed here. */
  async write(result: BenchmarkResult, target: string): Promise<void> {
    const t = parseSQLiteTarget(target);
    if (t.run !== undefined) throw new UnsupportedTargetError(target, ["sqlite://path/to/results.db"], "?run= selects a run to read; it cannot be written to");
    await fs.mkdir(path.dirname(path.resolve(t.path)), { recursive: true });
    const db = await openDatabase(t.path, false);
    try {
      db.exec(SCHEMA);
      const insert = db.prepare("INSERT INTO nnbench(run, benchmark, context, timestamp) VALUES (?, ?, ?, ?)");
      const insertRun = db.prepare(
        "INSERT INTO nnbench_runs(run, timestamp, context, partial, benchmarks) VALUES (?, ?, ?, ?, ?)",
      );
      const context = JSON.stringify(result.context);
      db.transaction(() => {
        for (const b of result.benchmarks) insert.run(result.run, JSON.stringify(b), context, result.timestamp);
        insertRun.run(result.run, result.timestamp, context, result.partial ? 1 : 0, result.benchmarks.length);
      })();
    } finally {
      db.close();
    }
  }

  /** Reads every run in the database, or only the run named by `?run=NAME`. */
  async read(target: string): Promise<BenchmarkResult[]> {
    const t = parseSQLiteTarget(target);
    try {
      await fs.access(t.path);
    } catch (err) {
      throw new ResultFormatError(t.path, "no such database file", { cause: err });
    }
    const db = await openDatabase(t.path, true);
    try {
      if (!hasTable(db, "nnbench")) throw new ResultFormatError(t.path, "holds no nnbench results table");
      const where = t.run === undefined ? "" : " WHERE run = ?";
      const args = t.run === undefined ? [] : [t.run];
      const raw = db
        .prepare(`SELECT rowid AS id, run, benchmark, context, timestamp FROM nnbench${where} ORDER BY rowid`)
        .all(...args) as { id: number; run: unknown; benchmark: unknown; context: unknown; timestamp: unknown }[];
      const rows: ResultRow[] = raw.map((r) =>
        parseRow({ run: r.run, benchmark: r.benchmark, context: r.context, timestamp: r.timestamp } as never, t.path, `row ${r.id}`),
      );
      const results = rowsToResults(rows);
      if (hasTable(db, "nnbench_runs")) {
        const runs = db
          .prepare(`SELECT rowid AS id, run, timestamp, context, partial, benchmarks FROM nnbench_runs${where} ORDER BY rowid`)
          .all(...args) as (Omit<RunTableRow, "partial"> & { partial: number })[];
        applyRunTable(results, runs.map((r) => ({ ...r, partial: r.partial === 1 })), t.path, "nnbench_runs");
      }
      if (t.run !== undefined && results.length === 0) {
        const names = (db.prepare("SELECT run FROM nnbench GROUP BY run ORDER BY MIN(rowid)").all() as { run: string }[]).map((r) => r.run);
        throw noSuchRunError(t.path, t.run, names);
      }
      return results;
    } finally {
      db.close();
    }
  }
}
