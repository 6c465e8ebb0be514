/**
 * Results in a PostgreSQL database, addressed as `postgres://user:password@host:port/database` (or
 * `postgresql://`). The layout is the SQLite reporter's, with JSON as `jsonb`: `nnbench(id, run,
 * benchmark, context, timestamp)`, one row per benchmark record, and `nnbench_runs` for what rows
 * cannot say (a run was partial, or had no records). The tables are created on first use, under an
 * advisory lock so that concurrent first writers do not race, and `nnbench_schema` holds the layout's
 * version. Each run is appended in one transaction, so concurrent writers never see or leave half a run.
 *
 * Whatever the URL leaves out (user, password, host, port, database) comes from the standard `PG*`
 * environment variables, as with `psql`. The password is never written into results or messages:
 * {@link redactPostgresTarget} is how a target is shown.
 */
import type { Client, ClientConfig } from "pg";
import type { BenchmarkResult } from "../types.js";
import { ResultFormatError, UnsupportedTargetError } from "../errors.js";
import { optionalPackage } from "./optional.js";
import { applyRunTable, noSuchRunError, parseRow, rowsToResults, type RunTableRow } from "./records.js";
import type { Reporter } from "./reporter.js";

/** The URI schemes of PostgreSQL targets. */
export const POSTGRES_SCHEMES: readonly string[] = ["postgres://", "postgresql://"];

/** The version of the table layout this nnbench writes and reads. */
export const POSTGRES_SCHEMA_VERSION = 1;

const FORMS = ["postgres://user:password@host:port/database", "postgres://host/database?run=NAME"];

/** A parsed `postgres://` target. */
export interface PostgresTarget {
  /** The connection string for node-postgres, without `run`. */
  connectionString: string;
  /** The target as it may be shown: the password replaced by `***`. */
  display: string;
  /** Only this run, when `?run=NAME` is given. */
  run?: string;
}

/** Whether `target` names a PostgreSQL database. */
export function isPostgresTarget(target: string): boolean {
  return POSTGRES_SCHEMES.some((s) => target.toLowerCase().startsWith(s));
}

/** `target` (any `scheme://user:password@…` URL) with its password replaced by `***`, fit for logs and messages. */
export function redactPostgresTarget(target: string): string {
  return target.replace(/^([a-z]+:\/\/[^:@/?#]*:)[^@/?#]*@/i, "$1***@");
}

/** Splits `postgres://…?run=NAME` into a connection string and the run to read. */
export function parsePostgresTarget(target: string): PostgresTarget {
  const display = redactPostgresTarget(target);
  if (!isPostgresTarget(target)) throw new UnsupportedTargetError(display, FORMS, "not a postgres:// URI");
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new UnsupportedTargetError(display, FORMS, "not a valid URL");
  }
  const run = url.searchParams.get("run");
  url.searchParams.delete("run");
  const out: PostgresTarget = { connectionString: url.toString(), display: redactPostgresTarget(url.toString()) };
  if (run !== null) out.run = run;
  return out;
}

const loadPg = optionalPackage("pg", "PostgreSQL results", () => import("pg"));

async function connect(t: PostgresTarget): Promise<Client> {
  const pg = await loadPg();
  const config: ClientConfig = { connectionString: t.connectionString, connectionTimeoutMillis: 15_000 };
  const client = new pg.default.Client(config);
  // A connection lost while idle must not crash the process: the next query reports it.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new ResultFormatError(t.display, `cannot connect to PostgreSQL (${(err as Error).message})`, { cause: err });
  }
  return client;
}

/** Arbitrary but fixed: serializes the creation of the tables among concurrent first writers. */
const SCHEMA_LOCK = 0x6e6e6265;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS nnbench_schema(version integer NOT NULL);
CREATE TABLE IF NOT EXISTS nnbench(
  id bigserial PRIMARY KEY,
  run text NOT NULL,
  benchmark jsonb,
  context jsonb NOT NULL,
  timestamp double precision NOT NULL
);
CREATE INDEX IF NOT EXISTS nnbench_run ON nnbench(run);
CREATE TABLE IF NOT EXISTS nnbench_runs(
  id bigserial PRIMARY KEY,
  run text NOT NULL,
  timestamp double precision NOT NULL,
  context jsonb NOT NULL,
  partial boolean NOT NULL DEFAULT false,
  benchmarks integer NOT NULL
);
CREATE INDEX IF NOT EXISTS nnbench_runs_run ON nnbench_runs(run);
`;

async function schemaVersion(client: Client): Promise<number | undefined> {
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('nnbench_schema')::text AS t");
  if (exists.rows[0]?.t == null) return undefined;
  const v = await client.query<{ version: number }>("SELECT max(version) AS version FROM nnbench_schema");
  return v.rows[0]?.version ?? undefined;
}

function checkVersion(version: number, display: string): void {
  if (version > POSTGRES_SCHEMA_VERSION) {
    throw new ResultFormatError(display, `holds nnbench tables of schema version ${version}; this nnbench knows version ${POSTGRES_SCHEMA_VERSION}: upgrade nnbench`);
  }
}

async function rollback(client: Client): Promise<void> {
  await client.query("ROLLBACK").catch(() => undefined);
}

/** Writes and reads results in PostgreSQL databases. */
export class PostgresReporter implements Reporter {
  /** Appends `result` to the database at `target`, creating the tables on first use. `?run=` is not allowed here. */
  async write(result: BenchmarkResult, target: string): Promise<void> {
    const t = parsePostgresTarget(target);
    if (t.run !== undefined) throw new UnsupportedTargetError(t.display, FORMS, "?run= selects a run to read; it cannot be written to");
    const client = await connect(t);
    try {
      await client.query("BEGIN");
      try {
        let version = await schemaVersion(client);
        if (version === undefined) {
          await client.query("SELECT pg_advisory_xact_lock($1)", [SCHEMA_LOCK]);
          await client.query(SCHEMA);
          version = await schemaVersion(client);
          if (version === undefined) {
            await client.query("INSERT INTO nnbench_schema(version) VALUES ($1)", [POSTGRES_SCHEMA_VERSION]);
            version = POSTGRES_SCHEMA_VERSION;
          }
        }
        checkVersion(version, t.display);
        const context = JSON.stringify(result.context);
        await client.query(
          `INSERT INTO nnbench(run, benchmark, context, timestamp)
           SELECT $1, b.value, $2::jsonb, $3 FROM jsonb_array_elements($4::jsonb) WITH ORDINALITY AS b(value, i) ORDER BY b.i`,
          [result.run, context, result.timestamp, JSON.stringify(result.benchmarks)],
        );
        await client.query("INSERT INTO nnbench_runs(run, timestamp, context, partial, benchmarks) VALUES ($1, $2, $3::jsonb, $4, $5)", [
          result.run,
          result.timestamp,
          context,
          result.partial === true,
          result.benchmarks.length,
        ]);
        await client.query("COMMIT");
      } catch (err) {
        await rollback(client);
        if (err instanceof ResultFormatError) throw err;
        throw new ResultFormatError(t.display, `writing run "${result.run}" failed (${(err as Error).message})`, { cause: err });
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Reads every run in the database, or only the run named by `?run=NAME`. */
  async read(target: string): Promise<BenchmarkResult[]> {
    const t = parsePostgresTarget(target);
    const client = await connect(t);
    try {
      // One snapshot for both tables, so a run committed meanwhile is seen whole or not at all.
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      try {
        const version = await schemaVersion(client);
        if (version === undefined) throw new ResultFormatError(t.display, "holds no nnbench results tables");
        checkVersion(version, t.display);
        const where = t.run === undefined ? "" : " WHERE run = $1";
        const args = t.run === undefined ? [] : [t.run];
        const raw = await client.query<{ id: string; run: unknown; benchmark: unknown; context: unknown; timestamp: unknown }>(
          `SELECT id, run, benchmark, context, timestamp FROM nnbench${where} ORDER BY id`,
          args,
        );
        const results = rowsToResults(
          raw.rows.map((r) => parseRow({ run: r.run, benchmark: r.benchmark, context: r.context, timestamp: r.timestamp } as never, t.display, `row ${r.id}`)),
        );
        const runs = await client.query<Omit<RunTableRow, "id"> & { id: string }>(
          `SELECT id, run, timestamp, context, partial, benchmarks FROM nnbench_runs${where} ORDER BY id`,
          args,
        );
        applyRunTable(results, runs.rows.map((r) => ({ ...r, id: Number(r.id) })), t.display, "nnbench_runs");
        if (t.run !== undefined && results.length === 0) {
          const names = await client.query<{ run: string }>("SELECT run FROM nnbench_runs GROUP BY run ORDER BY min(id)");
          throw noSuchRunError(t.display, t.run, names.rows.map((r) => r.run));
        }
        return results;
      } finally {
        await rollback(client);
      }
    } catch (err) {
      if (err instanceof ResultFormatError) throw err;
      throw new ResultFormatError(t.display, `reading results failed (${(err as Error).message})`, { cause: err });
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
