/** `nnbench compare`: compare results across runs and gate on regressions. */
import { loadComparisonFile, type Comparator } from "../compare/comparators.js";
import { compare } from "../compare/compare.js";
import { renderComparison } from "../compare/render.js";
import { parseThreshold } from "../compare/thresholds.js";
import { renderDeltaChart } from "../compare/delta-chart.js";
import { shouldColor } from "../reporter/console.js";
import { chartStyleFor } from "../text/charts.js";
import { displayTarget, readResults } from "../reporter/target.js";
import type { BenchmarkResult } from "../types.js";
import type { Logger } from "./log.js";
import { UsageError } from "../errors.js";

/** Options of `nnbench compare` as parsed from the command line. */
export interface CompareCommandOptions {
  comparisonFile?: string;
  fail: string[];
  includeContext: string[];
  alpha?: number;
  /** Draw charts even when standard output is not a terminal. */
  charts?: boolean;
}

/** Exit codes of `nnbench compare`. */
export const COMPARE_EXIT = { ok: 0, regressed: 1, usage: 2 } as const;

/** Runs `nnbench compare` and returns its exit code. */
export async function compareCommand(targets: string[], opts: CompareCommandOptions, log: Logger): Promise<number> {
  const thresholds = opts.fail.map(parseThreshold);
  const comparators: Record<string, Comparator> = opts.comparisonFile ? await loadComparisonFile(opts.comparisonFile) : {};
  const results: BenchmarkResult[] = [];
  for (const t of targets) {
    const runs = await readResults(t);
    if (runs.length === 0) log.warn(`${displayTarget(t)} holds no runs`);
    log.debug(`${displayTarget(t)}: ${runs.map((r) => r.run).join(", ")}`);
    results.push(...runs);
  }
  if (results.length < 2) {
    throw new UsageError(`need at least two runs to compare; ${targets.map(displayTarget).join(", ")} hold${targets.length === 1 ? "s" : ""} ${results.length}`);
  }
  for (const r of results) if (r.partial) log.warn(`run "${r.run}" is partial: it was interrupted and lacks some benchmarks`);
  const comparison = compare(results, { comparators, thresholds, ...(opts.alpha !== undefined ? { alpha: opts.alpha } : {}) });
  process.stdout.write(renderComparison(comparison, { color: shouldColor(process.stdout), contextKeys: opts.includeContext }));
  const style = chartStyleFor(process.stdout, opts.charts === true);
  const chart = style ? renderDeltaChart(comparison, style) : "";
  if (chart) process.stdout.write(`\nTime against the baseline\n${chart}`);
  return comparison.success ? COMPARE_EXIT.ok : COMPARE_EXIT.regressed;
}
