/**
 * GEMM throughput: nnbench's native kernel against NumPy (OpenBLAS), onnxruntime-node (when
 * installed) and pure-JavaScript peers, measured in one run on this machine, with the measured FMA
 * peak for reference. Every figure is the best of several runs (GFLOP/s, 2*m*n*k flops per
 * product). Peers that are missing are skipped with a note.
 *
 * On a machine shared with other work, timings swing widely: in each of `--rounds` rounds the
 * peers take turns case by case (nnbench, onnxruntime, NumPy), and each one's best figure counts.
 * The table of 16-bit weights against float32 weights is measured apart, the three weights
 * interleaved round by round, so that its ratios compare runs that met the same memory bandwidth.
 *
 *   npm run bench:gemm [-- --quick] [-- --seconds 1.5] [-- --rounds 3]
 */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { parseArgs } from "node:util";

import { Matrix } from "ml-matrix";

import { Tensor, fmaPeak, gemmInfo, matmul, setGemmIsa, setNumThreads } from "../src/index.js";
import { median } from "../src/stats/summary.js";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    seconds: { type: "string", default: "1" },
    rounds: { type: "string", default: "2" },
  },
});
const budget = Number(values.seconds); // seconds of repetitions per measurement (at least 3 runs)
const rounds = Math.max(1, Number(values.rounds)); // every peer is measured once per round; the best counts
const quick = values.quick;

type DT = "float32" | "float64";

/** 16-bit weights: the left operand in this dtype, the right one and the result float32. */
type Weights = "bfloat16" | "float16";

interface Case {
  label: string;
  dtype: DT;
  weights?: Weights;
  m: number;
  n: number;
  k: number;
  /** b is a 1-D vector of length k (a matrix-vector product). */
  vector: boolean;
  threads: number;
  /** Also time the pure-JavaScript peers (only where they finish in reasonable time). */
  js: boolean;
}

const cases: Case[] = [];
for (const threads of [1, 2]) {
  for (const n of quick ? [256, 1024] : [256, 512, 1024, 2048, 4096]) {
    cases.push({ label: `f32 ${n}^3`, dtype: "float32", m: n, n, k: n, vector: false, threads, js: n <= 512 && threads === 1 });
  }
  for (const n of quick ? [1024] : [1024, 2048]) {
    cases.push({ label: `f64 ${n}^3`, dtype: "float64", m: n, n, k: n, vector: false, threads, js: false });
  }
  cases.push({ label: "f32 4096x4096 @ 4096", dtype: "float32", m: 4096, n: 1, k: 4096, vector: true, threads, js: false });
  for (const batch of [8, 16, 32, 64]) {
    cases.push({ label: `f32 4096x4096 @ 4096x${batch}`, dtype: "float32", m: 4096, n: batch, k: 4096, vector: false, threads, js: false });
  }
}
for (const weights of ["bfloat16", "float16"] as const) {
  const short = weights === "bfloat16" ? "bf16" : "f16";
  for (const threads of [1, 2]) {
    for (const n of quick ? [1024] : [1024, 2048]) {
      cases.push({ label: `${short} ${n}^3`, dtype: "float32", weights, m: n, n, k: n, vector: false, threads, js: false });
    }
    cases.push({ label: `${short} 4096x4096 @ 4096`, dtype: "float32", weights, m: 4096, n: 1, k: 4096, vector: true, threads, js: false });
    for (const batch of [8, 16, 32, 64]) {
      cases.push({ label: `${short} 4096x4096 @ 4096x${batch}`, dtype: "float32", weights, m: 4096, n: batch, k: 4096, vector: false, threads, js: false });
    }
  }
}

function flops(c: Case): number {
  return 2 * c.m * c.n * c.k;
}

/** Best seconds of `run` over at least 3 runs and about `budget` seconds, after one warm-up. */
async function best(run: () => unknown): Promise<number> {
  await run();
  let fastest = Number.POSITIVE_INFINITY;
  let total = 0;
  for (let i = 0; i < 3 || (total < budget && i < 200); i++) {
    const start = process.hrtime.bigint();
    await run();
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    fastest = Math.min(fastest, s);
    total += s;
  }
  return fastest;
}

function fill(data: Float32Array | Float64Array, seed: number): void {
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 32 - 0.5;
  }
}

// ---- nnbench ---------------------------------------------------------------------------------

async function ours(c: Case): Promise<number> {
  setNumThreads(c.threads);
  using wide = Tensor.empty([c.m, c.k], c.dtype);
  fill(wide.data(), 1);
  using a = c.weights ? wide.astype(c.weights) : wide.clone();
  using b = Tensor.empty(c.vector ? [c.k] : [c.k, c.n], c.dtype);
  using out = Tensor.empty(c.vector ? [c.m] : [c.m, c.n], c.dtype);
  fill(b.data(), 2);
  return flops(c) / (await best(() => matmul(a as Tensor<"float32">, b, { out }))) / 1e9;
}

// ---- NumPy in a python3 child ----------------------------------------------------------------

const PYTHON = String.raw`
import json, sys, time
import numpy as np
cases = json.loads(sys.argv[1])
budget = float(sys.argv[2])
result = []
for c in cases:
    dt = np.float32 if c["dtype"] == "float32" else np.float64
    rng = np.random.default_rng(0)
    a = rng.random((c["m"], c["k"]), dtype=dt) - 0.5
    b = rng.random((c["k"],) if c["vector"] else (c["k"], c["n"]), dtype=dt) - 0.5
    out = np.empty((c["m"],) if c["vector"] else (c["m"], c["n"]), dtype=dt)
    np.matmul(a, b, out=out)
    fastest, total, i = float("inf"), 0.0, 0
    while i < 3 or (total < budget and i < 200):
        t0 = time.perf_counter()
        np.matmul(a, b, out=out)
        s = time.perf_counter() - t0
        fastest, total, i = min(fastest, s), total + s, i + 1
    result.append(2.0 * c["m"] * c["n"] * c["k"] / fastest / 1e9)
print(json.dumps({"version": np.__version__, "gflops": result}))
`;

interface NumpyRun {
  version: string;
  gflops: number[];
}

function numpy(threads: number, coretype: string | undefined, list: Case[]): NumpyRun | string {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (coretype) env.OPENBLAS_CORETYPE = coretype;
  try {
    const text = execFileSync("python3", ["-c", PYTHON, JSON.stringify(list), String(budget)], { env, encoding: "utf8", maxBuffer: 1 << 20 });
    return JSON.parse(text) as NumpyRun;
  } catch (error) {
    return `NumPy not measured: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
  }
}

// ---- onnxruntime-node (optional) ---------------------------------------------------------------

interface OrtTensor {
  dispose?(): void;
}
interface OrtModule {
  Tensor: new (type: string, data: Float32Array | Float64Array, dims: number[]) => OrtTensor;
  InferenceSession: {
    create(model: Uint8Array, options: Record<string, unknown>): Promise<{
      run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
      release(): Promise<void>;
    }>;
  };
}

function loadOrt(): OrtModule | string {
  try {
    return createRequire(import.meta.url)("onnxruntime-node") as OrtModule;
  } catch {
    return "onnxruntime-node not installed (npm install --no-save --ignore-scripts onnxruntime-node to compare)";
  }
}

/**
 * Protocol-buffer bytes of an ONNX model with one MatMul node: C = A @ B. A vector B is given as
 * a k x 1 matrix: onnxruntime's MatMul with a 1-D B takes a path about ten times slower.
 */
function matmulModel(c: Case): Uint8Array {
  const bytes: number[] = [];
  const varint = (out: number[], v: number): void => {
    while (v > 127) {
      out.push((v & 127) | 128);
      v = Math.floor(v / 128);
    }
    out.push(v);
  };
  const field = (no: number, body: number[] | string | number): number[] => {
    const out: number[] = [];
    if (typeof body === "number") {
      varint(out, (no << 3) | 0);
      varint(out, body);
      return out;
    }
    const payload = typeof body === "string" ? [...Buffer.from(body, "utf8")] : body;
    varint(out, (no << 3) | 2);
    varint(out, payload.length);
    return out.concat(payload);
  };
  const elem = c.dtype === "float32" ? 1 : 11;
  const valueInfo = (name: string, dims: number[]): number[] =>
    [
      ...field(1, name),
      ...field(2, field(1, [...field(1, elem), ...field(2, dims.flatMap((d) => field(1, field(1, d))))])),
    ];
  const node = [...field(1, "A"), ...field(1, "B"), ...field(2, "C"), ...field(3, "mm"), ...field(4, "MatMul")];
  const graph = [
    ...field(1, node),
    ...field(2, "g"),
    ...field(11, valueInfo("A", [c.m, c.k])),
    ...field(11, valueInfo("B", [c.k, c.n])),
    ...field(12, valueInfo("C", [c.m, c.n])),
  ];
  bytes.push(...field(1, 8), ...field(7, graph), ...field(8, [...field(1, ""), ...field(2, 13)]));
  return Uint8Array.from(bytes);
}

async function onnx(ort: OrtModule, c: Case): Promise<number> {
  const session = await ort.InferenceSession.create(matmulModel(c), {
    intraOpNumThreads: c.threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
  });
  const make = (n: number): Float32Array | Float64Array => (c.dtype === "float32" ? new Float32Array(n) : new Float64Array(n));
  const a = make(c.m * c.k);
  const b = make(c.k * c.n);
  fill(a, 1);
  fill(b, 2);
  const feeds = {
    A: new ort.Tensor(c.dtype === "float32" ? "float32" : "float64", a, [c.m, c.k]),
    B: new ort.Tensor(c.dtype === "float32" ? "float32" : "float64", b, [c.k, c.n]),
  };
  const seconds = await best(async () => {
    const out = await session.run(feeds);
    out.C?.dispose?.();
  });
  await session.release();
  return flops(c) / seconds / 1e9;
}

// ---- pure JavaScript peers ----------------------------------------------------------------------

function naive(c: Case): number {
  const a = new Float32Array(c.m * c.k);
  const b = new Float32Array(c.k * c.n);
  const out = new Float32Array(c.m * c.n);
  fill(a, 1);
  fill(b, 2);
  const run = (): void => {
    out.fill(0);
    for (let i = 0; i < c.m; i++) {
      for (let p = 0; p < c.k; p++) {
        const x = a[i * c.k + p] as number;
        const row = p * c.n;
        const o = i * c.n;
        for (let j = 0; j < c.n; j++) out[o + j] = (out[o + j] as number) + x * (b[row + j] as number);
      }
    }
  };
  run();
  const start = process.hrtime.bigint();
  run();
  return flops(c) / (Number(process.hrtime.bigint() - start) / 1e9) / 1e9;
}

function mlMatrix(c: Case): number {
  const rand = (r: number, k: number, seed: number): Matrix => {
    const d = new Float64Array(r * k);
    fill(d, seed);
    return new Matrix(Array.from({ length: r }, (_, i) => Array.from(d.subarray(i * k, (i + 1) * k))));
  };
  const a = rand(c.m, c.k, 1);
  const b = rand(c.k, c.n, 2);
  a.mmul(b);
  const start = process.hrtime.bigint();
  a.mmul(b);
  return flops(c) / (Number(process.hrtime.bigint() - start) / 1e9) / 1e9;
}

// ---- the run ------------------------------------------------------------------------------------

const fmt = (v: number | undefined, digits = 1): string => (v === undefined || !Number.isFinite(v) ? "-" : v.toFixed(digits));
const ratio = (ourValue: number, peer: number | undefined): string => (peer === undefined ? "-" : `${(ourValue / peer).toFixed(2)}x`);

const info = gemmInfo();
console.log(`nnbench GEMM: ${info.isa} kernel, float32 tile ${info.float32Tile}, float64 tile ${info.float64Tile}, ${info.compiler}`);
console.log(`CPU: ${cpus()[0]?.model ?? "unknown"} x ${cpus().length}`);

const ortModule = loadOrt();
if (typeof ortModule === "string") console.log(ortModule);

const better = (old: number | undefined, now: number | undefined): number | undefined =>
  now === undefined ? old : old === undefined ? now : Math.max(old, now);
const peak: Record<string, [number, number]> = {};
const bf16Peak: [number, number] = [0, 0];
const oursResults: (number | undefined)[] = cases.map(() => undefined);
const ortResults: (number | undefined)[] = cases.map(() => undefined);
const npResults: (number | undefined)[] = cases.map(() => undefined);
const npNotes = new Set<string>();
for (let round = 0; round < rounds; round++) {
  for (const isa of info.availableIsas.filter((i) => i !== "portable")) {
    setGemmIsa(isa);
    const [one, two] = peak[isa] ?? [0, 0];
    let p1 = one;
    let p2 = two;
    for (let i = 0; i < 5; i++) {
      p1 = Math.max(p1, fmaPeak(0.1, 1));
      p2 = Math.max(p2, fmaPeak(0.1, 2));
    }
    peak[isa] = [p1, p2];
  }
  setGemmIsa(info.isa);
  for (let i = 0; i < 5; i++) {
    bf16Peak[0] = Math.max(bf16Peak[0], fmaPeak(0.1, 1, "bfloat16"));
    bf16Peak[1] = Math.max(bf16Peak[1], fmaPeak(0.1, 2, "bfloat16"));
  }
  // Peers take turns case by case, so each meets about the same load from other processes.
  for (const [i, c] of cases.entries()) {
    oursResults[i] = better(oursResults[i], await ours(c));
    if (c.weights) continue; // the peers have no 16-bit-weight product to compare with
    if (typeof ortModule !== "string") ortResults[i] = better(ortResults[i], await onnx(ortModule, c));
    // NumPy: default OpenBLAS core detection and OPENBLAS_CORETYPE=Haswell; the faster counts.
    for (const coretype of [undefined, "Haswell"]) {
      const run = numpy(c.threads, coretype, [c]);
      if (typeof run === "string") {
        npNotes.add(run);
        continue;
      }
      npResults[i] = better(npResults[i], run.gflops[0]);
      npNotes.add(`NumPy ${run.version} (OpenBLAS; best of default core detection and OPENBLAS_CORETYPE=Haswell)`);
    }
  }
}
for (const [isa, [p1, p2]] of Object.entries(peak)) {
  console.log(`FMA peak (${isa}, float32, measured): ${fmt(p1)} GFLOP/s on 1 thread, ${fmt(p2)} on 2`);
}
console.log(
  bf16Peak[0] > 0
    ? `bfloat16 peak (${info.halfWeights.bfloat16.fewColumns}, measured): ${fmt(bf16Peak[0])} GFLOP/s on 1 thread, ${fmt(bf16Peak[1])} on 2`
    : "bfloat16 peak: no bfloat16 kernel on this CPU (its products convert to float32)",
);
console.log(`16-bit weights: bfloat16 few columns ${info.halfWeights.bfloat16.fewColumns}, wider ${info.halfWeights.bfloat16.wide}; float16 few columns ${info.halfWeights.float16.fewColumns}, wider ${info.halfWeights.float16.wide}`);
const ourPeak = peak[info.isa];

/** The path a 16-bit case takes: the few-column kernel up to 16 columns, else the wide one. */
function halfPath(c: Case): string | undefined {
  if (!c.weights) return undefined;
  const paths = info.halfWeights[c.weights];
  return c.n <= 16 ? paths.fewColumns : paths.wide;
}

/** The peak a case can reach: float32 FMA, half of it for float64, the bfloat16 pairs rate for bfloat16 weights on them. */
function peakFor(c: Case): number | undefined {
  if (!ourPeak) return undefined;
  const t = c.threads === 1 ? 0 : 1;
  if (c.weights === "bfloat16" && bf16Peak[t] > 0 && halfPath(c)?.includes("pairs")) return bf16Peak[t];
  return ourPeak[t] / (c.dtype === "float64" ? 2 : 1);
}

/**
 * The roofline of a few-column case (at most 63 columns): min(peak, weight bandwidth x flops per
 * weight byte), the bandwidth being what the matrix-vector product with the same weights and
 * threads reached in this run, so min(peak, n x its GFLOP/s).
 */
function roofline(c: Case): number | undefined {
  if (c.n > 63) return undefined;
  const mv = cases.findIndex((o) => o.vector && o.threads === c.threads && o.weights === c.weights && o.dtype === c.dtype && o.k === c.k);
  const gemv = mv >= 0 ? oursResults[mv] : undefined;
  const pk = peakFor(c);
  if (gemv === undefined || pk === undefined) return undefined;
  return Math.min(pk, c.n * gemv);
}

const jsResults = cases.map((c) => (c.js ? { naive: naive(c), ml: mlMatrix(c) } : undefined));

const header = ["case", "thr", "nnbench", "% peak", "roofline", "% roof", "NumPy", "vs NumPy", "ORT", "vs ORT", "ml-matrix", "naive JS"];
const rows = cases.map((c, i) => {
  const v = oursResults[i] ?? 0;
  const pk = peakFor(c);
  const roof = roofline(c);
  const js = jsResults[i];
  return [
    c.label,
    String(c.threads),
    fmt(v),
    pk ? `${((100 * v) / pk).toFixed(0)}%` : "-",
    fmt(roof),
    roof ? `${((100 * v) / roof).toFixed(0)}%` : "-",
    fmt(npResults[i]),
    ratio(v, npResults[i]),
    fmt(ortResults[i]),
    ratio(v, ortResults[i]),
    js ? `${fmt(js.ml, 2)} (${ratio(v, js.ml)})` : "-",
    js ? `${fmt(js.naive, 2)} (${ratio(v, js.naive)})` : "-",
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
const line = (cells: string[]): string => `| ${cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join(" | ")} |`;
console.log("");
console.log(`GFLOP/s (best of runs over ${rounds} round(s)); ratios are nnbench / peer, above 1.00x means nnbench is faster`);
console.log(line(header));
console.log(`|${widths.map((w, i) => (i < 2 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`);
for (const r of rows) console.log(line(r));
console.log("% peak: of the measured FMA peak for the thread count (half of it for float64; the bfloat16 pairs peak for bfloat16 weights on the pairs kernel).");
console.log("roofline: min(peak, n x the matrix-vector GFLOP/s of the same weights and threads in this run), i.e. weight bandwidth x arithmetic intensity; % roof: of that.");
for (const note of npNotes) console.log(note);
printHalfTable();
for (const weights of [undefined, "bfloat16", "float16"] as const) {
  const mv1 = cases.findIndex((c) => c.vector && c.threads === 1 && c.weights === weights);
  const mv2 = cases.findIndex((c) => c.vector && c.threads === 2 && c.weights === weights);
  if (mv1 < 0 || mv2 < 0) continue;
  const bytes = weights ? 2 : 4;
  const bw = (g: number | undefined): string => (g === undefined ? "-" : `${((g / 2) * bytes).toFixed(1)} GB/s`);
  const peers = weights ? "" : `, NumPy ${bw(npResults[mv1])} / ${bw(npResults[mv2])}`;
  console.log(`Matrix-vector bandwidth (4096x4096 ${weights ?? "float32"} read once): nnbench ${bw(oursResults[mv1])} / ${bw(oursResults[mv2])} (1 / 2 threads)${peers}`);
}

/** Seconds of the fastest of `times` runs of `run`. */
function fastestOf(run: () => unknown, times: number): number {
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < times; i++) {
    const start = process.hrtime.bigint();
    run();
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return fastest;
}

/**
 * 16-bit weights against float32 weights, each shape measured interleaved: in every one of
 * `turns` rounds the three weights (float32, bfloat16, float16) each run a short burst in turn, so
 * all three meet the same memory bandwidth, which swings from one second to the next on a shared
 * machine. GFLOP/s are medians over the rounds; ratios the medians of the rounds' ratios.
 */
function printHalfTable(): void {
  const turns = quick ? 5 : 15;
  const seen = new Set<string>();
  const table: string[][] = [];
  for (const c of cases) {
    const key = `${c.m}x${c.n}x${c.k}/${c.vector}/${c.threads}`;
    if (c.weights !== "bfloat16" || seen.has(key)) continue;
    seen.add(key);
    setNumThreads(c.threads);
    using wide = Tensor.empty([c.m, c.k], "float32");
    fill(wide.data(), 1);
    using bf16 = wide.astype("bfloat16");
    using f16 = wide.astype("float16");
    using b = Tensor.empty(c.vector ? [c.k] : [c.k, c.n], "float32");
    using out = Tensor.empty(c.vector ? [c.m] : [c.m, c.n], "float32");
    fill(b.data(), 2);
    const operands = [wide, bf16, f16] as Tensor[];
    // A burst of about 20 ms (at least 2 runs), so one round takes the three in quick succession.
    const once = fastestOf(() => matmul(wide, b, { out }), 2);
    const times = Math.max(2, Math.min(50, Math.round(0.02 / once)));
    const gflops: number[][] = [[], [], []];
    const ratios: number[][] = [[], []];
    for (let t = 0; t < turns; t++) {
      const g = operands.map((a) => flops(c) / fastestOf(() => matmul(a as Tensor<"float32">, b, { out }), times) / 1e9);
      g.forEach((v, i) => gflops[i]!.push(v));
      ratios[0]!.push(g[1]! / g[0]!);
      ratios[1]!.push(g[2]! / g[0]!);
    }
    const shape = `${c.m}x${c.k} @ ${c.vector ? c.k : `${c.k}x${c.n}`}`;
    const [f32, bf, f] = gflops.map((g) => median(g));
    table.push([shape, String(c.threads), fmt(f32), fmt(bf), `${median(ratios[0]!).toFixed(2)}x`, fmt(f), `${median(ratios[1]!).toFixed(2)}x`]);
  }
  if (table.length === 0) return;
  const head = ["shape", "thr", "float32", "bfloat16", "vs f32", "float16", "vs f32"];
  const w = head.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] ?? "").length)));
  const show = (cells: string[]): string => `| ${cells.map((cell, i) => (i < 2 ? cell.padEnd(w[i] ?? 0) : cell.padStart(w[i] ?? 0))).join(" | ")} |`;
  console.log("");
  console.log(`16-bit weights against float32 weights, interleaved: ${turns} rounds, each running the three in turn (GFLOP/s: medians of the rounds; vs f32: medians of the rounds' ratios)`);
  console.log(show(head));
  console.log(`|${w.map((x, i) => (i < 2 ? "-".repeat(x + 2) : `${"-".repeat(x + 1)}:`)).join("|")}|`);
  for (const r of table) console.log(show(r));
}
