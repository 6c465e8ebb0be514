import Database from "better-sqlite3";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ResultFormatError, UnsupportedTargetError } from "../../src/errors.js";
import { readResults, SQLiteReporter, writeResult } from "../../src/reporter/index.js";
import { parseSQLiteTarget } from "../../src/reporter/sqlite.js";
import type { BenchmarkResult } from "../../src/types.js";
import { sampleResult } from "./sample.js";
import { FIXTURES } from "../helpers/fixtures.js";

const PY_DB = path.join(FIXTURES, "nnbench-py", "results.db");

function tmpDb(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), "nnbench-sqlite-")), "sub", "results.db");
}

describe("SQLite reporter", () => {
  it("parses sqlite:// targets", () => {
    expect(parseSQLiteTarget("sqlite://results.db")).toEqual({ path: "results.db" });
    expect(parseSQLiteTarget("sqlite:///abs/r.db?run=nightly%201")).toEqual({ path: "/abs/r.db", run: "nightly 1" });
    expect(() => parseSQLiteTarget("sqlite://")).toThrow(UnsupportedTargetError);
    expect(() => parseSQLiteTarget("sqlite://r.db?table=x")).toThrow(/unknown query parameter "table"/);
  });

  it("stores one row per benchmark in Python nnbench's table and reads runs back", async () => {
    const file = tmpDb();
    const first = sampleResult();
    const second: BenchmarkResult = { ...sampleResult(), run: "second", timestamp: 1795779700, partial: true };
    await writeResult(first, `sqlite://${file}`);
    const db = new Database(file, { readonly: true });
    const cols = (db.prepare("PRAGMA table_info(nnbench)").all() as { name: string }[]).map((c) => c.name);
    expect(cols).toEqual(["run", "benchmark", "context", "timestamp"]);
    const before = db.prepare("SELECT rowid, * FROM nnbench ORDER BY rowid").all();
    expect(before).toHaveLength(first.benchmarks.length);
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'nnbench'").all();
    expect(indexes).toEqual([{ name: "nnbench_run" }]);
    db.close();

    await writeResult(second, `sqlite://${file}`);
    const db2 = new Database(file, { readonly: true });
    // Appending left the earlier rows exactly as they were.
    expect(db2.prepare("SELECT rowid, * FROM nnbench ORDER BY rowid LIMIT ?").all(before.length)).toEqual(before);
    db2.close();

    expect(await readResults(`sqlite://${file}`)).toEqual([first, second]);
    expect(await readResults(`sqlite://${file}?run=second`)).toEqual([second]);
    await expect(readResults(`sqlite://${file}?run=nope`)).rejects.toThrow(/no run named "nope"; runs: sample-run, second/);
  });

  it("keeps a run that has no benchmarks", async () => {
    const file = tmpDb();
    const empty: BenchmarkResult = { run: "empty", context: { host: "h" }, benchmarks: [], timestamp: 5, partial: true };
    await writeResult(empty, `sqlite://${file}`);
    expect(await readResults(`sqlite://${file}`)).toEqual([empty]);
  });

  it("reads the database written by Python nnbench 0.5", async () => {
    const runs = await readResults(`sqlite://${PY_DB}`);
    expect(runs.map((r) => [r.run, r.context, r.timestamp, r.benchmarks.length])).toEqual([
      ["py-run-a", { host: "ci-a" }, 1795779600, 6],
      ["py-run-b", { host: "ci-b" }, 1795779601, 6],
    ]);
    const [b] = await readResults(`sqlite://${PY_DB}?run=py-run-b`);
    expect(b!.benchmarks.find((x) => x.name === "fails")).toMatchObject({ error_occurred: true, error_message: "this benchmark always fails" });
  });

  it("appends to a Python-written database and reads all runs", async () => {
    const file = tmpDb();
    await import("node:fs").then((fs) => fs.mkdirSync(path.dirname(file), { recursive: true }));
    copyFileSync(PY_DB, file);
    await new SQLiteReporter().write(sampleResult(), `sqlite://${file}`);
    const runs = await new SQLiteReporter().read(`sqlite://${file}`);
    expect(runs.map((r) => r.run)).toEqual(["py-run-a", "py-run-b", "sample-run"]);
    expect(runs[2]).toEqual(sampleResult());
  });

  it("fails clearly on a missing database or one without results", async () => {
    await expect(readResults("sqlite:///nonexistent/dir/x.db")).rejects.toThrow(ResultFormatError);
    const file = tmpDb();
    await import("node:fs").then((fs) => fs.mkdirSync(path.dirname(file), { recursive: true }));
    new Database(file).exec("CREATE TABLE other(x)");
    await expect(readResults(`sqlite://${file}`)).rejects.toThrow(/holds no nnbench results table/);
    await expect(writeResult(sampleResult(), `sqlite://${file}?run=x`)).rejects.toThrow(UnsupportedTargetError);
  });
});
