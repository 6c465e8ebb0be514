import * as path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ResultFormatError, UnsupportedTargetError } from "../../src/errors.js";
import { parsePostgresTarget, POSTGRES_SCHEMA_VERSION, readResults, redactPostgresTarget, writeResult } from "../../src/reporter/index.js";
import type { BenchmarkResult } from "../../src/types.js";
import { DATA, ensureBuilt, nnbench, start } from "../cli/helpers.js";
import { skipWithoutServers, startPostgres, type PostgresServer } from "../helpers/servers.js";
import { sampleResult } from "./sample.js";

describe("PostgreSQL targets", () => {
  it("parse postgres:// and postgresql:// URLs, keeping every parameter but run", () => {
    expect(parsePostgresTarget("postgres://u:secret@db.example:5433/bench?run=nightly%201&sslmode=require")).toEqual({
      connectionString: "postgres://u:secret@db.example:5433/bench?sslmode=require",
      display: "postgres://u:***@db.example:5433/bench?sslmode=require",
      run: "nightly 1",
    });
    expect(parsePostgresTarget("postgresql://db/bench").run).toBeUndefined();
    expect(() => parsePostgresTarget("postgres://u:secret@[bad/x")).toThrow(UnsupportedTargetError);
    try {
      parsePostgresTarget("postgres://u:secret@[bad/x");
    } catch (err) {
      expect((err as Error).message).not.toContain("secret");
    }
    expect(redactPostgresTarget("postgres://u:p%40ss@h/db")).toBe("postgres://u:***@h/db");
    expect(redactPostgresTarget("postgres://h/db")).toBe("postgres://h/db");
  });
});

describe.skipIf(skipWithoutServers())("PostgreSQL reporter against a real server", () => {
  let server: PostgresServer;
  beforeAll(async () => {
    [server] = await Promise.all([startPostgres(), ensureBuilt()]);
  }, 300_000);
  afterAll(async () => server?.stop());

  async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
    const client = new pg.Client({ connectionString: server.url() });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  }

  it("creates the tables with a schema version on first use and reads runs back", async () => {
    const first = sampleResult();
    const second: BenchmarkResult = { ...sampleResult(), run: "second", timestamp: 1795779700, partial: true };
    const empty: BenchmarkResult = { run: "empty", context: { host: "h" }, benchmarks: [], timestamp: 5, partial: true };
    await writeResult(first, server.url());
    expect(await query("SELECT version FROM nnbench_schema")).toEqual([{ version: POSTGRES_SCHEMA_VERSION }]);
    const cols = await query<{ column_name: string; data_type: string }>(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'nnbench' ORDER BY ordinal_position",
    );
    expect(cols.map((c) => [c.column_name, c.data_type])).toEqual([
      ["id", "bigint"],
      ["run", "text"],
      ["benchmark", "jsonb"],
      ["context", "jsonb"],
      ["timestamp", "double precision"],
    ]);
    await writeResult(second, server.url());
    await writeResult(empty, server.url());
    const all = await readResults(server.url());
    expect(all.filter((r) => ["sample-run", "second", "empty"].includes(r.run))).toEqual([first, second, empty]);
    expect(await readResults(server.url("second"))).toEqual([second]);
    await expect(readResults(server.url("nope"))).rejects.toThrow(/no run named "nope"; runs: .*sample-run, second, empty/);
    await expect(writeResult(first, server.url("x"))).rejects.toThrow(/cannot be written to/);
  });

  it("keeps every row of many writers appending at once", async () => {
    const runs = Array.from({ length: 8 }, (_, i): BenchmarkResult => ({ ...sampleResult(), run: `parallel-${i}`, timestamp: 2000 + i }));
    await Promise.all(runs.map((r) => writeResult(r, server.url())));
    for (const r of runs) expect(await readResults(server.url(r.run))).toEqual([r]);
  });

  it("says which server it cannot reach, without the password", async () => {
    const url = `postgres://${server.user}:${server.password}@127.0.0.1:1/postgres`;
    const err = await writeResult(sampleResult(), url).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(ResultFormatError);
    expect(err!.message).toMatch(/^postgres:\/\/nnbench:\*\*\*@127\.0\.0\.1:1\/postgres: cannot connect to PostgreSQL/);
    expect(err!.message).not.toContain(server.password);
  });

  it("takes credentials from the PG* environment variables", async () => {
    const bare = `postgres://127.0.0.1:${server.port}/postgres`;
    const env = { PGUSER: server.user, PGPASSWORD: server.password };
    const r = await nnbench(["run", path.join(DATA, "basic"), "-n", "from-env", "-o", bare], { env });
    expect(r.code).toBe(1); // the "fails" benchmark fails
    expect((await readResults(server.url("from-env")))[0]!.benchmarks).toHaveLength(5);
  }, 120_000);

  it("two runs written at once by separate processes are both complete, and compare reads them", async () => {
    const url = server.url();
    const a = start(["run", path.join(DATA, "basic"), "-n", "run-a", "-o", url, "--log-level", "debug"]);
    const b = start(["run", path.join(DATA, "basic"), "-n", "run-b", "-o", url, "--log-level", "debug", "-j", "2"]);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect([ra.code, rb.code]).toEqual([1, 1]);
    const [runA] = await readResults(server.url("run-a"));
    const [runB] = await readResults(server.url("run-b"));
    const names = ["product", "power", "zeros_sum_n=16", "zeros_sum_n=64", "fails"];
    expect(runA!.benchmarks.map((x) => x.name)).toEqual(names);
    expect(runB!.benchmarks.map((x) => x.name)).toEqual(names);
    const cmp = await nnbench(["compare", server.url("run-a"), server.url("run-b"), "--log-level", "debug"]);
    expect(cmp.stderr).not.toMatch(/error/i);
    expect(cmp.stdout).toMatch(/run-a/);
    expect(cmp.stdout).toMatch(/run-b/);
    expect(cmp.stdout).toMatch(/^product\b/m);
    // The password is in no log line and no stored record or context.
    for (const out of [ra.stdout, ra.stderr, rb.stdout, rb.stderr, cmp.stdout, cmp.stderr]) expect(out).not.toContain(server.password);
    expect(ra.stderr).toContain(`postgres://${server.user}:***@127.0.0.1:${server.port}/postgres`);
    const stored = await query("SELECT benchmark::text AS b, context::text AS c FROM nnbench UNION ALL SELECT '', context::text FROM nnbench_runs");
    expect(JSON.stringify(stored)).not.toContain(server.password);
  }, 180_000);

  it("writes and reads runs on either side of a server restart", async () => {
    const before: BenchmarkResult = { ...sampleResult(), run: "before-restart", timestamp: 3000 };
    const after: BenchmarkResult = { ...sampleResult(), run: "after-restart", timestamp: 3001 };
    await writeResult(before, server.url());
    await server.restart();
    await writeResult(after, server.url());
    expect(await readResults(server.url("before-restart"))).toEqual([before]);
    expect(await readResults(server.url("after-restart"))).toEqual([after]);
  }, 120_000);
});
