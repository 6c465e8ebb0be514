/** The change of time per benchmark against the baseline, as bars centred on zero, for the terminal. */
import { deltaBar, type ChartStyle } from "../text/charts.js";
import { renderTable } from "../text/table.js";
import { truncate } from "../text/units.js";
import type { Comparison } from "./compare.js";

const WIDTH = 31;

/**
 * One line per compared benchmark whose time both runs recorded: a bar of the relative change of
 * time against the baseline (right: slower, left: faster), scaled to the largest change. The empty
 * string when no row has two timings.
 */
export function renderDeltaChart(c: Comparison, style: ChartStyle, maxNameWidth = 40): string {
  const rows = c.rows.flatMap((r) => {
    const b = r.baseline;
    const x = r.record;
    if (!b || !x || b.error_occurred || x.error_occurred || !(b.time_ns > 0)) return [];
    return [{ name: r.benchmark, run: r.run, delta: (x.time_ns - b.time_ns) / b.time_ns }];
  });
  if (rows.length === 0) return "";
  const maxAbs = Math.max(...rows.map((r) => Math.abs(r.delta)));
  const scale = `${(-maxAbs * 100).toFixed(0)}% … +${(maxAbs * 100).toFixed(0)}%`;
  const multipleRuns = c.runs.length > 1;
  const table = renderTable(
    ["Benchmark", ...(multipleRuns ? ["Run"] : []), `Δ time (${scale})`, ""],
    rows.map((r) => [
      truncate(r.name, maxNameWidth),
      ...(multipleRuns ? [r.run] : []),
      deltaBar(r.delta, maxAbs, WIDTH, style),
      `${r.delta >= 0 ? "+" : ""}${(r.delta * 100).toFixed(1)}%`,
    ]),
    { align: multipleRuns ? ["left", "left", "left", "right"] : ["left", "left", "right"] },
  );
  return table;
}
