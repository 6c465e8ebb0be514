/**
 * The HTML report in a real browser (headless Chromium): it loads without console errors or network
 * requests, draws each chart with the expected series and marks, and filters and sorts. Each test
 * leaves a screenshot in a temporary folder (printed at the end).
 */
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseThreshold } from "../../../src/compare/thresholds.js";
import { writeReport } from "../../../src/reporter/html/report.js";
import { SQLiteReporter } from "../../../src/reporter/sqlite.js";
import { readResults } from "../../../src/reporter/target.js";
import { chromiumPath, drawAllCharts, INSTALL_HINT, launchBrowser, openReport, type TestBrowser } from "../../helpers/browser.js";
import { FIXTURES } from "../../helpers/fixtures.js";
import { history, modelRun } from "../../helpers/results.js";

const available = chromiumPath() !== undefined || process.env.CI !== undefined;
if (!available) console.warn(`Skipping the HTML report's browser tests: no Chromium found; ${INSTALL_HINT}`);

const PY = path.join(FIXTURES, "nnbench-py");

describe.skipIf(!available)("HTML report in Chromium", () => {
  let browser: TestBrowser;
  const work = mkdtempSync(path.join(tmpdir(), "nnbench-report-test-"));
  const shots = path.join(work, "screenshots");

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    console.log(`HTML report screenshots: ${shots}`);
  });

  async function screenshot(page: Page, name: string): Promise<string> {
    const file = path.join(shots, `${name}.png`);
    await drawAllCharts(page);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  }

  /** Marks of a kind (Plot's aria-label: bar, dot, line, rect, rule, ...) drawn in the figures `selector` picks. */
  function marks(page: Page, selector: string, kind: string, shape = "*"): Promise<number> {
    return page.locator(`${selector} svg g[aria-label="${kind}"] > ${shape}`).count();
  }

  it("shows Python nnbench results: runs, families and the comparison, with no errors or requests", async () => {
    const results = [...(await readResults(path.join(PY, "run-a.json"))), ...(await readResults(`sqlite://${path.join(PY, "results.db")}?run=py-run-b`))];
    const file = path.join(work, "py.html");
    await writeReport(results, file, { sources: ["run-a.json", "results.db"] });
    const { page, problems, requests } = await openReport(browser, file);
    await drawAllCharts(page);
    expect(await page.locator("#runs tbody tr").count()).toBe(2);
    expect(await page.locator("#runs tbody tr").first().textContent()).toContain("baseline");
    // Six benchmarks, the failing one flagged.
    expect(await page.locator("#benchmarks tbody tr").count()).toBe(6);
    expect(await page.locator("#benchmarks tbody tr.error").textContent()).toContain("this benchmark always fails");
    // One time chart per family that has a successful benchmark; matmul_sum has three members.
    expect(await page.locator('figure[data-chart="family-time"]').count()).toBe(3);
    expect(await marks(page, 'figure[data-chart="family-time"][data-family="matmul_sum"]', "bar")).toBe(3);
    // The comparison: five benchmarks timed in both runs, one failing in both.
    expect(await marks(page, 'figure[data-chart="delta-time"]', "bar")).toBe(5);
    expect(await page.locator('#comparison-table tr[data-status="error"]').count()).toBe(1);
    expect(await page.locator('figure.chart[data-rendered="true"]').count()).toBe(4);
    await screenshot(page, "python-results");
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
  });

  it("draws box plots, memory bars, timelines and the verdict of --fail for a model suite against a baseline", async () => {
    const baseline = modelRun({ name: "baseline", seed: 1 });
    const slower = modelRun({ name: "candidate", seed: 2, slowdown: 1.5, timestamp: 1795783200 });
    const file = path.join(work, "models.html");
    await writeReport([baseline, slower], file, { thresholds: [parseThreshold("time:+10%")], title: "Model suite" });
    const { page, problems, requests } = await openReport(browser, file);
    // The first charts are drawn as they come into view, before anything else asks for them.
    await expect.poll(() => page.locator('figure[data-chart="family-time"][data-rendered="true"]').count()).toBeGreaterThan(0);
    await drawAllCharts(page);
    const infer = 'figure[data-chart="family-time"][data-family="infer"]';
    expect(await page.locator(infer).getAttribute("data-sampled")).toBe("6");
    // A box per sampled benchmark: an interquartile bar and a median tick each.
    expect(await marks(page, infer, "bar")).toBe(6);
    expect(await marks(page, infer, "tick")).toBe(6);
    // Native peak and RSS peak side by side: two bars per benchmark with memory, two series.
    // (one facet per benchmark, so the bars sit one level deeper)
    expect(await page.locator('figure[data-chart="family-memory"][data-family="infer"] svg g[aria-label="bar"] rect').count()).toBe(12);
    expect(await page.locator('figure[data-chart="family-memory"][data-family="load"] svg g[aria-label="bar"] rect').count()).toBe(6);
    // A memory timeline per sampled benchmark: RSS, native and external lines over six shaded phases.
    const timelines = page.locator('figure[data-chart="timeline"]');
    expect(await timelines.count()).toBe(6);
    expect(await marks(page, 'figure[data-chart="timeline"]', "line", "path")).toBe(18);
    expect(await marks(page, 'figure[data-chart="timeline"]', "rect")).toBe(36);
    expect(await page.locator('#timelines .legend span').allTextContents()).toEqual(["memo_load", "setup", "warmup", "calls", "teardown", "eviction"]);
    // 50% slower with 15 samples each: every sampled benchmark fails time:+10%.
    expect(await page.locator("#comparison-verdict").textContent()).toMatch(/regressed/);
    expect(await page.locator('#comparison-table tr[data-status="fail"]').count()).toBeGreaterThanOrEqual(6);
    expect(await page.locator("#comparison li").first().textContent()).toContain("time_ns +10%");
    expect(await marks(page, 'figure[data-chart="delta-native"]', "bar")).toBe(9);
    const shot = await screenshot(page, "model-suite");
    if (process.env.NNBENCH_REPORT_SCREENSHOT) copyFileSync(shot, process.env.NNBENCH_REPORT_SCREENSHOT);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
  });

  it("filters by name, family and tag, and sorts by a column", async () => {
    const file = path.join(work, "filter.html");
    await writeReport([modelRun({ name: "only", seed: 3 })], file);
    const { page, problems } = await openReport(browser, file);
    const rows = page.locator("#benchmarks tbody tr");
    expect(await rows.count()).toBe(11);
    await page.fill("#filter-name", "tiny");
    expect(await rows.allTextContents()).toHaveLength(3);
    expect(await page.locator("#families .family").count()).toBe(2);
    await page.fill("#filter-name", "");
    await page.selectOption("#filter-family", "infer");
    expect(await rows.count()).toBe(6);
    await drawAllCharts(page);
    expect(await page.locator('figure[data-chart="timeline"]').count()).toBe(6);
    await page.selectOption("#filter-family", "");
    await page.selectOption("#filter-tag", "io");
    expect(await page.locator("#benchmarks tbody tr td:first-child").allTextContents()).toEqual(["load_model=tiny", "load_model=small", "load_model=base"]);
    expect(await page.locator("#match-count").textContent()).toBe("3 of 11 benchmarks");
    await page.selectOption("#filter-tag", "");
    await page.click('th[data-sort="native"]');
    await page.click('th[data-sort="native"]');
    const first = await page.locator("#benchmarks tbody tr td:first-child").first().textContent();
    expect(first).toBe("infer_model=base_batch=8");
    expect(await page.locator('th[data-sort="native"]').getAttribute("aria-sort")).toBe("descending");
    await screenshot(page, "filtered");
    expect(problems).toEqual([]);
  });

  it("shows each benchmark's history over the runs of a SQLite database, regressions marked", async () => {
    const db = path.join(work, "history.db");
    const runs = history(8, 20, { regressAt: 5 });
    for (const r of runs) await new SQLiteReporter().write(r, `sqlite://${db}`);
    const file = path.join(work, "history.html");
    await writeReport(await readResults(`sqlite://${db}`), file);
    const { page, problems, requests } = await openReport(browser, file);
    await drawAllCharts(page);
    expect(await page.locator('figure[data-chart="history-time"]').count()).toBe(20);
    expect(await page.locator('figure[data-chart="history-memory"]').count()).toBe(20);
    // Eight points per benchmark; the first family regressed at run 6 (time grew 40%).
    const regressed = 'figure[data-chart="history-time"][data-benchmark="family0_size=3"]';
    expect(await marks(page, regressed, "line", "path")).toBe(1);
    expect(await page.locator(`${regressed} svg g[aria-label="dot"]`).first().locator("circle").count()).toBe(8);
    expect(await page.locator(regressed).getAttribute("data-regressions")).toBe("1");
    expect(await page.locator(`${regressed} svg g[aria-label="dot"]`).nth(1).locator("circle").count()).toBe(1);
    expect(await page.locator('figure[data-chart="history-time"][data-benchmark="family1_size=3"]').getAttribute("data-regressions")).toBe("0");
    // Choosing another run shows its benchmarks and compares it with the first.
    await page.selectOption("#run-select", "2");
    expect(await page.locator("#table h2").textContent()).toContain("run-003");
    expect(await page.locator("#comparison h2").textContent()).toContain("run-003 vs baseline run-001");
    await screenshot(page, "history");
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
  });

  it("follows the dark colour scheme and hides the controls in print", async () => {
    const file = path.join(work, "dark.html");
    await writeReport([modelRun({ name: "a", seed: 4 }), modelRun({ name: "b", seed: 5, partial: true })], file);
    const { page, problems } = await openReport(browser, file);
    await page.emulateMedia({ colorScheme: "dark" });
    expect(await page.evaluate("getComputedStyle(document.body).backgroundColor")).toBe("rgb(21, 24, 28)");
    expect(await page.locator("#runs .badge", { hasText: "partial" }).count()).toBe(1);
    await screenshot(page, "dark");
    await page.emulateMedia({ media: "print", colorScheme: "dark" });
    expect(await page.locator(".controls").isVisible()).toBe(false);
    expect(await page.evaluate("getComputedStyle(document.body).backgroundColor")).toBe("rgb(255, 255, 255)");
    expect(problems).toEqual([]);
  });
});
