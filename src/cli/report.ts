/** `nnbench report`: one self-contained HTML report over results read from files and databases. */
import { loadComparisonFile, type Comparator } from "../compare/comparators.js";
import { parseThreshold } from "../compare/thresholds.js";
import { writeReport } from "../reporter/html/report.js";
import { readResults } from "../reporter/target.js";
import type { BenchmarkResult } from "../types.js";
import type { Logger } from "./log.js";
import { UsageError } from "../errors.js";

/** Options of `nnbench report` as parsed from the command line. */
export interface ReportCommandOptions {
  output: string;
  title?: string;
  fail: string[];
  comparisonFile?: string;
  alpha?: number;
}

/** Runs `nnbench report` and returns its exit code (0; bad input throws). */
export async function reportCommand(targets: string[], opts: ReportCommandOptions, log: Logger): Promise<number> {
  if (!/\.html?$/i.test(opts.output)) throw new UsageError(`the report is an HTML file: -o must end in .html, got ${JSON.stringify(opts.output)}`);
  const thresholds = opts.fail.map(parseThreshold);
  const comparators: Record<string, Comparator> = opts.comparisonFile ? await loadComparisonFile(opts.comparisonFile) : {};
  const results: BenchmarkResult[] = [];
  const sources: string[] = [];
  for (const t of targets) {
    const runs = await readResults(t);
    if (runs.length === 0) log.warn(`${t} holds no runs`);
    results.push(...runs);
    sources.push(...runs.map(() => t));
  }
  for (const r of results) if (r.partial) log.warn(`run "${r.run}" is partial: it was interrupted and lacks some benchmarks`);
  await writeReport(results, opts.output, {
    sources,
    thresholds,
    comparators,
    ...(opts.title !== undefined ? { title: opts.title } : {}),
    ...(opts.alpha !== undefined ? { alpha: opts.alpha } : {}),
  });
  const benchmarks = new Set(results.flatMap((r) => r.benchmarks.map((b) => b.name))).size;
  log.info(`wrote a report of ${results.length} run${results.length === 1 ? "" : "s"} and ${benchmarks} benchmarks to ${opts.output}`);
  return 0;
}
