import { describe, expect, it } from "vitest";
import { ConsoleReporter, shouldColor } from "../../src/reporter/index.js";
import { sampleResult } from "./sample.js";

describe("console reporter", () => {
  it("prints the context above a table of benchmarks", () => {
    const text = new ConsoleReporter().render(sampleResult(), false);
    const lines = text.split("\n");
    const header = lines.findIndex((l) => l.startsWith("Benchmark"));
    expect(lines.slice(0, header).join("\n")).toMatch(/host\s+ci-1/);
    expect(lines.slice(0, header).join("\n")).toMatch(/git\.commit\s+abc123/);
    expect(lines[header]).toMatch(/^Benchmark\s+Value\s+Wall time\s+Peak RSS\s+Native peak\s+Parameters$/);
    const acc = lines.find((l) => l.startsWith("accuracy_model=m1"))!;
    expect(acc).toContain("0.987123");
    expect(acc).toContain("1.23 ms");
    expect(acc).toContain("(n=3)");
    expect(acc).toContain("256 KiB");
    // Long parameter text is cut at 60 characters.
    expect(acc).toContain('model=m1.npz, shape=[256,256], opts={"lr":0.1,"tags":["a","…');
    expect(lines.find((l) => l.startsWith("crashes"))).toContain("CRASH: child process died: signal SIGSEGV");
    expect(text).toContain("1 of 5 benchmarks failed");
    expect(text).not.toMatch(/\u001b\[/);
  });

  it("shows each benchmark's own peak: its RSS growth over its start, beside the native peak", () => {
    const result = sampleResult();
    const MiB = 1024 * 1024;
    result.benchmarks[0]!.memory = {
      ...result.benchmarks[0]!.memory!,
      rss_start_bytes: 900 * MiB,
      rss_peak_bytes: 964 * MiB,
      rss_method: "hwm",
    };
    const lines = new ConsoleReporter().render(result, false).split("\n");
    expect(lines.find((l) => l.startsWith("accuracy_model=m1"))).toMatch(/\+64\.0 MiB\s+256 KiB/);
  });

  it("colours errors red only when asked", () => {
    const text = new ConsoleReporter().render(sampleResult(), true);
    expect(text).toContain("\u001b[31mCRASH: child process died");
  });

  it("colours only terminals and respects NO_COLOR and FORCE_COLOR", () => {
    expect(shouldColor({ isTTY: true }, {})).toBe(true);
    expect(shouldColor({ isTTY: false }, {})).toBe(false);
    expect(shouldColor({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(shouldColor({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
  });

  it("marks partial runs", () => {
    expect(new ConsoleReporter().render({ ...sampleResult(), partial: true }, false)).toContain("(partial: interrupted)");
  });
});

describe("console charts", () => {
  it("draws a time bar, a box plot of samples and memory bars per benchmark of a family", async () => {
    const { modelRun } = await import("../helpers/results.js");
    const text = new ConsoleReporter({ charts: "ascii" }).render(modelRun({ name: "m" }));
    const charts = text.slice(text.indexOf("Charts by family"));
    expect(charts).toMatch(/^infer\n/m);
    expect(charts).toMatch(/^load\n/m);
    // Families of one unsampled benchmark and failed benchmarks get no chart.
    expect(charts).not.toMatch(/^accuracy$/m);
    expect(charts).not.toMatch(/^broken$/m);
    const slowest = charts.split("\n").find((l) => l.startsWith("infer_model=base_batch=8"))!;
    expect(slowest).toMatch(/^infer_model=base_batch=8\s+#{16}\s+\S+ ms\s+\|[-=#]*\|\s+#{16}\s+\S+ MiB\s+#{16}\s+\S+ MiB$/);
    const fastest = charts.split("\n").find((l) => l.startsWith("infer_model=tiny_batch=1"))!;
    expect(fastest).toMatch(/^infer_model=tiny_batch=1\s+#?\s+\S+ µs/);
  });

  it("draws no charts unless asked, or when told none", () => {
    const r = sampleResult();
    expect(new ConsoleReporter().render(r)).not.toMatch(/Charts/);
    expect(new ConsoleReporter({ charts: "none" }).render(r)).not.toMatch(/Charts/);
    expect(new ConsoleReporter({ charts: "unicode" }).render(r)).toMatch(/Charts by family\naccuracy\n/);
  });
});
