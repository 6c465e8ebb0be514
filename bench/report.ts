/**
 * How fast HTML reports are made and open: for reports of growing size (runs x benchmarks, each
 * benchmark sampled, with memory figures), the time to build the file in Node.js and the time headless
 * Chromium takes to open it (navigation to the page's ready signal, and to its first chart drawn),
 * and the renderer's main-thread busy time until then (Chromium's TaskDuration, which a loaded
 * machine inflates less than wall time), best of several rounds, side by side with the 2-second
 * budget of the largest (200 runs x 100).
 *
 *   npm run bench:report [-- --rounds 5]
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { writeReport } from "../src/reporter/html/report.js";
import type { CDPSession } from "playwright-core";
import { chromiumPath, INSTALL_HINT, launchBrowser } from "../test/helpers/browser.js";
import { history } from "../test/helpers/results.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" } } });
const rounds = Number(values.rounds);
const BUDGET_MS = 2000;
const SIZES: [runs: number, benchmarks: number][] = [
  [1, 10],
  [2, 100],
  [20, 100],
  [200, 100],
];

if (!chromiumPath()) {
  console.error(`bench:report needs Chromium; ${INSTALL_HINT}`);
  process.exit(2);
}

/** Seconds the page's renderer main thread has spent running tasks so far. */
async function taskSeconds(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send("Performance.getMetrics");
  return metrics.find((m) => m.name === "TaskDuration")?.value ?? Number.NaN;
}

const dir = mkdtempSync(join(tmpdir(), "nnbench-bench-report-"));
const browser = await launchBrowser();
try {
  const rows: string[][] = [];
  // The floor: a blank page that signals ready at once, opened the same way (on a loaded machine,
  // compare the rows with it rather than with the budget alone).
  const blank = join(dir, "blank.html");
  writeFileSync(blank, '<!doctype html><body><script>document.documentElement.dataset.ready = "1";</script></body>');
  let blankReady = Infinity;
  for (let i = 0; i < rounds; i++) {
    const page = await browser.context.newPage();
    const t0 = performance.now();
    await page.goto(`file://${blank}`);
    await page.waitForSelector("html[data-ready]");
    blankReady = Math.min(blankReady, performance.now() - t0);
    await page.close();
  }
  rows.push(["blank page", "", "", `${blankReady.toFixed(0)} ms`, "", "", ""]);
  for (const [runs, benchmarks] of SIZES) {
    const results = history(runs, benchmarks, { regressAt: Math.floor(runs / 2) });
    const file = join(dir, `report-${runs}x${benchmarks}.html`);
    let build = Infinity;
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      await writeReport(results, file);
      build = Math.min(build, performance.now() - t0);
    }
    let ready = Infinity;
    let firstChart = Infinity;
    let busy = Infinity;
    for (let i = 0; i < rounds; i++) {
      const page = await browser.context.newPage();
      const cdp = await browser.context.newCDPSession(page);
      await cdp.send("Performance.enable");
      const before = await taskSeconds(cdp);
      const t0 = performance.now();
      await page.goto(`file://${file}`);
      await page.waitForSelector("html[data-ready]");
      ready = Math.min(ready, performance.now() - t0);
      await page.waitForSelector('figure.chart[data-rendered="true"]');
      firstChart = Math.min(firstChart, performance.now() - t0);
      busy = Math.min(busy, 1000 * ((await taskSeconds(cdp)) - before));
      await page.close();
    }
    const mib = statSync(file).size / 2 ** 20;
    rows.push([
      `${runs} x ${benchmarks}`,
      `${mib.toFixed(2)} MiB`,
      `${build.toFixed(0)} ms`,
      `${ready.toFixed(0)} ms`,
      `${firstChart.toFixed(0)} ms`,
      `${busy.toFixed(0)} ms`,
      `${((100 * firstChart) / BUDGET_MS).toFixed(0)}%`,
    ]);
  }
  const head = ["runs x benchmarks", "file", "build (Node)", "open: ready", "open: first chart", "main thread busy", "of 2 s budget"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(`HTML report, best of ${rounds} rounds (headless Chromium ${browser.context.browser()?.version() ?? ""})`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
