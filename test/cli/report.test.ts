import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeReportData as embedded } from "../../src/reporter/html/page.js";
import { modelRun } from "../helpers/results.js";
import { DATA, ensureBuilt, nnbench, PY } from "./helpers.js";

beforeAll(ensureBuilt, 300_000);

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), "nnbench-cli-report-"));
}

/** Every src= and href= that points at the network. */
function externalReferences(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\/[^"'\s>]*/gi)].map((m) => m[0]);
}

describe("nnbench report", () => {
  it("writes one self-contained HTML file for a model suite against a baseline", async () => {
    const dir = tmp();
    const base = path.join(dir, "base.json");
    const cand = path.join(dir, "cand.json");
    writeFileSync(base, JSON.stringify(modelRun({ name: "base", seed: 1 })));
    writeFileSync(cand, JSON.stringify(modelRun({ name: "cand", seed: 2, slowdown: 1.5 })));
    const out = path.join(dir, "out", "report.html");
    const r = await nnbench(["report", base, cand, "-o", out, "--fail", "time:+10%", "--title", "Suite", "--log-level", "info"]);
    expect(r.stderr).toMatch(/wrote a report of 2 runs and 11 benchmarks/);
    expect(r.code).toBe(0);
    const html = readFileSync(out, "utf8");
    expect(externalReferences(html)).toEqual([]);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'/);
    expect(html).toContain("<title>Suite</title>");
    const data = embedded(html);
    expect(data.runs.map((x) => x.name)).toEqual(["base", "cand"]);
    expect(data.runs[1]!.records.filter((x) => x.timeline).length).toBe(6);
    expect(data.comparison?.success).toBe(false);
    expect(data.comparison?.rules).toEqual(["all: time_ns +10% (significant at p<0.05 when samples exist)"]);
  });

  it("reads every run of a SQLite database, or the one ?run= names", async () => {
    const dir = tmp();
    const all = path.join(dir, "all.html");
    expect((await nnbench(["report", `sqlite://${PY}/results.db`, "-o", all])).code).toBe(0);
    expect(embedded(readFileSync(all, "utf8")).runs.map((x) => x.name)).toEqual(["py-run-a", "py-run-b"]);
    const one = path.join(dir, "one.html");
    expect((await nnbench(["report", `sqlite://${PY}/results.db?run=py-run-b`, "-o", one])).code).toBe(0);
    const data = embedded(readFileSync(one, "utf8"));
    expect(data.runs.map((x) => x.name)).toEqual(["py-run-b"]);
    expect(data.comparison).toBeUndefined();
  });

  it("exits 2 on bad input", async () => {
    const dir = tmp();
    const notHtml = await nnbench(["report", `${PY}/run-a.json`, "-o", path.join(dir, "report.json")]);
    expect(notHtml.code).toBe(2);
    expect(notHtml.stderr).toMatch(/-o must end in \.html/);
    const missing = await nnbench(["report", path.join(dir, "nope.json"), "-o", path.join(dir, "r.html")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file/);
    const noOutput = await nnbench(["report", `${PY}/run-a.json`]);
    expect(noOutput.code).toBe(2);
    expect(noOutput.stderr).toMatch(/--output/);
    const badThreshold = await nnbench(["report", `${PY}/run-a.json`, "-o", path.join(dir, "r.html"), "--fail", "time"]);
    expect(badThreshold.code).toBe(2);
    expect(badThreshold.stderr).toMatch(/invalid threshold/);
  });
});

describe("nnbench run -o report.html and --charts", () => {
  it("writes the run's HTML report next to its results", async () => {
    const dir = tmp();
    const html = path.join(dir, "report.html");
    const json = path.join(dir, "results.json");
    const r = await nnbench(["run", path.join(DATA, "basic"), "-n", "basic", "--repeat", "5", "-o", html, "-o", json]);
    expect(r.code).toBe(1); // one benchmark always fails
    const data = embedded(readFileSync(html, "utf8"));
    expect(data.runs[0]!.name).toBe("basic");
    expect(data.runs[0]!.failed).toBe(1);
    const zeros = data.benchmarks.findIndex((b) => b.name === "zeros_sum_n=64");
    expect(data.benchmarks[zeros]!.family).toBe("zeros_sum");
    const rec = data.runs[0]!.records.find((x) => x.b === zeros)!;
    expect(rec.samples).toHaveLength(5);
    expect(rec.native).toBe(64 * 64 * 4); // float32 zeros
    // The report over the results file holds the same run.
    const again = path.join(dir, "again.html");
    expect((await nnbench(["report", json, "-o", again])).code).toBe(0);
    expect(embedded(readFileSync(again, "utf8")).runs[0]!.records).toEqual(data.runs[0]!.records);
  });

  it("draws charts on standard output only when asked, in ASCII on a dumb terminal", async () => {
    const plain = await nnbench(["run", path.join(DATA, "basic"), "--repeat", "3"]);
    expect(plain.stdout).not.toMatch(/Charts by family/);
    const charts = await nnbench(["run", path.join(DATA, "basic"), "--repeat", "3", "--charts"], { env: { LANG: "C.UTF-8", TERM: "xterm-256color" } });
    expect(charts.stdout).toMatch(/Charts by family\n/);
    expect(charts.stdout).toMatch(/^zeros_sum\n/m);
    // A time bar, the time, a box plot of the samples, then memory bars.
    expect(charts.stdout).toMatch(/^zeros_sum_n=64\s+[█▏▎▍▌▋▊▉]+\s+\S+ [nµm]?s\s+[├█][─░█┤ ]*\s+[█▏▎▍▌▋▊▉]+\s+\S+ [KMG]?i?B/m);
    const ascii = await nnbench(["compare", `${PY}/run-a.json`, `${PY}/run-b.json`, "--charts"], { env: { TERM: "dumb" } });
    expect(ascii.stdout).toMatch(/Time against the baseline/);
    expect(ascii.stdout).toMatch(/^product\s+-+\|\s+-16\.9%$/m);
    expect(ascii.stdout).toMatch(/^power\s+\|\++\s+\+5\.3%$/m);
    const none = await nnbench(["compare", `${PY}/run-a.json`, `${PY}/run-b.json`]);
    expect(none.stdout).not.toMatch(/Time against the baseline/);
  });
});
