import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readResults } from "../../src/reporter/index.js";
import { DATA, ensureBuilt, interruptRun, nnbench } from "./helpers.js";

beforeAll(ensureBuilt, 300_000);

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), "nnbench-cli-run-"));
}

describe("nnbench (general)", () => {
  it("prints help and version", async () => {
    const help = await nnbench(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: nnbench/);
    expect(help.stdout).toMatch(/run \[options\] \[path\]/);
    expect(help.stdout).toMatch(/compare \[options\] <results\.\.\.>/);
    const version = await nnbench(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(__dirname, "../../package.json"), "utf8")).version);
  });

  it("exits 2 on usage errors", async () => {
    expect((await nnbench(["frobnicate"])).code).toBe(2);
    expect((await nnbench([])).code).toBe(2);
    const bad = await nnbench(["run", "-j", "zero"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/-j, --jobs <n>' argument 'zero' is invalid/);
  });

  it("prints one line and no stack trace on errors, the stack with --log-level debug", async () => {
    const missing = await nnbench(["run", "no/such/dir"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("nnbench: error: no such benchmark file or directory: no/such/dir\n");
    const target = await nnbench(["run", path.join(DATA, "basic"), "-o", "results.xlsx"]);
    expect(target.code).toBe(2);
    expect(target.stderr.trim().split("\n")).toHaveLength(1);
    expect(target.stderr).toMatch(/unsupported result target "results\.xlsx".*supported: \*\.json/);
    const debug = await nnbench(["--log-level", "debug", "run", path.join(DATA, "basic"), "-o", "results.xlsx"]);
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/UnsupportedTargetError: unsupported result target[\s\S]*\n\s+at /);
  });
});

describe("nnbench run", () => {
  it("runs a directory with conf.ts fixtures and prints a table", async () => {
    const r = await nnbench(["run", path.join(DATA, "basic"), "--context", "host=ci-1", "-n", "first"]);
    expect(r.code).toBe(1); // one benchmark always fails
    expect(r.stdout).toMatch(/^Run first at /);
    expect(r.stdout).toMatch(/host\s+ci-1/);
    expect(r.stdout).toMatch(/^product\s+20\s+\S+ [nµm]?s\s+\+\S+ \S*B\s+0 B\s+a=2, b=10$/m);
    expect(r.stdout).toMatch(/^zeros_sum_n=64\s+4096\s.*16\.0 KiB\s+n=64$/m);
    expect(r.stdout).toMatch(/^fails\s+ERROR: this benchmark always fails \(a=2\)/m);
    expect(r.stderr).toBe("nnbench: warning: 1 of 5 benchmarks failed: fails\n");
  });

  it("runs .ts benchmarks of a project that is not an ES module package", async () => {
    const dir = path.join(DATA, "commonjs");
    const r = await nnbench(["run", "benchmarks"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^power\s+1024\s/m);
    expect(r.stdout).toMatch(/^zeros_sum\s+0\s.*64 B\s+n=16$/m);
  });

  it("keeps only tagged benchmarks with -t", async () => {
    const dir = tmp();
    const r = await nnbench(["run", path.join(DATA, "basic"), "-t", "fast", "-t", "native", "-o", path.join(dir, "r.json")]);
    expect(r.code).toBe(0);
    const [res] = await readResults(path.join(dir, "r.json"));
    expect(res!.benchmarks.map((b) => b.name)).toEqual(["product", "zeros_sum_n=16", "zeros_sum_n=64"]);
  });

  it("writes every format, reads each back identically, and compares them", async () => {
    const dir = tmp();
    const files = ["r.json", "r.ndjson", "r.yaml", "r.csv", "r.parquet", "r.json.gz", "r.csv.gz"].map((f) => path.join(dir, f));
    const r = await nnbench(["run", path.join(DATA, "basic"), "--repeat", "3", "--context", "node", "-n", "fmt", ...files.flatMap((f) => ["-o", f])]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const [reference] = await readResults(files[0]!);
    expect(reference!.run).toBe("fmt");
    expect(reference!.context).toHaveProperty("node.version", process.versions.node);
    const product = reference!.benchmarks.find((b) => b.name === "product")!;
    expect(product.samples_ns).toHaveLength(3);
    expect(product.stats).toBeDefined();
    expect(product.memory).toBeDefined();
    expect(reference!.benchmarks.find((b) => b.name === "fails")).toMatchObject({ error_occurred: true, error_kind: "error" });
    for (const f of files.slice(1)) expect(await readResults(f), f).toEqual([reference]);
    const cmp = await nnbench(["compare", files[1]!, files[4]!]);
    expect(cmp.code).toBe(0);
    expect(cmp.stdout).toMatch(/All 5 comparisons passed/);
  });

  it("appends runs to a SQLite file and reads them back by name", async () => {
    const db = path.join(tmp(), "results.db");
    expect((await nnbench(["run", path.join(DATA, "basic"), "-n", "one", "-o", `sqlite://${db}`])).code).toBe(1);
    expect((await nnbench(["run", path.join(DATA, "basic"), "-n", "two", "-t", "fast", "-o", `sqlite://${db}`])).code).toBe(0);
    expect(existsSync(db)).toBe(true);
    const runs = await readResults(`sqlite://${db}`);
    expect(runs.map((x) => [x.run, x.benchmarks.length])).toEqual([
      ["one", 5],
      ["two", 1],
    ]);
    const cmp = await nnbench(["compare", `sqlite://${db}`]);
    expect(cmp.code).toBe(0);
    expect(cmp.stdout).toMatch(/power\s+two\s+N\/A.*\? missing/);
    const one = await nnbench(["compare", `sqlite://${db}?run=two`]);
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(/need at least two runs to compare/);
  });

  it("exits 143 with a partial result on SIGTERM", async () => {
    const { r, result: res } = await interruptRun([], path.join(tmp(), "partial.ndjson"), 1, "SIGTERM");
    expect(r.code).toBe(143);
    expect(res.partial).toBe(true);
    expect(res.benchmarks.at(-1)).toMatchObject({ error_kind: "interrupted", error_message: "interrupted by SIGTERM before it finished" });
  });

  it("writes the finished results, marked partial, when interrupted", async () => {
    // Interrupt once the third step has started, so two have finished.
    const { r, result: res } = await interruptRun(["-n", "stopped"], path.join(tmp(), "partial.json"), 3, "SIGINT");
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted by SIGINT: writing the \d+ finished benchmark records as a partial result/);
    expect(res.partial).toBe(true);
    expect(res.run).toBe("stopped");
    const ok = res.benchmarks.filter((b) => !b.error_occurred);
    expect(ok.length).toBeGreaterThanOrEqual(2);
    expect(ok.length).toBeLessThan(20);
    expect(ok.map((b) => b.value)).toEqual(ok.map((_, i) => i));
    expect(res.benchmarks.at(-1)).toMatchObject({ error_occurred: true, error_kind: "interrupted" });
  });
});
