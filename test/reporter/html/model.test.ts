import { describe, expect, it } from "vitest";
import { compare } from "../../../src/compare/compare.js";
import { parseThreshold } from "../../../src/compare/thresholds.js";
import { buildReportData, MAX_SAMPLES_PER_RECORD } from "../../../src/reporter/html/model.js";
import { decodeReportData, renderPage } from "../../../src/reporter/html/page.js";
import { history, modelRun, PHASES } from "../../helpers/results.js";

describe("report data", () => {
  it("keeps each run's records by benchmark, with families, spread, memory, timelines and errors", () => {
    const data = buildReportData([modelRun({ name: "a" })], { sources: ["a.json"], now: new Date(0) });
    expect(data.generated).toBe("1970-01-01T00:00:00.000Z");
    expect(data.runs).toHaveLength(1);
    const run = data.runs[0]!;
    expect(run.source).toBe("a.json");
    expect(run.context["cpu.model"]).toBe("Example CPU @ 3.0GHz");
    expect(run.context["git.dirty"]).toBe("false");
    expect(run.failed).toBe(1);
    expect(new Set(data.benchmarks.map((b) => b.family))).toEqual(new Set(["infer", "load", "accuracy", "broken"]));
    const infer = run.records.find((r) => data.benchmarks[r.b]!.name === "infer_model=base_batch=8")!;
    expect(infer.samples).toHaveLength(15);
    expect(infer.samples).toEqual([...infer.samples!].sort((x, y) => x - y));
    const [n, min, q1, median, q3, max] = infer.spread!;
    expect(n).toBe(15);
    expect([min, q1, median, q3, max]).toEqual([min, q1, median, q3, max].sort((x, y) => x - y));
    expect(median).toBe(infer.samples![7]);
    expect(infer.rss).toBeGreaterThan(infer.native!);
    expect(infer.timeline!.phases.map((p) => p.name)).toEqual([...PHASES]);
    expect(infer.timeline!.rss_bytes).toHaveLength(infer.timeline!.t_ms.length);
    const broken = run.records.find((r) => data.benchmarks[r.b]!.name === "broken")!;
    expect(broken.error).toEqual({ kind: "error", message: "model file is truncated" });
    expect(broken.time).toBeUndefined();
    expect(data.comparison).toBeUndefined();
    expect(data.history).toBeUndefined();
  });

  it("thins long sample series to evenly spaced quantiles, keeping both ends", () => {
    const r = modelRun({ name: "long", samples: 1000 });
    const data = buildReportData([r]);
    const rec = data.runs[0]!.records[0]!;
    const sorted = [...r.benchmarks[0]!.samples_ns!].sort((x, y) => x - y);
    expect(rec.samples).toHaveLength(MAX_SAMPLES_PER_RECORD);
    expect(rec.samples![0]).toBe(sorted[0]);
    expect(rec.samples![MAX_SAMPLES_PER_RECORD - 1]).toBe(sorted[999]);
    expect(rec.spread![0]).toBe(1000);
  });

  it("drops a malformed timeline rather than the record", () => {
    const r = modelRun({ name: "bad" });
    (r.benchmarks[0]!.memory as unknown as Record<string, unknown>).timeline = { t_ms: "soon" };
    const data = buildReportData([r]);
    expect(data.runs[0]!.records[0]!.timeline).toBeUndefined();
    expect(data.runs[0]!.records[0]!.native).toBeGreaterThan(0);
  });

  it("compares every run with the first as src/compare does, with relative deltas", () => {
    const runs = [modelRun({ name: "a", seed: 1 }), modelRun({ name: "b", seed: 2, slowdown: 1.5, memoryGrowth: 2 })];
    const thresholds = [parseThreshold("time:+10%")];
    const data = buildReportData(runs, { thresholds });
    const expected = compare(runs, { thresholds });
    const c = data.comparison!;
    expect(c.success).toBe(expected.success);
    expect(c.rules).toEqual(expected.rules);
    expect(c.rows.map((r) => [data.benchmarks[r.b]!.name, r.status, r.failed === true])).toEqual(expected.rows.map((r) => [r.benchmark, r.status, r.failed]));
    const load = c.rows.find((r) => data.benchmarks[r.b]!.name === "load_model=tiny")!;
    expect(load.run).toBe(1);
    expect(load.delta_native).toBeCloseTo(1, 6);
    expect(load.delta_time).toBeGreaterThan(0.3);
    expect(c.rows.find((r) => data.benchmarks[r.b]!.name === "broken")!.status).toBe("error");
  });

  it("keeps runs that share a name apart", () => {
    const runs = [modelRun({ name: "same", seed: 1 }), modelRun({ name: "same", seed: 2 }), modelRun({ name: "same", seed: 3, partial: true })];
    const data = buildReportData(runs);
    expect(data.comparison!.rows.filter((r) => r.run === 1)).toHaveLength(11);
    // The partial run lacks seven benchmarks; they show as missing.
    expect(data.comparison!.rows.filter((r) => r.run === 2 && r.status === "missing")).toHaveLength(7);
    expect(data.runs[2]!.partial).toBe(true);
  });

  it("marks a regression where a benchmark got worse than in the run before", () => {
    const data = buildReportData(history(6, 20, { regressAt: 3 }));
    const h = data.history!;
    expect(h.rules).toEqual(["time:+10%", "memory.native_peak_bytes:+10%", "memory.rss_peak_bytes:+10%"]);
    // The ten benchmarks of the first family got 40% slower at run 4 (index 3), and only there.
    expect(h.regressions.map((r) => r.run)).toEqual(Array(10).fill(3));
    expect(new Set(h.regressions.map((r) => data.benchmarks[r.b]!.family))).toEqual(new Set(["family0"]));
    expect(h.regressions[0]!.metrics).toEqual(["time_ns"]);
  });

  it("embeds the data so that no text in it can end the script element", () => {
    const r = modelRun({ name: "</script><script>alert(1)</script>" });
    r.benchmarks[0]!.description = "<!-- \u2028";
    const html = renderPage(buildReportData([r], { title: "nnbench report" }), "void 0");
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).not.toContain("<script>alert");
    expect(html).toContain("<title>nnbench report</title>");
    expect(decodeReportData(html).runs[0]!.name).toBe("</script><script>alert(1)</script>");
  });
});
