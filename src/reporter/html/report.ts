/**
 * HTML reports: one self-contained file with charts of one or more runs (see `nnbench report`), and
 * the reporter that writes a run's report for `nnbench run -o report.html`.
 */
import { mkdir } from "node:fs/promises";
import * as path from "node:path";
import { writeFileAtomic } from "../../fs/atomic-file.js";
import type { BenchmarkResult } from "../../types.js";
import { UnsupportedTargetError } from "../../errors.js";
import type { Reporter } from "../reporter.js";
import type { ReportOptions } from "./model.js";

/** File extensions that select the HTML report. */
export const HTML_EXTENSIONS: readonly string[] = [".html", ".htm"];

/** Whether `target` names an HTML report file. */
export function isHtmlTarget(target: string): boolean {
  const lower = target.toLowerCase();
  return HTML_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** The HTML report over `results` (the first is the baseline of the comparison) as one document. */
export async function renderReport(results: readonly BenchmarkResult[], options: ReportOptions = {}): Promise<string> {
  // The report's parts load on first use: importing nnbench does not pay for them.
  const [{ buildReportData }, { renderPage }, { clientScript }] = await Promise.all([import("./model.js"), import("./page.js"), import("./asset.js")]);
  return renderPage(buildReportData(results, options), await clientScript());
}

/** Writes the HTML report over `results` to `file`, atomically; parent directories are created. */
export async function writeReport(results: readonly BenchmarkResult[], file: string, options: ReportOptions = {}): Promise<void> {
  const html = await renderReport(results, options);
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFileAtomic(file, Buffer.from(html, "utf8"));
}

/** Writes a run's HTML report. Reports are for people and cannot be read back. */
export class HtmlReporter implements Reporter {
  async write(result: BenchmarkResult, target: string): Promise<void> {
    await writeReport([result], target);
  }

  async read(target: string): Promise<BenchmarkResult[]> {
    throw new UnsupportedTargetError(target, ["a results file", "sqlite://path"], "an HTML report cannot be read back");
  }
}
