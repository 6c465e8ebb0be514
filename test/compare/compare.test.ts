import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { AbsDiffLessEqual, GreaterEqual, LessEqual } from "../../src/compare/comparators.js";
import { compare } from "../../src/compare/compare.js";
import { ComparisonError } from "../../src/errors.js";
import { renderComparison } from "../../src/compare/render.js";
import { parseThreshold } from "../../src/compare/thresholds.js";
import { readResults } from "../../src/reporter/index.js";
import type { BenchmarkRecord, BenchmarkResult } from "../../src/types.js";
import { FIXTURES } from "../helpers/fixtures.js";

const PY = path.join(FIXTURES, "nnbench-py");

function rec(name: string, fields: Partial<BenchmarkRecord> = {}): BenchmarkRecord {
  return { name, function: name, description: "", error_occurred: false, error_message: "", parameters: {}, time_ns: 1000, ...fields };
}

function result(run: string, benchmarks: BenchmarkRecord[], context: BenchmarkResult["context"] = {}): BenchmarkResult {
  return { run, context, benchmarks, timestamp: 0 };
}

describe("compare", () => {
  it("compares Python nnbench's runs: a benchmark failing in both is not a regression", async () => {
    const [a] = await readResults(`${PY}/run-a.json`);
    const [b] = await readResults(`${PY}/run-b.ndjson`);
    const c = compare([a!, b!], { comparators: { product: new GreaterEqual(), matmul_sum: new AbsDiffLessEqual(1e-6) } });
    expect(c.success).toBe(true);
    expect(c.rows.map((r) => [r.benchmark, r.status])).toEqual([
      ["product", "pass"],
      ["power", "pass"],
      ["matmul_sum_n=16", "pass"],
      ["matmul_sum_n=64", "pass"],
      ["matmul_sum_n=128", "pass"],
      ["fails", "error"],
    ]);
    // The family-wide comparator applied to each member.
    expect(c.rows[2]!.checks[0]!.check).toBe("value |x − y| ≤ 0.000001");
  });

  it("fails when a value regresses or a benchmark starts failing", () => {
    const base = result("base", [rec("accuracy", { value: 0.9 }), rec("loss", { value: 0.2 }), rec("infer", { value: 1 }), rec("gone")]);
    const next = result("next", [
      rec("accuracy", { value: 0.85 }),
      rec("loss", { value: 0.1 }),
      rec("infer", { error_occurred: true, error_message: "out of memory", error_kind: "oom" }),
      rec("added"),
    ]);
    const c = compare([base, next], { comparators: { accuracy: new GreaterEqual(), loss: new LessEqual(), gone: new GreaterEqual() } });
    expect(c.success).toBe(false);
    const status = Object.fromEntries(c.rows.map((r) => [r.benchmark, [r.status, r.failed]]));
    expect(status).toEqual({
      accuracy: ["fail", true],
      loss: ["pass", false],
      infer: ["fail", true],
      gone: ["missing", true],
      added: ["new", false],
    });
    const text = renderComparison(c);
    expect(text).toMatch(/Status/);
    expect(text).toMatch(/accuracy.*✗ FAIL/);
    expect(text).toMatch(/now fails: out of memory/);
    expect(text).toMatch(/3 of 5 comparisons regressed/);
  });

  it("compares every later run with the first", () => {
    const runs = [0.9, 0.95, 0.8].map((v, i) => result(`r${i}`, [rec("acc", { value: v })]));
    const c = compare(runs, { comparators: { acc: new GreaterEqual() } });
    expect(c.rows.map((r) => [r.run, r.status])).toEqual([
      ["r1", "pass"],
      ["r2", "fail"],
    ]);
  });

  it("applies memory and time thresholds", () => {
    const mem = (peak: number) => ({ native_peak_bytes: peak, native_delta_bytes: 0, heap_used_delta_bytes: 0 });
    const base = result("base", [rec("a", { time_ns: 1000, memory: mem(100 << 20) }), rec("b", { time_ns: 1000, memory: mem(100 << 20) })]);
    const next = result("next", [rec("a", { time_ns: 1040, memory: mem(115 << 20) }), rec("b", { time_ns: 1100, memory: mem(105 << 20) })]);
    const c = compare([base, next], { thresholds: [parseThreshold("time:+5%"), parseThreshold("memory.native_peak_bytes:+10MiB")] });
    const a = c.rows.find((r) => r.benchmark === "a")!;
    const b = c.rows.find((r) => r.benchmark === "b")!;
    expect(a.checks.map((x) => x.status)).toEqual(["pass", "fail"]);
    expect(a.checks[1]!.detail).toBe("memory.native_peak_bytes 100 MiB → 115 MiB (+15.0%)");
    expect(b.checks.map((x) => x.status)).toEqual(["fail", "pass"]);
    expect(c.success).toBe(false);
  });

  it("counts a slowdown only when the samples make it significant", () => {
    // Overlapping noisy samples whose medians differ by 9%: noise (p = 0.164, as SciPy computes it).
    const noisyBase = [100, 130, 95, 120, 105, 140, 98, 125];
    const noisyNext = [103, 142, 99, 131, 115, 150, 104, 134];
    // Clearly separated samples, 10% slower: a regression.
    const slowBase = [100, 101, 99, 100, 102, 98, 100, 101];
    const slowNext = [110, 111, 109, 110, 112, 108, 111, 110];
    const withSamples = (name: string, s: number[]) => {
      const sorted = [...s].sort((x, y) => x - y);
      return rec(name, { samples_ns: s, time_ns: (sorted[3]! + sorted[4]!) / 2 });
    };
    const base = result("base", [withSamples("noisy", noisyBase), withSamples("slow", slowBase)]);
    const next = result("next", [withSamples("noisy", noisyNext), withSamples("slow", slowNext)]);
    const c = compare([base, next], { thresholds: [parseThreshold("time:+5%")] });
    const noisy = c.rows[0]!.checks[0]!;
    const slow = c.rows[1]!.checks[0]!;
    expect(noisy.status).toBe("noise");
    expect(noisy.p).toBeCloseTo(0.16410256410256407, 12);
    expect(slow.status).toBe("fail");
    expect(slow.p).toBeLessThan(0.001);
    expect(c.rows.map((r) => r.status)).toEqual(["pass", "fail"]);
    expect(renderComparison(c)).toMatch(/noisy.*pass \(noise\).*not significant/);
  });

  it("warns when the runs' environments differ, not when the clock speed does", () => {
    const ctx = (model: string, node: string, mhz: number) => ({ cpu: { model, frequency: mhz }, node: { version: node }, host: model });
    const c = compare([result("a", [rec("x")], ctx("Xeon", "20.1.0", 2000)), result("b", [rec("x")], ctx("EPYC", "22.0.0", 3000))]);
    expect(c.warnings).toEqual([
      'runs "a" and "b" differ in context cpu.model: "Xeon" vs "EPYC"',
      'runs "a" and "b" differ in context node.version: "20.1.0" vs "22.0.0"',
    ]);
    const same = compare([result("a", [rec("x")], ctx("Xeon", "20", 2000)), result("b", [rec("x")], ctx("Xeon", "20", 3000))]);
    expect(same.warnings).toEqual([]);
  });

  it("warns when the addon's build differs (the native context provider's keys)", () => {
    const ctx = (isa: string) => ({ native: { gemm_isa: isa, float32_tile: isa === "avx2" ? "6x16" : "14x32", threads: 2 } });
    const c = compare([result("a", [rec("x")], ctx("avx2")), result("b", [rec("x")], ctx("avx512"))]);
    expect(c.warnings).toEqual([
      'runs "a" and "b" differ in context native.gemm_isa: "avx2" vs "avx512"',
      'runs "a" and "b" differ in context native.float32_tile: "6x16" vs "14x32"',
    ]);
  });

  describe("records measured by workers of a queue", () => {
    const machine = { host: "ci-1", platform: "linux", arch: "x86_64", cpu: "Xeon", cores: 8, total_memory: 1e10, node: "20.4.0", nnbench: "0.1.0" };
    const worker = (id: string, fields: Record<string, unknown> = {}, isa = "avx512") =>
      ({ id, ...machine, addon: { gemm_isa: isa, compiler: "gcc 12" }, ...fields }) as BenchmarkRecord["worker"];
    const on = (w: BenchmarkRecord["worker"], ...names: string[]) => names.map((n) => rec(n, { worker: w! }));

    it("warn when one run's workers differ, naming the fields, the workers and the benchmarks", () => {
      const mixed = result("q", [...on(worker("ci-1:10"), "a", "b"), ...on(worker("ci-2:20", {}, "avx2"), "c"), ...on(worker("ci-1:11"), "d")]);
      const c = compare([mixed, result("r", [rec("a")])]);
      expect(c.warnings).toEqual([
        'run "q" was measured on different machines: addon.gemm_isa "avx512" vs "avx2" (workers ci-1:10, ci-1:11: a, b, d; worker ci-2:20: c)',
      ]);
      // Workers on one machine differ only in their ids.
      const alike = result("q", [...on(worker("ci-1:10"), "a"), ...on(worker("ci-1:11"), "b")]);
      expect(compare([alike, alike]).warnings).toEqual([]);
    });

    it("warn when the runs measured a benchmark on different machines, not when only their submitters differ", () => {
      const base = result("main", [...on(worker("ci-1:10"), "a", "b"), rec("lost")], { cpu: { model: "laptop" } });
      const next = result("pr", on(worker("ci-3:30", { host: "ci-3", cpu: "EPYC" }), "a", "b"), { cpu: { model: "desktop" } });
      expect(compare([base, next]).warnings).toEqual([
        'runs "main" and "pr" measured 2 benchmarks on different machines: host "ci-1" vs "ci-3", cpu "Xeon" vs "EPYC" (worker ci-1:10 vs worker ci-3:30; a, b)',
      ]);
      const again = result("pr", on(worker("ci-1:12"), "a", "b"), { cpu: { model: "desktop" } });
      expect(compare([base, again]).warnings).toEqual([]);
    });

    it("warn against a run on one machine by what its context tells of it", () => {
      const local = result("main", [rec("a"), rec("b")], { cpu: { model: "Xeon", cores: 8, frequency: 3000 }, native: { gemm_isa: "avx512", threads: 8 } });
      const queued = result("pr", [...on(worker("ci-1:10"), "a"), ...on(worker("ci-2:20", {}, "avx2"), "b")]);
      expect(compare([local, queued]).warnings).toEqual([
        'runs "main" and "pr" measured 1 benchmark on different machines: addon.gemm_isa "avx512" vs "avx2" (the run\'s own machine vs worker ci-2:20; b)',
        'run "pr" was measured on different machines: addon.gemm_isa "avx512" vs "avx2" (worker ci-1:10: a; worker ci-2:20: b)',
      ]);
    });
  });

  it("refuses a comparator keyed by a name no run has, listing the names the runs have", () => {
    const runs = [result("a", [rec("accuracy"), rec("loss_n=1", { function: "loss" })]), result("b", [rec("accuracy")])];
    expect(() => compare(runs, { comparators: { acuracy: new GreaterEqual() } })).toThrow(
      new ComparisonError('comparators name "acuracy", which no run has; benchmark and function names in these runs: accuracy, loss, loss_n=1'),
    );
    // A function name covers its family.
    expect(compare(runs, { comparators: { loss: new LessEqual() } }).rows.map((r) => r.status)).toEqual(["pass", "missing"]);
  });

  it("needs two results", () => {
    expect(() => compare([result("a", [])])).toThrow(/at least two results/);
  });
});
