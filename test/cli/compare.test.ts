import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DATA, ensureBuilt, nnbench, PY } from "./helpers.js";

beforeAll(ensureBuilt, 300_000);

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), "nnbench-cli-compare-"));
}

describe("nnbench compare", () => {
  it("compares Python nnbench results across formats and passes", async () => {
    const r = await nnbench(["compare", `${PY}/run-a.json`, `${PY}/run-b.ndjson`, "-C", "host", "--fail", "time:+200%"]);
    expect(r.stdout).toMatch(/baseline "py-run-a"/);
    expect(r.stdout).toMatch(/^py-run-b\s+ci-b$/m);
    expect(r.stdout).toMatch(/^fails\s+py-run-b.*error in both/m);
    expect(r.stdout).toMatch(/Status/);
    // Times in these files differ by up to 53%; a 200% limit holds.
    expect(r.code).toBe(0);
  });

  it("gates on a comparison file: 0 when values hold, 1 when one regresses", async () => {
    const dir = tmp();
    const cmp = path.join(DATA, "compare/comparison.json");
    const run = (name: string, accuracy: string) =>
      nnbench(["run", path.join(DATA, "compare"), "-n", name, "-o", path.join(dir, `${name}.json`)], { env: { NNBENCH_TEST_ACCURACY: accuracy } });
    expect((await run("base", "0.9")).code).toBe(0);
    expect((await run("same", "0.9")).code).toBe(0);
    expect((await run("better", "0.95")).code).toBe(0);
    expect((await run("worse", "0.8")).code).toBe(0);
    const pass = await nnbench(["compare", path.join(dir, "base.json"), path.join(dir, "same.json"), path.join(dir, "better.json"), "--comparison-file", cmp]);
    expect(pass.code).toBe(0);
    expect(pass.stdout).toMatch(/accuracy: value x ≥ y/);
    const fail = await nnbench(["compare", path.join(dir, "base.json"), path.join(dir, "worse.json"), "--comparison-file", cmp]);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toMatch(/^accuracy\s+worse\s+0\.8\s+0\.9\s.*✗ FAIL/m);
    expect(fail.stdout).toMatch(/1 of 2 comparisons regressed/);
  });

  it("fails a time limit only on a significant slowdown across samples", async () => {
    const dir = tmp();
    const run = (name: string, spinUs: string) =>
      nnbench(["run", path.join(DATA, "compare"), "-n", name, "-t", "none", "-o", path.join(dir, `${name}.json`)], { env: { NNBENCH_TEST_SPIN_US: spinUs } });
    // -t none selects nothing: check that a run with no benchmarks still writes a result.
    expect((await run("empty", "100")).code).toBe(0);
    const all = (name: string, spinUs: string) =>
      nnbench(["run", path.join(DATA, "compare"), "-n", name, "-o", path.join(dir, `${name}.json`)], { env: { NNBENCH_TEST_SPIN_US: spinUs } });
    expect((await all("fast", "200")).code).toBe(0);
    // Every sample of this run spins at least 4 ms, ten times the first run's 0.2 ms.
    expect((await all("slow", "4000")).code).toBe(0);
    const r = await nnbench(["compare", path.join(dir, "fast.json"), path.join(dir, "slow.json"), "--fail", "time:+5%"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^latency\s+slow\s.*✗ FAIL\s+time_ns .* significant \(p=/m);
  });

  it("exits 2 on bad input", async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, "bad.json"), "{");
    writeFileSync(path.join(dir, "typo.json"), JSON.stringify({ prodcut: { class: "GreaterEqual" } }));
    const cases: [string[], RegExp][] = [
      [["compare", `${PY}/run-a.json`], /need at least two runs to compare/],
      [["compare", `${PY}/run-a.json`, path.join(dir, "missing.json")], /missing\.json: no such file/],
      [["compare", `${PY}/run-a.json`, path.join(dir, "bad.json")], /bad\.json: document: invalid JSON/],
      [["compare", `${PY}/run-a.json`, `${PY}/run-b.json`, "--fail", "time:5%"], /invalid threshold "time:5%"/],
      [["compare", `${PY}/run-a.json`, `${PY}/run-b.json`, "--comparison-file", path.join(dir, "bad.json")], /not valid JSON/],
      [["compare", `${PY}/run-a.json`, `${PY}/run-b.json`, "--alpha", "2"], /argument '2' is invalid/],
      // A typo in a gate must not pass silently: the message lists the fields a threshold may name.
      [["compare", `${PY}/run-a.json`, `${PY}/run-b.json`, "--fail", "tiem:+5%"], /unknown field "tiem"; valid fields: time, time_ns, value.*memory\.native_peak_bytes/],
      [["compare", `${PY}/run-a.json`, `${PY}/run-b.json`, "--comparison-file", path.join(dir, "typo.json")], /comparators name "prodcut", which no run has; benchmark and function names in these runs: .*product/],
    ];
    for (const [args, message] of cases) {
      const r = await nnbench(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("records the addon build with --context native and warns when two runs' builds differ", async () => {
    const dir = tmp();
    const { gemmInfo } = await import("nnbench");
    const detected = gemmInfo().detectedIsa;
    const run = (name: string, env: Record<string, string>) =>
      nnbench(["run", path.join(DATA, "compare"), "-t", "none", "--context", "native", "-n", name, "-o", path.join(dir, `${name}.json`)], { env });
    expect((await run("portable", { NNBENCH_GEMM_ISA: "portable" })).code).toBe(0);
    expect((await run("detected", {})).code).toBe(0);
    const recorded = JSON.parse(readFileSync(path.join(dir, "portable.json"), "utf8")) as { context: { native: Record<string, unknown> } };
    expect(recorded.context.native).toMatchObject({ gemm_isa: "portable", detected_isa: detected, compiler: expect.any(String) });
    const r = await nnbench(["compare", path.join(dir, "portable.json"), path.join(dir, "detected.json")]);
    expect(r.code).toBe(0);
    if (detected === "portable") expect(r.stdout).not.toMatch(/warning: .*native\.gemm_isa/);
    else expect(r.stdout).toMatch(new RegExp(`warning: runs "portable" and "detected" differ in context native\\.gemm_isa: "portable" vs "${detected}"`));
  });

  it("reads Python nnbench's SQLite database directly", async () => {
    const r = await nnbench(["compare", `sqlite://${PY}/results.db`, "-C", "host"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^py-run-a\s+ci-a$/m);
    expect(r.stdout).toMatch(/All 6 comparisons passed/);
  });
});
