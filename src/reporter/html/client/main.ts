/**
 * The report page's script: reads the embedded data and builds the runs table, the filters, the
 * benchmark table and the charts (families, memory timelines, comparison, history). Charts are drawn
 * when they scroll into view (all of them before printing), so large reports open quickly.
 */
import { formatBytes, formatDuration } from "../../../text/units.js";
import type { ReportBenchmark, ReportComparisonRow, ReportData, ReportRecord, ReportRegression, ReportRun } from "../data.js";
import {
  deltaChart,
  familyMemoryChart,
  familyTimeChart,
  historyMemoryChart,
  historyTimeChart,
  PHASE_COLORS,
  spreadOf,
  timelineChart,
  timelineSeries,
  type DeltaRow,
  type HistoryPoint,
  type Named,
} from "./charts.js";
import { el } from "./dom.js";

performance.mark("nnbench:script");
const root = document.getElementById("report")!;

/** Reads the page's data: JSON, gzip-compressed and base64-encoded. */
async function loadData(): Promise<ReportData> {
  const node = document.getElementById("nnbench-data")!;
  const text = node.textContent ?? "";
  if (node.getAttribute("data-encoding") !== "gzip+base64") return JSON.parse(text) as ReportData;
  const fromBase64 = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  let bytes: Uint8Array;
  if (fromBase64) bytes = fromBase64.call(Uint8Array, text);
  else {
    const binary = atob(text);
    bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  }
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return JSON.parse(await new Response(stream).text()) as ReportData;
}

let data: ReportData;
let benchmarks: ReportData["benchmarks"];

const state = {
  run: 0,
  text: "",
  family: "",
  tag: "",
  sortKey: "",
  sortDir: 1,
};

// ---- charts drawn on demand -------------------------------------------------------------------

const pending = new Map<Element, () => Element>();
const observer =
  typeof IntersectionObserver === "function"
    ? new IntersectionObserver(
        (entries) => {
          for (const e of entries) if (e.isIntersecting) drawFigure(e.target);
        },
        { rootMargin: "400px 0px" },
      )
    : undefined;

function drawFigure(fig: Element): void {
  const draw = pending.get(fig);
  if (!draw) return;
  pending.delete(fig);
  observer?.unobserve(fig);
  try {
    fig.append(draw());
    fig.setAttribute("data-rendered", "true");
  } catch (err) {
    fig.append(el("p", { class: "error-text" }, `This chart could not be drawn: ${(err as Error).message}`));
    console.error(err);
  }
}

function figure(kind: string, caption: string, draw: () => Element, attrs: Record<string, string | number> = {}): HTMLElement {
  const fig = el("figure", { class: "chart", "data-chart": kind, "data-rendered": "false", ...attrs }, el("figcaption", {}, caption));
  pending.set(fig, draw);
  if (observer) observer.observe(fig);
  else queueMicrotask(() => drawFigure(fig));
  return fig;
}

function forget(container: Element): void {
  for (const fig of container.querySelectorAll("figure.chart")) {
    pending.delete(fig);
    observer?.unobserve(fig);
  }
  container.replaceChildren();
}

window.addEventListener("beforeprint", () => {
  for (const fig of [...pending.keys()]) drawFigure(fig);
});

// ---- helpers ----------------------------------------------------------------------------------

function matches(b: ReportBenchmark): boolean {
  if (state.family && b.family !== state.family) return false;
  if (state.tag && !b.tags.includes(state.tag)) return false;
  if (state.text && !b.name.toLowerCase().includes(state.text.toLowerCase())) return false;
  return true;
}

function runLabel(r: ReportRun, i: number): string {
  return `#${i + 1} ${r.name}`;
}

function date(ts: number): string {
  return ts > 0 ? new Date(ts * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC") : "";
}

function ctx(run: ReportRun, ...keys: string[]): string {
  for (const k of keys) {
    const v = run.context[k];
    if (v !== undefined && v !== "") return v;
  }
  return "";
}

function pct(x: number | undefined): string {
  return x === undefined ? "" : `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;
}

function comparedRun(): number {
  return state.run === 0 ? Math.min(1, data.runs.length - 1) : state.run;
}

// ---- sections ---------------------------------------------------------------------------------

function header(): HTMLElement {
  const failedRuns = data.runs.filter((r) => r.failed > 0).length;
  const partialRuns = data.runs.filter((r) => r.partial).length;
  return el(
    "p",
    { class: "muted", id: "summary" },
    `${data.runs.length} run${data.runs.length === 1 ? "" : "s"}, ${benchmarks.length} benchmark${benchmarks.length === 1 ? "" : "s"}; made ${date(Date.parse(data.generated) / 1000)}.`,
    partialRuns > 0 ? el("span", { class: "badge warn" }, `${partialRuns} partial`) : null,
    failedRuns > 0 ? el("span", { class: "badge bad" }, `${failedRuns} with failures`) : null,
  );
}

function runsSection(): HTMLElement {
  const rows = data.runs.map((r, i) => {
    const git = ctx(r, "git.commit").slice(0, 10) + (r.context["git.dirty"] === "true" ? " (dirty)" : "");
    const addon = [ctx(r, "native.gemm_isa"), ctx(r, "native.compiler")].filter(Boolean).join(", ");
    const tr = el(
      "tr",
      { "data-run": i, class: i === state.run ? "selected" : "", title: Object.entries(r.context).map(([k, v]) => `${k}: ${v}`).join("\n") },
      el("td", {}, i + 1),
      el("td", {}, r.name, r.partial ? el("span", { class: "badge warn" }, "partial") : null, i === 0 && data.runs.length > 1 ? el("span", { class: "badge muted" }, "baseline") : null),
      el("td", {}, date(r.timestamp)),
      el("td", {}, ctx(r, "cpu.model", "cpu", "cpuarch", "cpu.architecture")),
      el("td", {}, ctx(r, "node.version", "node_version")),
      el("td", {}, addon),
      el("td", {}, git),
      el("td", { class: "num" }, r.records.length),
      el("td", { class: `num${r.failed > 0 ? " bad" : ""}` }, r.failed),
      el("td", {}, r.source),
    );
    tr.addEventListener("click", () => selectRun(i));
    return tr;
  });
  return el(
    "section",
    { id: "runs" },
    el("h2", {}, "Runs"),
    el(
      "div",
      { class: "scroll" },
      el(
        "table",
        {},
        el("thead", {}, el("tr", {}, ["#", "Run", "Date", "CPU", "Node.js", "Addon", "Git", "Benchmarks", "Failed", "Source"].map((h) => el("th", {}, h)))),
        el("tbody", {}, rows),
      ),
    ),
  );
}

function controls(): HTMLElement {
  const families = [...new Set(benchmarks.map((b) => b.family))].sort();
  const tags = [...new Set(benchmarks.flatMap((b) => b.tags))].sort();
  const runSelect = el("select", { id: "run-select", "aria-label": "run" }, data.runs.map((r, i) => el("option", { value: i, selected: i === state.run }, runLabel(r, i))));
  runSelect.addEventListener("change", () => selectRun(Number(runSelect.value)));
  const text = el("input", { id: "filter-name", type: "search", placeholder: "name contains…", "aria-label": "filter by name" });
  text.addEventListener("input", () => {
    state.text = text.value;
    refresh();
  });
  const family = el("select", { id: "filter-family", "aria-label": "filter by family" }, el("option", { value: "" }, "all families"), families.map((f) => el("option", { value: f }, f)));
  family.addEventListener("change", () => {
    state.family = family.value;
    refresh();
  });
  const tag = el("select", { id: "filter-tag", "aria-label": "filter by tag" }, el("option", { value: "" }, "all tags"), tags.map((t) => el("option", { value: t }, t)));
  tag.addEventListener("change", () => {
    state.tag = tag.value;
    refresh();
  });
  return el(
    "div",
    { class: "controls" },
    el("label", {}, "Run", runSelect),
    el("label", {}, "Name", text),
    el("label", {}, "Family", family),
    tags.length > 0 ? el("label", {}, "Tag", tag) : null,
    el("span", { id: "match-count", class: "muted" }),
  );
}

type Column = { key: string; label: string; num?: boolean; sort?: (r: ReportRecord) => number | string | undefined };
const COLUMNS: Column[] = [
  { key: "name", label: "Benchmark", sort: (r) => benchmarks[r.b]!.name },
  { key: "family", label: "Family", sort: (r) => benchmarks[r.b]!.family },
  { key: "tags", label: "Tags" },
  { key: "value", label: "Value", num: true, sort: (r) => (r.value !== undefined && r.value !== "" && !Number.isNaN(Number(r.value)) ? Number(r.value) : r.value) },
  { key: "time", label: "Time (median)", num: true, sort: (r) => r.time },
  { key: "spread", label: "Spread (IQR)", num: true, sort: (r) => {
    const s = spreadOf(r);
    return s && s.median > 0 ? (s.q3 - s.q1) / s.median : undefined;
  } },
  { key: "native", label: "Native peak", num: true, sort: (r) => r.native },
  { key: "rss", label: "RSS peak", num: true, sort: (r) => r.rss },
  { key: "status", label: "Status", sort: (r) => (r.error ? r.error.kind : "") },
];

function sortRecords(records: ReportRecord[]): ReportRecord[] {
  const col = COLUMNS.find((c) => c.key === state.sortKey);
  if (!col?.sort) return records;
  const key = col.sort;
  return [...records].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? 1 : -1;
    const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return c * state.sortDir;
  });
}

function benchmarkTable(run: ReportRun, records: ReportRecord[]): HTMLElement {
  const head = el(
    "tr",
    {},
    COLUMNS.map((c) => {
      const th = el("th", {
        class: c.num ? "num" : "",
        "data-sort": c.sort ? c.key : undefined,
        "aria-sort": state.sortKey === c.key ? (state.sortDir > 0 ? "ascending" : "descending") : undefined,
      }, c.label);
      if (c.sort) {
        th.addEventListener("click", () => {
          state.sortDir = state.sortKey === c.key ? -state.sortDir : 1;
          state.sortKey = c.key;
          renderTable();
        });
      }
      return th;
    }),
  );
  const rows = sortRecords(records).map((r) => {
    const b = benchmarks[r.b]!;
    const s = spreadOf(r);
    return el(
      "tr",
      { class: r.error ? "error" : "", "data-benchmark": b.name },
      el("td", { title: [b.description, b.parameters].filter(Boolean).join("\n") }, b.name),
      el("td", {}, b.family),
      el("td", {}, b.tags.join(", ")),
      el("td", { class: "num" }, r.value ?? ""),
      el("td", { class: "num" }, r.time !== undefined ? formatDuration(r.time) : "-"),
      el("td", { class: "num" }, s ? `${formatDuration(s.q1)} – ${formatDuration(s.q3)} (n=${s.n})` : ""),
      el("td", { class: "num" }, r.native !== undefined ? formatBytes(r.native) : ""),
      el("td", { class: "num" }, r.rss !== undefined ? formatBytes(r.rss) : ""),
      el("td", { class: r.error ? "bad" : "good", title: r.error?.message }, r.error ? `${r.error.kind}: ${r.error.message}` : "ok"),
    );
  });
  return el(
    "div",
    {},
    el("h2", {}, `Benchmarks of ${run.name}`, run.partial ? el("span", { class: "badge warn" }, "partial: interrupted") : null),
    rows.length > 0 ? el("div", { class: "scroll" }, el("table", { id: "benchmarks" }, el("thead", {}, head), el("tbody", {}, rows))) : el("p", { class: "empty" }, "No benchmark matches."),
  );
}

function familiesSection(records: ReportRecord[]): HTMLElement {
  const byFamily = new Map<string, Named[]>();
  for (const r of records) {
    const b = benchmarks[r.b]!;
    const list = byFamily.get(b.family) ?? [];
    list.push({ name: b.name, record: r });
    byFamily.set(b.family, list);
  }
  const blocks = [...byFamily].map(([family, items]) => {
    const timed = items.filter((d) => d.record.time !== undefined && !d.record.error);
    const withMemory = items.filter((d) => d.record.native !== undefined || d.record.rss !== undefined);
    const sampled = timed.filter((d) => d.record.samples && d.record.samples.length > 1).length;
    return el(
      "div",
      { class: "family", "data-family": family },
      el("h3", {}, family, el("span", { class: "muted" }, ` (${items.length})`)),
      el(
        "div",
        { class: "pair" },
        timed.length > 0
          ? figure("family-time", `Time${sampled > 0 ? " (box plots of samples)" : ""}`, () => familyTimeChart(timed), { "data-family": family, "data-marks": timed.length, "data-sampled": sampled })
          : el("p", { class: "empty" }, "No timings."),
        withMemory.length > 0
          ? figure("family-memory", "Memory: native peak and RSS peak", () => familyMemoryChart(withMemory), { "data-family": family, "data-marks": withMemory.length })
          : el("p", { class: "empty" }, "No memory recorded."),
      ),
    );
  });
  return el("section", { id: "families" }, el("h2", {}, "Families"), blocks.length > 0 ? blocks : el("p", { class: "empty" }, "No benchmark matches."));
}

function timelinesSection(records: ReportRecord[]): HTMLElement | null {
  const withTimeline = records.filter((r) => r.timeline && r.timeline.t_ms.length > 0);
  if (withTimeline.length === 0) return null;
  const phases = [...new Set(withTimeline.flatMap((r) => r.timeline!.phases.map((p) => p.name)))];
  return el(
    "section",
    { id: "timelines" },
    el("h2", {}, "Memory timelines"),
    el("div", { class: "legend" }, "Phases:", phases.map((p) => el("span", { style: `--c: ${PHASE_COLORS[p] ?? "#9d9da0"}` }, p))),
    el(
      "div",
      { class: "grid" },
      withTimeline.map((r) => {
        const t = r.timeline!;
        return figure("timeline", benchmarks[r.b]!.name, () => timelineChart(t), {
          "data-benchmark": benchmarks[r.b]!.name,
          "data-series": timelineSeries(t).length,
          "data-phases": t.phases.length,
        });
      }),
    ),
  );
}

function verdictOf(row: ReportComparisonRow, metric: string): DeltaRow["verdict"] {
  const checks = (row.checks ?? []).filter((c) => c.check.startsWith(metric));
  if (checks.some((c) => c.status === "fail")) return "fail";
  if (checks.some((c) => c.status === "noise")) return "noise";
  if (checks.some((c) => c.status === "pass")) return "pass";
  return row.failed ? "fail" : "other";
}

function statusText(row: ReportComparisonRow): string {
  const noise = (row.checks ?? []).some((c) => c.status === "noise");
  switch (row.status) {
    case "pass":
      return noise ? "✓ pass (noise)" : "✓ pass";
    case "fail":
      return "✗ FAIL";
    case "missing":
      return row.failed ? "✗ missing" : "? missing";
    case "new":
      return "new";
    case "error":
      return "error in both";
  }
}

function comparisonSection(): HTMLElement | null {
  const c = data.comparison;
  if (!c) return null;
  const runIndex = comparedRun();
  const run = data.runs[runIndex]!;
  const rows = c.rows.filter((r) => r.run === runIndex && matches(benchmarks[r.b]!));
  const recordOf = (runI: number, b: number) => data.runs[runI]!.records.find((r) => r.b === b);
  const deltas = (key: "delta_time" | "delta_native" | "delta_rss", metric: string): DeltaRow[] =>
    rows
      .filter((r) => r[key] !== undefined)
      .map((r) => ({
        name: benchmarks[r.b]!.name,
        delta: r[key]!,
        verdict: verdictOf(r, metric),
        detail: (r.checks ?? []).filter((x) => x.check.startsWith(metric)).map((x) => x.detail).join("; "),
      }));
  const time = deltas("delta_time", "time_ns");
  const native = deltas("delta_native", "memory.native_peak_bytes");
  const rss = deltas("delta_rss", "memory.rss_peak_bytes");
  const allFailed = c.rows.filter((r) => r.failed).length;
  const table = el(
    "table",
    { id: "comparison-table" },
    el("thead", {}, el("tr", {}, ["Benchmark", "Time", "Baseline time", "Δ time", "Δ native peak", "Δ RSS peak", "Verdict", "Details"].map((h) => el("th", {}, h)))),
    el(
      "tbody",
      {},
      rows.map((r) => {
        const cur = recordOf(runIndex, r.b);
        const base = recordOf(0, r.b);
        const details = (r.checks ?? []).filter((x) => x.status !== "pass" && x.status !== "skipped").map((x) => x.detail).join("; ");
        return el(
          "tr",
          { "data-benchmark": benchmarks[r.b]!.name, "data-status": r.status },
          el("td", {}, benchmarks[r.b]!.name),
          el("td", { class: "num" }, cur?.time !== undefined && !cur.error ? formatDuration(cur.time) : ""),
          el("td", { class: "num" }, base?.time !== undefined && !base.error ? formatDuration(base.time) : ""),
          el("td", { class: "num" }, pct(r.delta_time)),
          el("td", { class: "num" }, pct(r.delta_native)),
          el("td", { class: "num" }, pct(r.delta_rss)),
          el("td", { class: r.failed ? "bad" : r.status === "pass" ? "good" : "muted" }, statusText(r)),
          el("td", {}, details),
        );
      }),
    ),
  );
  return el(
    "section",
    { id: "comparison" },
    el("h2", {}, `Comparison: ${run.name} vs baseline ${data.runs[0]!.name}`),
    el(
      "p",
      { class: c.success ? "good" : "bad", id: "comparison-verdict" },
      c.success ? `All ${c.rows.length} comparisons passed.` : `${allFailed} of ${c.rows.length} comparisons regressed.`,
    ),
    c.rules.length > 0 ? el("ul", {}, c.rules.map((r) => el("li", {}, r))) : el("p", { class: "muted" }, "No comparators or thresholds: only benchmarks that now fail count as regressions."),
    c.warnings.length > 0 ? el("ul", { class: "warn" }, c.warnings.map((w) => el("li", {}, `warning: ${w}`))) : null,
    el(
      "div",
      { class: "grid" },
      time.length > 0 ? figure("delta-time", "Time change", () => deltaChart(time, "time"), { "data-marks": time.length }) : null,
      native.length > 0 ? figure("delta-native", "Native peak change", () => deltaChart(native, "native peak"), { "data-marks": native.length }) : null,
      rss.length > 0 ? figure("delta-rss", "RSS peak change", () => deltaChart(rss, "RSS peak"), { "data-marks": rss.length }) : null,
    ),
    el("div", { class: "scroll" }, table),
  );
}

function historySection(): HTMLElement | null {
  const h = data.history;
  if (!h) return null;
  const regressionAt = new Map<string, ReportRegression>();
  for (const r of h.regressions) regressionAt.set(`${r.run}:${r.b}`, r);
  const shown = benchmarks.map((b, i) => ({ b, i })).filter(({ b }) => matches(b));
  const blocks = shown.map(({ b, i }) => {
    const points: HistoryPoint[] = [];
    data.runs.forEach((run, k) => {
      const record = run.records.find((r) => r.b === i);
      if (!record) return;
      const regression = regressionAt.get(`${k}:${i}`);
      points.push({ run: k + 1, runName: run.name, record, ...(regression ? { regression } : {}) });
    });
    const regressions = points.filter((p) => p.regression).length;
    const hasMemory = points.some((p) => p.record.native !== undefined || p.record.rss !== undefined);
    return el(
      "div",
      { class: "history", "data-benchmark": b.name },
      el("h3", {}, b.name, regressions > 0 ? el("span", { class: "badge bad" }, `${regressions} regression${regressions === 1 ? "" : "s"}`) : null),
      el(
        "div",
        { class: "pair" },
        figure("history-time", "Time over runs", () => historyTimeChart(points), { "data-benchmark": b.name, "data-marks": points.filter((p) => p.record.time !== undefined).length, "data-regressions": regressions }),
        hasMemory ? figure("history-memory", "Memory over runs", () => historyMemoryChart(points), { "data-benchmark": b.name, "data-marks": points.length }) : el("p", { class: "empty" }, "No memory recorded."),
      ),
    );
  });
  return el(
    "section",
    { id: "history" },
    el("h2", {}, `History over ${data.runs.length} runs`),
    el("p", { class: "muted" }, `A run is marked where a benchmark got worse than in the run before: ${h.rules.join(", ")}. ${h.regressions.length} regression${h.regressions.length === 1 ? "" : "s"} in all.`),
    blocks.length > 0 ? blocks : el("p", { class: "empty" }, "No benchmark matches."),
  );
}

// ---- assembly ---------------------------------------------------------------------------------

const tableSlot = el("section", { id: "table" });
const familiesSlot = el("div");
const timelinesSlot = el("div");
const comparisonSlot = el("div");
const historySlot = el("div");
const runsSlot = el("div");

function currentRecords(): ReportRecord[] {
  return data.runs[state.run]!.records.filter((r) => matches(benchmarks[r.b]!));
}

function renderTable(): void {
  tableSlot.replaceChildren(benchmarkTable(data.runs[state.run]!, currentRecords()));
}

function render(slot: HTMLElement, content: HTMLElement | null): void {
  forget(slot);
  if (content) slot.append(content);
}

function refresh(): void {
  const records = currentRecords();
  const count = document.getElementById("match-count");
  if (count) count.textContent = `${records.length} of ${data.runs[state.run]!.records.length} benchmarks`;
  renderTable();
  render(familiesSlot, familiesSection(records));
  render(timelinesSlot, timelinesSection(records));
  render(comparisonSlot, comparisonSection());
  render(historySlot, historySection());
}

function selectRun(i: number): void {
  state.run = i;
  const select = document.getElementById("run-select") as HTMLSelectElement | null;
  if (select) select.value = String(i);
  for (const tr of runsSlot.querySelectorAll("tr[data-run]")) tr.classList.toggle("selected", tr.getAttribute("data-run") === String(i));
  refresh();
}

async function start(): Promise<void> {
  data = await loadData();
  benchmarks = data.benchmarks;
  state.run = data.runs.length - 1;
  performance.mark("nnbench:data");
  root.append(header(), runsSlot, controls(), tableSlot, familiesSlot, timelinesSlot, comparisonSlot, historySlot);
  runsSlot.append(runsSection());
  if (data.runs.length === 0) root.append(el("p", { class: "empty" }, "These results hold no runs."));
  else refresh();
  root.setAttribute("aria-busy", "false");
  performance.mark("nnbench:ready");
  document.documentElement.setAttribute("data-ready", String(Math.round(performance.now())));
}

start().catch((err: unknown) => {
  root.append(el("p", { class: "error-text" }, `This report could not be shown: ${(err as Error).message}`));
  console.error(err);
});
