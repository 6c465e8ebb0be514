/**
 * The report's charts, drawn with Observable Plot. Each function returns the chart element; the
 * caller places it in a figure. Colours read well on light and dark backgrounds; axes and text use
 * the page's current colour.
 */
import * as Plot from "@observablehq/plot";
import { formatBytes, formatDuration } from "../../../text/units.js";
import type { ReportRecord, ReportRegression, ReportSpread, ReportTimeline } from "../data.js";
import { byteUnit, timeUnit } from "./scale.js";

/** A record with its benchmark's name. */
export interface Named {
  name: string;
  record: ReportRecord;
}

/** Series colours: memory kinds and statuses keep the same colour in every chart. */
export const COLORS = {
  time: "#4c78a8",
  native: "#e45756",
  rss: "#54a24b",
  external: "#b279a2",
  pass: "#54a24b",
  fail: "#e45756",
  noise: "#eeca3b",
  other: "#9d9da0",
} as const;

/** Shading of the phases of a memory timeline. */
export const PHASE_COLORS: Record<string, string> = {
  memo_load: "#f58518",
  setup: "#72b7b2",
  warmup: "#eeca3b",
  calls: "#4c78a8",
  teardown: "#9d755d",
  eviction: "#b279a2",
};

/** A record's timing spread by name. */
export function spreadOf(r: ReportRecord): { n: number; min: number; q1: number; median: number; q3: number; max: number } | undefined {
  const s: ReportSpread | undefined = r.spread;
  return s ? { n: s[0], min: s[1], q1: s[2], median: s[3], q3: s[4], max: s[5] } : undefined;
}

const WIDTH = 540;
const BAR_ROW = 22;

function leftMargin(names: string[]): number {
  const longest = Math.max(0, ...names.map((n) => n.length));
  return Math.min(260, 12 + longest * 6.5);
}

function short(name: string): string {
  return name.length > 40 ? `${name.slice(0, 39)}…` : name;
}

function base(height: number, marginLeft = 48): Plot.PlotOptions {
  return { width: WIDTH, height, marginLeft, marginRight: 24, style: { background: "transparent", fontSize: "11px" } };
}

/**
 * Time per benchmark of a family: a box plot per sampled benchmark (from its samples), a bar for the
 * others, with a rule from the first to the third quartile when the spread is known.
 */
export function familyTimeChart(items: Named[]): Element {
  const timed = items.filter((d) => d.record.time !== undefined);
  const names = timed.map((d) => short(d.name));
  const max = Math.max(0, ...timed.map((d) => d.record.spread?.[5] ?? d.record.time ?? 0));
  const u = timeUnit(max);
  const sampled = timed.filter((d) => d.record.samples && d.record.samples.length > 1);
  const plain = timed.filter((d) => !(d.record.samples && d.record.samples.length > 1));
  const samples = sampled.flatMap((d) => d.record.samples!.map((t) => ({ name: short(d.name), t: t / u.factor })));
  const marks: Plot.Markish[] = [Plot.ruleX([0])];
  if (plain.length > 0) {
    marks.push(
      Plot.barX(plain, {
        y: (d: Named) => short(d.name),
        x: (d: Named) => d.record.time! / u.factor,
        fill: COLORS.time,
        title: (d: Named) => `${d.name}\n${formatDuration(d.record.time!)}`,
      }),
    );
  }
  if (samples.length > 0) marks.push(Plot.boxX(samples, { x: "t", y: "name", fill: COLORS.time, fillOpacity: 0.6, r: 1.5 }));
  return Plot.plot({
    ...base(40 + BAR_ROW * Math.max(1, names.length), leftMargin(names)),
    x: { label: `time (${u.label}) →`, grid: true, zero: true },
    y: { label: null, domain: names },
    marks,
  });
}

/** Native peak and RSS peak per benchmark of a family, side by side. */
export function familyMemoryChart(items: Named[]): Element {
  const rows = items.flatMap((d) => [
    ...(d.record.native !== undefined ? [{ name: short(d.name), metric: "native peak", bytes: d.record.native }] : []),
    ...(d.record.rss !== undefined ? [{ name: short(d.name), metric: "RSS peak", bytes: d.record.rss }] : []),
  ]);
  const names = [...new Set(rows.map((r) => r.name))];
  const u = byteUnit(Math.max(0, ...rows.map((r) => r.bytes)));
  return Plot.plot({
    ...base(40 + BAR_ROW * Math.max(1, rows.length), leftMargin(names)),
    x: { label: `memory (${u.label}) →`, grid: true },
    y: { label: null, axis: null, domain: ["native peak", "RSS peak"] },
    fy: { label: null, domain: names },
    color: { domain: ["native peak", "RSS peak"], range: [COLORS.native, COLORS.rss], legend: true },
    marks: [
      Plot.barX(rows, {
        x: (r: (typeof rows)[number]) => r.bytes / u.factor,
        y: "metric",
        fy: "name",
        fill: "metric",
        title: (r: (typeof rows)[number]) => `${r.name}\n${r.metric}: ${formatBytes(r.bytes)}`,
      }),
      Plot.ruleX([0]),
    ],
  });
}

/** The series a timeline holds, by name. */
export function timelineSeries(t: ReportTimeline): { series: string; values: number[] }[] {
  return [
    { series: "RSS", values: t.rss_bytes },
    { series: "native", values: t.native_bytes },
    { series: "external", values: t.external_bytes },
  ].filter((s) => s.values.length === t.t_ms.length && s.values.length > 0);
}

/** Memory over a benchmark's life: one line per kind, its phases shaded behind them. */
export function timelineChart(t: ReportTimeline): Element {
  const series = timelineSeries(t);
  const u = byteUnit(Math.max(0, ...series.flatMap((s) => s.values)));
  const rows = series.flatMap((s) => s.values.map((v, i) => ({ series: s.series, t: t.t_ms[i]!, v: v / u.factor })));
  const domain = series.map((s) => s.series);
  const range = domain.map((s) => (s === "RSS" ? COLORS.rss : s === "native" ? COLORS.native : COLORS.external));
  return Plot.plot({
    ...base(240, 56),
    x: { label: "time since start (ms) →", grid: true },
    y: { label: `↑ memory (${u.label})`, grid: true, zero: true },
    color: { domain, range, legend: true },
    marks: [
      Plot.rect(t.phases, {
        x1: "start_ms",
        x2: "end_ms",
        fill: (p: ReportTimeline["phases"][number]) => PHASE_COLORS[p.name] ?? COLORS.other,
        fillOpacity: 0.16,
        title: (p: ReportTimeline["phases"][number]) => `${p.name}: ${p.start_ms.toFixed(1)}–${p.end_ms.toFixed(1)} ms`,
      }),
      Plot.text(t.phases, {
        x: (p: ReportTimeline["phases"][number]) => (p.start_ms + p.end_ms) / 2,
        frameAnchor: "top",
        dy: 4,
        text: "name",
        fontSize: 9,
        fill: "currentColor",
        fillOpacity: 0.7,
      }),
      Plot.line(rows, { x: "t", y: "v", stroke: "series", strokeWidth: 1.5 }),
      Plot.ruleY([0]),
    ],
  });
}

/** A change against the baseline of one benchmark. */
export interface DeltaRow {
  name: string;
  /** Relative change (0.05 = +5%). */
  delta: number;
  /** The colour: the comparison's verdict. */
  verdict: "pass" | "fail" | "noise" | "other";
  detail: string;
}

/** Relative change per benchmark against the baseline, coloured by the comparison's verdict. */
export function deltaChart(rows: DeltaRow[], label: string): Element {
  const names = rows.map((r) => short(r.name));
  const maxAbs = Math.max(1, ...rows.map((r) => Math.abs(r.delta * 100)));
  return Plot.plot({
    ...base(40 + BAR_ROW * Math.max(1, rows.length), leftMargin(names)),
    x: { label: `${label} change vs baseline (%) →`, grid: true, domain: [-maxAbs, maxAbs], nice: true },
    y: { label: null, domain: names },
    marks: [
      Plot.barX(rows, {
        y: (r: DeltaRow) => short(r.name),
        x: (r: DeltaRow) => r.delta * 100,
        fill: (r: DeltaRow) => COLORS[r.verdict],
        title: (r: DeltaRow) => `${r.name}: ${r.delta >= 0 ? "+" : ""}${(r.delta * 100).toFixed(1)}%${r.detail ? `\n${r.detail}` : ""}`,
      }),
      Plot.ruleX([0]),
    ],
  });
}

/** One point of a benchmark's history. */
export interface HistoryPoint {
  run: number;
  runName: string;
  record: ReportRecord;
  regression?: ReportRegression;
}

/** A benchmark's time over runs; runs where it regressed are marked. */
export function historyTimeChart(points: HistoryPoint[]): Element {
  const timed = points.filter((p) => p.record.time !== undefined);
  const u = timeUnit(Math.max(0, ...timed.map((p) => p.record.time!)));
  const y = (p: HistoryPoint) => p.record.time! / u.factor;
  const regressed = timed.filter((p) => p.regression?.metrics.some((m) => m.startsWith("time") || m.startsWith("stats")));
  return Plot.plot({
    ...base(180, 56),
    x: { label: "run →", grid: true },
    y: { label: `↑ time (${u.label})`, grid: true, zero: true },
    marks: [
      Plot.areaY(timed.filter((p) => p.record.spread), {
        x: "run",
        y1: (p: HistoryPoint) => spreadOf(p.record)!.q1 / u.factor,
        y2: (p: HistoryPoint) => spreadOf(p.record)!.q3 / u.factor,
        fill: COLORS.time,
        fillOpacity: 0.2,
      }),
      Plot.line(timed, { x: "run", y, stroke: COLORS.time }),
      Plot.dot(timed, { x: "run", y, fill: COLORS.time, r: 2, title: (p: HistoryPoint) => `${p.runName}: ${formatDuration(p.record.time!)}` }),
      Plot.dot(regressed, {
        x: "run",
        y,
        r: 5,
        stroke: COLORS.fail,
        strokeWidth: 2,
        fill: "none",
        title: (p: HistoryPoint) => `regressed in ${p.runName}\n${p.regression!.detail}`,
      }),
    ],
  });
}

/** A benchmark's native peak and RSS peak over runs; runs where memory regressed are marked. */
export function historyMemoryChart(points: HistoryPoint[]): Element {
  const rows = points.flatMap((p) => [
    ...(p.record.native !== undefined ? [{ run: p.run, series: "native peak", bytes: p.record.native, p }] : []),
    ...(p.record.rss !== undefined ? [{ run: p.run, series: "RSS peak", bytes: p.record.rss, p }] : []),
  ]);
  const u = byteUnit(Math.max(0, ...rows.map((r) => r.bytes)));
  type Row = (typeof rows)[number];
  const regressed = rows.filter((r) =>
    r.p.regression?.metrics.some((m) => (r.series === "native peak" ? m === "memory.native_peak_bytes" : m === "memory.rss_peak_bytes")),
  );
  return Plot.plot({
    ...base(180, 56),
    x: { label: "run →", grid: true },
    y: { label: `↑ memory (${u.label})`, grid: true, zero: true },
    color: { domain: ["native peak", "RSS peak"], range: [COLORS.native, COLORS.rss], legend: true },
    marks: [
      Plot.line(rows, { x: "run", y: (r: Row) => r.bytes / u.factor, stroke: "series" }),
      Plot.dot(rows, { x: "run", y: (r: Row) => r.bytes / u.factor, fill: "series", r: 2, title: (r: Row) => `${r.p.runName}: ${r.series} ${formatBytes(r.bytes)}` }),
      Plot.dot(regressed, {
        x: "run",
        y: (r: Row) => r.bytes / u.factor,
        r: 5,
        stroke: COLORS.fail,
        strokeWidth: 2,
        fill: "none",
        title: (r: Row) => `regressed in ${r.p.runName}\n${r.p.regression!.detail}`,
      }),
    ],
  });
}
