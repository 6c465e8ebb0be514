/**
 * What `import "nnbench"` costs a bare Node process: the wall time of the import and the resident
 * memory it adds, measured inside fresh processes (one per run, median of the runs), next to the
 * same process importing nothing. It imports the built package (dist/, `npm run build:ts`), as a
 * user's project would.
 *
 *   npm run bench:import -- [--runs 11] [--root DIR]
 *
 * --root measures another checkout's build instead (for before/after comparisons).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { median } from "../src/stats/summary.js";

const MiB = 1024 * 1024;
const { values } = parseArgs({ options: { runs: { type: "string", default: "11" }, root: { type: "string" } } });
const root = values.root ?? join(dirname(fileURLToPath(import.meta.url)), "..");
const runs = Math.max(1, Number(values.runs));

if (!existsSync(join(root, "dist", "index.js"))) throw new Error("dist/ is missing: run npm run build:ts first");

interface Sample {
  ms: number;
  rssBefore: number;
  rssAfter: number;
}

/** One fresh process: RSS before, then the import's time and the RSS after it. */
function sample(importIt: boolean): Sample {
  const script = [
    "const rssBefore = process.memoryUsage.rss();",
    "const t0 = performance.now();",
    importIt ? 'await import("nnbench");' : "await import(\"node:path\");",
    "const ms = performance.now() - t0;",
    "console.log(JSON.stringify({ ms, rssBefore, rssAfter: process.memoryUsage.rss() }));",
  ].join("\n");
  // Run from the package root, so that "nnbench" resolves to this package (its own exports).
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
  return JSON.parse(out) as Sample;
}

sample(true); // warm the file cache
const bare: Sample[] = [];
const loaded: Sample[] = [];
for (let i = 0; i < runs; i++) {
  bare.push(sample(false));
  loaded.push(sample(true));
}
const bareRss = median(bare.map((s) => s.rssAfter));
const rss = median(loaded.map((s) => s.rssAfter));
const added = median(loaded.map((s) => s.rssAfter - s.rssBefore)) - median(bare.map((s) => s.rssAfter - s.rssBefore));
const ms = median(loaded.map((s) => s.ms));
console.log(`import "nnbench" in a fresh Node ${process.version} process, median of ${runs} runs:`);
console.log(`  time: ${ms.toFixed(1)} ms (min ${Math.min(...loaded.map((s) => s.ms)).toFixed(1)}, max ${Math.max(...loaded.map((s) => s.ms)).toFixed(1)})`);
console.log(`  RSS:  ${(bareRss / MiB).toFixed(1)} MiB bare -> ${(rss / MiB).toFixed(1)} MiB with nnbench: +${(added / MiB).toFixed(1)} MiB`);
console.log(`  goal: under 100 ms and under 10 MiB`);
