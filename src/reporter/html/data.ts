/**
 * The data an HTML report embeds: a compact, JSON-ready view of one or more runs, their comparison
 * and their history. Shared by the page builder (Node.js) and the page's own script (browser), so it
 * holds types only.
 */

/** Memory sampled over a benchmark's life (`memory.timeline` in a record). */
export interface ReportTimeline {
  interval_ms: number;
  t_ms: number[];
  rss_bytes: number[];
  native_bytes: number[];
  external_bytes: number[];
  phases: { name: string; start_ms: number; end_ms: number }[];
}

/**
 * Timing spread of a sampled benchmark: `[n, min, q1, median, q3, max]`, times in whole nanoseconds
 * (a tuple keeps reports of many runs small).
 */
export type ReportSpread = [n: number, min: number, q1: number, median: number, q3: number, max: number];

/** One benchmark's outcome in one run. */
export interface ReportRecord {
  /** Index into {@link ReportData.benchmarks}. */
  b: number;
  /** Wall time (the median when sampled), ns; absent when the benchmark failed before timing. */
  time?: number;
  spread?: ReportSpread;
  /** Timed samples in whole ns, sorted; long series are thinned to evenly spaced quantiles. */
  samples?: number[];
  /** The value as text. */
  value?: string;
  /** Native peak bytes. */
  native?: number;
  /** RSS peak bytes. */
  rss?: number;
  error?: { kind: string; message: string };
  timeline?: ReportTimeline;
}

/** One run. */
export interface ReportRun {
  name: string;
  /** Seconds since the Unix epoch, 0 when unknown. */
  timestamp: number;
  partial: boolean;
  /** Where the run was read from. */
  source: string;
  /** The context, flattened to dotted keys, as text. */
  context: Record<string, string>;
  records: ReportRecord[];
  failed: number;
}

/** A benchmark known in any run. */
export interface ReportBenchmark {
  name: string;
  /** The family: the benchmark function's name. */
  family: string;
  tags: string[];
  parameters: string;
  description: string;
}

/** One check of a comparison row, as `src/compare` decided it. */
export interface ReportCheck {
  check: string;
  status: "pass" | "fail" | "noise" | "skipped";
  detail: string;
  p?: number;
}

/** One benchmark of one later run against the baseline (the first run). */
export interface ReportComparisonRow {
  /** Index into {@link ReportData.runs}. */
  run: number;
  b: number;
  status: "pass" | "fail" | "missing" | "new" | "error";
  /** Present and true when this row makes the comparison fail. */
  failed?: boolean;
  /** Relative change of time, native peak and RSS peak against the baseline (0.05 = +5%), to 0.01%. */
  delta_time?: number;
  delta_native?: number;
  delta_rss?: number;
  /** The checks made, when any were. */
  checks?: ReportCheck[];
}

/** Every later run against the first. */
export interface ReportComparison {
  rules: string[];
  warnings: string[];
  success: boolean;
  rows: ReportComparisonRow[];
}

/** A run where a benchmark got worse than in the run before it. */
export interface ReportRegression {
  run: number;
  b: number;
  /** The metrics that regressed, e.g. `time_ns`, `memory.rss_peak_bytes`. */
  metrics: string[];
  detail: string;
}

/** Everything the page shows. */
export interface ReportData {
  title: string;
  /** ISO time the report was made. */
  generated: string;
  runs: ReportRun[];
  benchmarks: ReportBenchmark[];
  comparison?: ReportComparison;
  /** Regressions between consecutive runs, when there are at least three runs. */
  history?: { rules: string[]; regressions: ReportRegression[] };
}
