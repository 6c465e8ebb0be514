/**
 * The report page: one self-contained HTML document holding its style, its data and its script. The
 * data is JSON, gzip-compressed and base64-encoded (a quarter of the size, so large reports parse
 * quickly); the page inflates it with the browser's DecompressionStream. A Content-Security-Policy
 * forbids every network request, so the page works from disk and offline exactly as it was written.
 */
import { createRequire } from "node:module";

/** node:zlib, loaded when a report is written or read. */
const zlib = (): typeof import("node:zlib") => createRequire(import.meta.url)("node:zlib") as typeof import("node:zlib");
import type { ReportData } from "./data.js";

const CSS = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1d2127; --muted: #5c6570; --line: #d8dde3; --panel: #f5f7f9;
  --accent: #2f6fdd; --bad: #c9302c; --good: #23883a; --warn: #b7791f; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #15181c; --fg: #e4e8ec; --muted: #9aa4ae; --line: #343b43; --panel: #1d2228; --accent: #6ea2ff;
    --bad: #ff6b63; --good: #4cc264; --warn: #e0a84a; }
}
body { margin: 0; background: var(--bg); color: var(--fg); }
main { max-width: 1200px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 1.5rem; margin: 8px 0 4px; } h2 { font-size: 1.2rem; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 1rem; margin: 16px 0 4px; }
.muted { color: var(--muted); } .bad { color: var(--bad); } .good { color: var(--good); } .warn { color: var(--warn); }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td.num, th.num { text-align: right; white-space: nowrap; }
th { background: var(--panel); position: sticky; top: 0; }
th[data-sort] { cursor: pointer; user-select: none; } th[data-sort]::after { content: " ↕"; color: var(--muted); }
th[aria-sort="ascending"]::after { content: " ↑"; color: var(--fg); } th[aria-sort="descending"]::after { content: " ↓"; color: var(--fg); }
tr.selected td { background: color-mix(in srgb, var(--accent) 14%, transparent); }
tr.error td:first-child, .error-text { color: var(--bad); }
.scroll { max-height: 420px; overflow: auto; border: 1px solid var(--line); }
.badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 0.8rem; border: 1px solid currentColor; margin-left: 4px; }
.controls { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 8px 12px; background: var(--panel);
  border: 1px solid var(--line); border-radius: 6px; margin-top: 24px; }
.controls label { display: flex; gap: 6px; align-items: center; }
input, select { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 4px; padding: 2px 6px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 16px; }
figure.chart { margin: 0; padding: 8px; border: 1px solid var(--line); border-radius: 6px; min-height: 120px; break-inside: avoid; }
figure.chart figcaption { font-weight: 600; margin-bottom: 4px; overflow-wrap: anywhere; }
figure.chart svg { max-width: 100%; height: auto; overflow: visible; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.legend { display: flex; gap: 12px; flex-wrap: wrap; font-size: 0.85rem; color: var(--muted); }
.legend span::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 4px; background: var(--c); border-radius: 2px; }
details summary { cursor: pointer; color: var(--muted); }
.empty { color: var(--muted); font-style: italic; }
@media print {
  :root { --bg: #fff; --fg: #000; --panel: #f2f2f2; --line: #bbb; color-scheme: light; }
  .controls, .no-print { display: none !important; }
  main { max-width: none; padding: 0; }
  .scroll { max-height: none; overflow: visible; }
  th { position: static; }
  .grid { grid-template-columns: 1fr 1fr; }
  h2 { break-after: avoid; }
}
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** How the page's data is encoded in its `#nnbench-data` element. */
export const DATA_ENCODING = "gzip+base64";

/** The report data as the page embeds it: gzip-compressed JSON in base64 (no `<`, safe in a script element). */
export function encodeReportData(data: ReportData): string {
  return zlib().gzipSync(JSON.stringify(data), { level: 6 }).toString("base64");
}

/** The data of a report page written by {@link renderPage}. */
export function decodeReportData(html: string): ReportData {
  const m = /<script type="application\/octet-stream" id="nnbench-data" data-encoding="gzip\+base64">([A-Za-z0-9+/=]*)<\/script>/.exec(html);
  if (!m) throw new Error("not an nnbench HTML report: it holds no report data");
  return JSON.parse(zlib().gunzipSync(Buffer.from(m[1]!, "base64")).toString("utf8")) as ReportData;
}

/** The complete HTML document for `data`, with the page script `script` inlined. */
export function renderPage(data: ReportData, script: string): string {
  const csp = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="nnbench">
<title>${escapeHtml(data.title)}</title>
<style>${CSS}</style>
</head>
<body>
<main id="report" aria-busy="true">
<h1>${escapeHtml(data.title)}</h1>
<noscript><p>This report draws its tables and charts with JavaScript; enable it to see them.</p></noscript>
</main>
<script type="application/octet-stream" id="nnbench-data" data-encoding="${DATA_ENCODING}">${encodeReportData(data)}</script>
<script>${script.replace(/<\/(script)/gi, "<\\/$1")}</script>
</body>
</html>
`;
}
