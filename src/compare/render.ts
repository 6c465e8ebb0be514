/**
 * A comparison as text for a terminal: the rules, warnings, a table with a status column and a summary line.
 */
import { renderTable } from "../text/table.js";
import { flattenObject, formatDuration, formatValue, truncate } from "../text/units.js";
import type { BenchmarkRecord } from "../types.js";
import type { Comparison, ComparisonRow } from "./compare.js";
import { type Colors, createColors } from "../text/colors.js";

/** Options of {@link renderComparison}. */
export interface RenderComparisonOptions {
  color?: boolean;
  /** Context values (dotted paths) to show per run. */
  contextKeys?: string[];
}

/** A table of the chosen context values, one row per run. */
function contextTable(c: Comparison, keys: readonly string[], col: Colors): string {
  const rows = [c.baseline, ...c.runs].map((r) => {
    const flat = flattenObject(r.context);
    return [r.run, ...keys.map((k) => (k in flat ? formatValue(flat[k]) : "N/A"))];
  });
  return "\n" + renderTable(["Run", ...keys], rows, { header: col.bold });
}

function statusText(r: ComparisonRow, col: Colors): string {
  const noise = r.checks.some((x) => x.status === "noise");
  switch (r.status) {
    case "pass":
      return col.green(noise ? "✓ pass (noise)" : "✓ pass");
    case "fail":
      return col.red("✗ FAIL");
    case "missing":
      return r.failed ? col.red("✗ missing") : col.yellow("? missing");
    case "new":
      return col.dim("new");
    case "error":
      return col.dim("error in both");
  }
}

/** The cells of one row of the comparison table. */
function rowCells(r: ComparisonRow, col: Colors): string[] {
  const value = (rec: BenchmarkRecord | undefined) =>
    rec === undefined ? "N/A" : rec.error_occurred ? col.red(truncate(`ERROR: ${rec.error_message}`, 40)) : truncate(formatValue(rec.value), 24);
  const time = (rec: BenchmarkRecord | undefined) => (rec && !rec.error_occurred ? formatDuration(rec.time_ns) : "");
  const details = r.checks
    .filter((x) => x.status !== "pass" && x.status !== "skipped")
    .map((x) => (x.status === "fail" ? col.red(x.detail) : col.yellow(x.detail)))
    .join("; ");
  let delta = "";
  if (r.baseline && r.record && !r.baseline.error_occurred && !r.record.error_occurred && r.baseline.time_ns > 0) {
    const d = ((r.record.time_ns - r.baseline.time_ns) / r.baseline.time_ns) * 100;
    delta = `${d >= 0 ? "+" : ""}${d.toFixed(1)}%`;
  }
  return [r.benchmark, r.run, value(r.record), value(r.baseline), time(r.record), time(r.baseline), delta, statusText(r, col), details];
}

/** The comparison as text: rules, warnings, a table with a status column, and a summary line. */
export function renderComparison(c: Comparison, options: RenderComparisonOptions = {}): string {
  const col = createColors(options.color ?? false);
  let out = `Comparison: all vs. first (baseline "${c.baseline.run}")\n`;
  if (c.rules.length > 0) out += `Checks:\n${c.rules.map((r) => `  ${r}`).join("\n")}\n`;
  else out += col.dim("No comparators or thresholds: only benchmarks that now fail count as regressions.") + "\n";
  if (options.contextKeys && options.contextKeys.length > 0) out += contextTable(c, options.contextKeys, col);
  for (const w of c.warnings) out += col.yellow(`warning: ${w}`) + "\n";
  const rows = c.rows.map((r) => rowCells(r, col));
  out += "\n" + renderTable(["Benchmark", "Run", "Value", "Baseline", "Time", "Baseline time", "Δ time", "Status", "Details"], rows, {
    align: ["left", "left", "right", "right", "right", "right", "right", "left", "left"],
    header: col.bold,
  });
  const failed = c.rows.filter((r) => r.failed).length;
  out += c.success ? col.green(`All ${c.rows.length} comparisons passed.`) + "\n" : col.red(`${failed} of ${c.rows.length} comparisons regressed.`) + "\n";
  return out;
}
