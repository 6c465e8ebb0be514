/**
 * The console reporter: the run's context, then a table of benchmarks with their value, wall time,
 * own peak RSS (growth over the benchmark's start), native memory peak and parameters. Failed benchmarks show their error in red. Colours are used
 * only on a terminal, never when `NO_COLOR` is set.
 */
import type { BenchmarkRecord, BenchmarkResult } from "../types.js";
import { UnsupportedTargetError } from "../errors.js";
import { flattenObject, formatBytes, formatDuration, formatParameters, formatValue, truncate } from "../text/units.js";
import type { Reporter } from "./reporter.js";
import { renderTable } from "../text/table.js";
import { bar, boxPlot, chartStyleFor, type ChartStyle } from "../text/charts.js";
import { fiveNumbers } from "../stats/summary.js";
import { createColors } from "../text/colors.js";

/** Whether to colour output written to `stream`: a TTY, unless `NO_COLOR` is set (`FORCE_COLOR` forces it). */
export function shouldColor(stream: { isTTY?: boolean } | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  return stream?.isTTY === true;
}

/** Options of the console reporter. */
export interface ConsoleReporterOptions {
  /** Colour the output; by default only when writing to a terminal. */
  color?: boolean;
  /** Longest parameter and error text shown in a cell before it is cut (default 60). */
  maxCellWidth?: number;
  /**
   * Charts under the table (time and memory bars per family, box plots of samples): `"none"`, or the
   * style to draw them in; by default only on a terminal (`"unicode"` where it can show blocks).
   */
  charts?: ChartStyle | "none";
}

const BAR_WIDTH = 16;
const BOX_WIDTH = 20;

/**
 * Charts of a run's benchmarks by family: a time bar and a native-peak / RSS-peak bar per benchmark on
 * the family's scale, and a box plot of the samples of sampled benchmarks. Families of one benchmark
 * without samples are left out; the empty string when nothing is left.
 */
export function renderFamilyCharts(result: BenchmarkResult, style: ChartStyle, maxNameWidth = 40): string {
  const families = new Map<string, BenchmarkRecord[]>();
  for (const b of result.benchmarks) {
    if (b.error_occurred) continue;
    const list = families.get(b.function) ?? [];
    list.push(b);
    families.set(b.function, list);
  }
  const sampled = (b: BenchmarkRecord): boolean => (b.samples_ns?.length ?? 0) > 1;
  const blocks: string[] = [];
  for (const [family, members] of families) {
    if (members.length < 2 && !members.some(sampled)) continue;
    const maxTime = Math.max(...members.map((b) => b.time_ns));
    const maxNative = Math.max(0, ...members.map((b) => b.memory?.native_peak_bytes ?? 0));
    const maxRss = Math.max(0, ...members.map((b) => b.memory?.rss_peak_bytes ?? 0));
    const boxes = new Map(members.filter(sampled).map((b) => [b, fiveNumbers(b.samples_ns!)] as const));
    const lo = Math.min(...[...boxes.values()].map((s) => s.min));
    const hi = Math.max(...[...boxes.values()].map((s) => s.max));
    const header = ["", "Time", ""];
    if (boxes.size > 0) header.push(`Samples ${formatDuration(lo)} … ${formatDuration(hi)}`);
    if (maxNative > 0) header.push("Native peak", "");
    if (maxRss > 0) header.push("RSS peak", "");
    const rows = members.map((b) => {
      const row = [truncate(b.name, maxNameWidth), bar(b.time_ns, maxTime, BAR_WIDTH, style), formatDuration(b.time_ns)];
      if (boxes.size > 0) {
        const box = boxes.get(b);
        row.push(box ? boxPlot(box, lo, hi, BOX_WIDTH, style) : "");
      }
      if (maxNative > 0) row.push(bar(b.memory?.native_peak_bytes ?? 0, maxNative, BAR_WIDTH, style), b.memory ? formatBytes(b.memory.native_peak_bytes) : "");
      if (maxRss > 0) {
        const rss = b.memory?.rss_peak_bytes;
        row.push(bar(rss ?? 0, maxRss, BAR_WIDTH, style), rss !== undefined ? formatBytes(rss) : "");
      }
      return row;
    });
    const align = header.map((_, i) => (i === 2 || (i > 3 && header[i] === "") ? "right" : "left") as "left" | "right");
    blocks.push(`${family}\n${renderTable(header, rows, { align })}`);
  }
  return blocks.join("\n");
}

/** The peak-RSS cell: the benchmark's own peak, its RSS growth over its start (empty when not measured). */
export function ownPeak(b: BenchmarkRecord): string {
  const m = b.memory;
  if (m?.rss_peak_bytes === undefined || m.rss_start_bytes === undefined) return "";
  return `+${formatBytes(Math.max(0, m.rss_peak_bytes - m.rss_start_bytes))}`;
}

/** The wall-time cell: the time, with relative spread and sample count when there are several samples. */
export function formatWallTime(b: BenchmarkRecord): string {
  if (b.error_occurred && b.time_ns === 0) return "-";
  let text = formatDuration(b.time_ns);
  if (b.stats && b.samples_ns && b.samples_ns.length > 1 && b.stats.mean > 0) {
    text += ` ±${((100 * b.stats.stddev) / b.stats.mean).toFixed(1)}% (n=${b.samples_ns.length})`;
  }
  return text;
}

/** Writes results as a table to standard output (or standard error). Cannot read them back. */
export class ConsoleReporter implements Reporter {
  readonly #options: ConsoleReporterOptions;

  constructor(options: ConsoleReporterOptions = {}) {
    this.#options = options;
  }

  /** The text written for `result`, with charts in `charts` style when given. */
  render(result: BenchmarkResult, color = this.#options.color ?? false, charts: ChartStyle | undefined = this.#chartsOption()): string {
    const c = createColors(color);
    const max = this.#options.maxCellWidth ?? 60;
    const lines: string[] = [];
    const when = result.timestamp > 0 ? ` at ${new Date(result.timestamp * 1000).toISOString()}` : "";
    lines.push(`${c.bold(`Run ${result.run}`)}${when}${result.partial ? c.yellow(" (partial: interrupted)") : ""}`);
    const ctx = flattenObject(result.context);
    const keys = Object.keys(ctx);
    if (keys.length > 0) {
      const w = Math.max(...keys.map((k) => k.length));
      lines.push(c.dim("Context:"));
      for (const k of keys) {
        const v = ctx[k];
        lines.push(`  ${k.padEnd(w)}  ${typeof v === "string" ? v : JSON.stringify(v)}`);
      }
    }
    lines.push("");
    const rows = result.benchmarks.map((b) => {
      const value = b.error_occurred
        ? c.red(truncate(`${(b.error_kind ?? "error").toUpperCase()}: ${b.error_message}`, max))
        : truncate(formatValue(b.value), max);
      return [
        b.error_occurred ? c.red(b.name) : b.name,
        value,
        formatWallTime(b),
        ownPeak(b),
        b.memory ? formatBytes(b.memory.native_peak_bytes) : "",
        truncate(formatParameters(b.parameters), max),
      ];
    });
    let out = lines.join("\n") + "\n";
    if (rows.length === 0) return out + c.dim("No benchmarks.") + "\n";
    out += renderTable(["Benchmark", "Value", "Wall time", "Peak RSS", "Native peak", "Parameters"], rows, {
      align: ["left", "right", "right", "right", "right", "left"],
      header: c.bold,
    });
    const failed = result.benchmarks.filter((b) => b.error_occurred).length;
    if (failed > 0) out += c.red(`${failed} of ${result.benchmarks.length} benchmarks failed`) + "\n";
    const chartText = charts ? renderFamilyCharts(result, charts) : "";
    if (chartText) out += `\n${c.bold("Charts by family")}\n${chartText}`;
    return out;
  }

  #chartsOption(): ChartStyle | undefined {
    const charts = this.#options.charts;
    return charts === "none" ? undefined : charts;
  }

  /** Writes the table to `stream` (standard output by default). */
  display(result: BenchmarkResult, stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout): void {
    const charts = this.#options.charts === undefined ? chartStyleFor(stream) : this.#chartsOption();
    stream.write(this.render(result, this.#options.color ?? shouldColor(stream), charts));
  }

  /** Writes the table to `"stdout"` / `"-"` (the default) or `"stderr"`. */
  async write(result: BenchmarkResult, target = "stdout"): Promise<void> {
    const stream = target === "stderr" ? process.stderr : target === "stdout" || target === "-" ? process.stdout : undefined;
    if (!stream) throw new UnsupportedTargetError(target, ["stdout", "stderr", "-"], "the console reporter writes to a standard stream");
    this.display(result, stream);
  }

  /** Console output cannot be read back; this always throws. */
  async read(target: string): Promise<BenchmarkResult[]> {
    throw new UnsupportedTargetError(target, ["a results file", "sqlite://path"], "console output cannot be read back");
  }
}
