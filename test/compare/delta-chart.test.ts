import { describe, expect, it } from "vitest";
import { compare } from "../../src/compare/compare.js";
import { renderDeltaChart } from "../../src/compare/delta-chart.js";
import { modelRun } from "../helpers/results.js";

describe("delta chart", () => {
  it("draws the change of time against the baseline, scaled to the largest change", () => {
    const base = modelRun({ name: "base", seed: 1 });
    const faster = modelRun({ name: "faster", seed: 1, slowdown: 0.5 });
    const slower = modelRun({ name: "slower", seed: 1, slowdown: 1.25 });
    const text = renderDeltaChart(compare([base, faster, slower]), "ascii");
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^Benchmark\s+Run\s+Δ time \(-50% … \+50%\)/);
    // The failing benchmark has no timing in either run and is left out.
    expect(text).not.toMatch(/^broken/m);
    expect(lines.find((l) => /^accuracy\s+faster/.test(l))).toMatch(/-{15}\|\s+-50\.0%$/);
    expect(lines.find((l) => /^accuracy\s+slower/.test(l))).toMatch(/\|\+{7,8}\s+\+25\.0%$/);
  });

  it("leaves out the run column for one later run, and is empty with nothing timed in both", () => {
    const a = modelRun({ name: "a", seed: 1 });
    const b = modelRun({ name: "b", seed: 1, slowdown: 1.1 });
    expect(renderDeltaChart(compare([a, b]), "unicode").split("\n")[0]).toMatch(/^Benchmark\s+Δ time/);
    const onlyBroken = (r: typeof a) => ({ ...r, benchmarks: r.benchmarks.filter((x) => x.name === "broken") });
    expect(renderDeltaChart(compare([onlyBroken(a), onlyBroken(b)]), "unicode")).toBe("");
  });
});
