/**
 * Memory of a benchmark family over K large models (the memo guide's family), with the runner evicting
 * each model after its last use (evict: "auto") versus keeping every model cached (evict: "manual").
 * Each configuration runs in its own child process so its peak RSS is its own.
 *
 * The same family with the weights held in bfloat16 (converted while loading) peaks at half.
 *
 *   npm run bench:memory -- [--size-mib 128] [--ks 1,2,4,8] [--data-dir DIR]
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { nativeMemory, run } from "nnbench";
import { accuracyFamily, ensureModels, FEATURES, inputBatch, rowsFor } from "../examples/memo/models.js";

const MiB = 1024 * 1024;
const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    "size-mib": { type: "string", default: "128" },
    ks: { type: "string", default: "1,2,4,8" },
    "data-dir": { type: "string", default: join(here, "..", "examples", "memo", "data", "bench") },
    child: { type: "string" },
    mode: { type: "string" },
    dtype: { type: "string" },
  },
});
const sizeMiB = Number(values["size-mib"]);
const dataDir = values["data-dir"];

interface ChildReport {
  k: number;
  mode: string;
  nativePeak: number;
  rssBefore: number;
  rssPeak: number;
  heldAfter: number;
  errors: number;
}

async function child(k: number, mode: "auto" | "manual", dtype: "bfloat16" | undefined): Promise<void> {
  const paths = ensureModels(dataDir, k, sizeMiB);
  using data = inputBatch(16);
  const rssBefore = process.resourceUsage().maxRSS * 1024;
  const result = await run([accuracyFamily(paths, { tearDownEvicts: false, ...(dtype ? { dtype } : {}) })], { params: { data }, evict: mode });
  const report: ChildReport = {
    k,
    mode,
    nativePeak: Math.max(...result.benchmarks.map((r) => r.memory!.native_peak_bytes)),
    rssBefore,
    rssPeak: process.resourceUsage().maxRSS * 1024,
    heldAfter: nativeMemory().bytes,
    errors: result.benchmarks.filter((r) => r.error_occurred).length,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function parent(): void {
  const ks = values.ks.split(",").map(Number);
  ensureModels(dataDir, Math.max(...ks), sizeMiB);
  const modelBytes = rowsFor(sizeMiB) * FEATURES * 4;
  console.log(`model size ${(modelBytes / MiB).toFixed(1)} MiB; one child process per row\n`);
  const header = ["K", "evict", "native peak", "peak / model", "RSS before", "RSS peak", "RSS growth", "held after"];
  const rows: string[][] = [header];
  for (const [k, mode, dtype] of ks.flatMap((k) => [[k, "auto"], [k, "manual"], [k, "manual", "bfloat16"]] as const)) {
    {
      const extra = dtype ? ["--dtype", dtype] : [];
      const out = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--child", String(k), "--mode", mode, ...extra, "--size-mib", String(sizeMiB), "--data-dir", dataDir], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      });
      if (out.status !== 0) throw new Error(`child K=${k} ${mode} failed with status ${out.status}`);
      const r = JSON.parse(out.stdout.trim().split("\n").pop()!) as ChildReport;
      if (r.errors > 0) throw new Error(`child K=${k} ${mode}: ${r.errors} benchmarks failed`);
      const m = (b: number) => `${(b / MiB).toFixed(1)} MiB`;
      rows.push([String(k), dtype ? `${mode} bf16` : mode, m(r.nativePeak), (r.nativePeak / modelBytes).toFixed(2), m(r.rssBefore), m(r.rssPeak), m(r.rssPeak - r.rssBefore), m(r.heldAfter)]);
    }
  }
  const widths = header.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  "));
    if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
  console.log(
    "\nnative peak: largest nativeMemory().peakBytes over the run's benchmarks (exact tensor bytes).\n" +
      "RSS peak: the child's resident-set high-water mark (process.resourceUsage().maxRSS); RSS before is the\n" +
      "mark before the run started, so RSS growth is what running the family added.\n" +
      "manual bf16: the same family with every model held in bfloat16 (Model.load(path, { dtype: \"bfloat16\" })); peak / model is\n" +
      "against the float32 model size, so it is half the manual row's.",
  );
}

if (values.child !== undefined) {
  const mode = values.mode === "manual" ? "manual" : "auto";
  await child(Number(values.child), mode, values.dtype === "bfloat16" ? "bfloat16" : undefined);
} else {
  parent();
}
