/**
 * Memory of a benchmark family over K large models, for three kinds of model: nnbench tensors (the memo
 * guide's family), JavaScript typed arrays, and onnxruntime-node sessions. The runner either evicts each
 * model after its last use (evict: "auto", no tearDown) or keeps every model cached (evict: "manual").
 * Each configuration runs in its own child process so its RSS is its own.
 *
 *   npm run bench:memory -- [--size-mib 128] [--ks 1,2,4,8] [--kinds tensor,typed,onnx] [--data-dir DIR]
 *
 * The tensor family with its weights held in bfloat16 (converted while loading) peaks at half (the
 * "manual bf16" rows).
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { benchmark, memo, product, residentBytes, run, type BenchmarkFamily } from "nnbench";
import { accuracyFamily, ensureModels, inputBatch } from "../examples/memo/models.js";
import { ensureOnnxModels, IN_FEATURES, inferenceFamily, warmUpRuntime } from "../examples/onnxruntime/models.js";

const MiB = 1024 * 1024;
const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    "size-mib": { type: "string", default: "128" },
    ks: { type: "string", default: "1,2,4,8" },
    kinds: { type: "string", default: "tensor,typed,onnx" },
    "data-dir": { type: "string", default: join(here, "..", "examples", "memo", "data", "bench") },
    child: { type: "string" },
    mode: { type: "string" },
    kind: { type: "string" },
    dtype: { type: "string" },
  },
});
const sizeMiB = Number(values["size-mib"]);
const dataDir = values["data-dir"];
type Kind = "tensor" | "typed" | "onnx";

/** A family over K typed-array models of `sizeMiB` MiB, each a memo's `Float32Array`. */
function typedFamily(k: number): BenchmarkFamily {
  const elements = (sizeMiB * MiB) / 4;
  const models = Array.from({ length: k }, (_, i) => memo(() => new Float32Array(elements).fill(i + 1), `array${i + 1}`));
  return product({ model: models }, { name: "typed_{model}" })(function typed({ model }: { model: Float32Array }) {
    let s = 0;
    for (let j = 0; j < model.length; j += 4096) s += model[j]!;
    return s;
  });
}

interface ChildReport {
  k: number;
  mode: string;
  kind: Kind;
  nativePeak: number;
  rssBefore: number;
  rssPeak: number;
  heldAfter: number;
  errors: number;
}

async function child(k: number, mode: "auto" | "manual", kind: Kind, dtype: "bfloat16" | undefined): Promise<void> {
  let family: BenchmarkFamily;
  let params = {};
  using data = kind === "tensor" ? inputBatch(16) : undefined; // only the tensor models take an input batch
  if (kind === "tensor") {
    family = accuracyFamily(ensureModels(dataDir, k, sizeMiB), { tearDownEvicts: false, ...(dtype ? { dtype } : {}) });
    params = { data };
  } else if (kind === "onnx") {
    const dir = join(dataDir, "onnx");
    const paths = ensureOnnxModels(dir, k, sizeMiB);
    await warmUpRuntime(dir);
    family = inferenceFamily(paths);
  } else family = typedFamily(k);
  await run([benchmark(function warm() { return 0; })]); // the runner's own code paths, before measuring
  const rssBefore = residentBytes();
  const result = await run([family], { params, evict: mode });
  const report: ChildReport = {
    k,
    mode,
    kind,
    nativePeak: Math.max(...result.benchmarks.map((r) => r.memory!.native_peak_bytes)),
    rssBefore,
    rssPeak: Math.max(...result.benchmarks.map((r) => r.memory!.rss_peak_bytes!)),
    heldAfter: residentBytes() - rssBefore,
    errors: result.benchmarks.filter((r) => r.error_occurred).length,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function parent(): void {
  const ks = values.ks.split(",").map(Number);
  const kinds = values.kinds.split(",") as Kind[];
  const modelBytes = sizeMiB * MiB;
  console.log(`models of about ${sizeMiB} MiB; one child process per row\n`);
  const header = ["model", "K", "evict", "native peak", "RSS before", "largest peak", "peak growth", "growth / model", "held after"];
  const rows: string[][] = [header];
  for (const kind of kinds) {
    for (const k of ks) {
      const configs = [["auto"], ["manual"], ...(kind === "tensor" ? [["manual", "bfloat16"]] : [])] as const;
      for (const [mode, dtype] of configs as readonly (readonly ["auto" | "manual", ("bfloat16" | undefined)?])[]) {
        const extra = dtype ? ["--dtype", dtype] : [];
        const args = [...process.execArgv, fileURLToPath(import.meta.url), "--child", String(k), "--mode", mode, "--kind", kind, ...extra, "--size-mib", String(sizeMiB), "--data-dir", dataDir];
        const out = spawnSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
        if (out.status !== 0) throw new Error(`child ${kind} K=${k} ${mode} failed with status ${out.status}`);
        const r = JSON.parse(out.stdout.trim().split("\n").pop()!) as ChildReport;
        if (r.errors > 0) throw new Error(`child ${kind} K=${k} ${mode}: ${r.errors} benchmarks failed`);
        const m = (b: number) => `${(b / MiB).toFixed(1)} MiB`;
        const growth = r.rssPeak - r.rssBefore;
        rows.push([kind, String(k), dtype ? `${mode} bf16` : mode, m(r.nativePeak), m(r.rssBefore), m(r.rssPeak), m(growth), (growth / modelBytes).toFixed(2), m(r.heldAfter)]);
      }
    }
  }
  const widths = header.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  "));
    if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
  console.log(
    "\nnative peak: largest native_peak_bytes over the family's records (exact nnbench tensor bytes).\n" +
      "largest peak: largest per-benchmark rss_peak_bytes (the kernel's high-water mark, reset before each\n" +
      "benchmark, on Linux); RSS before: RSS after the runtime was loaded and before the family, so peak\n" +
      "growth is what the family's worst benchmark added. held after: RSS after the run minus RSS before.\n" +
      "tensor models are npz weights, onnx models MatMul graphs with external weights\n" +
      `(${IN_FEATURES} x n float32), typed models Float32Arrays; native peak is 0 for models nnbench does not own.` +
      "\nmanual bf16: the tensor family with every model held in bfloat16 (Model.load(path, { dtype: \"bfloat16\" }));\n" +
      "growth / model is against the float32 model size, so it is half the manual row's.",
  );
}

if (values.child !== undefined) {
  const mode = values.mode === "manual" ? "manual" : "auto";
  const kind = (values.kind ?? "tensor") as Kind;
  await child(Number(values.child), mode, kind, values.dtype === "bfloat16" ? "bfloat16" : undefined);
} else {
  parent();
}
