/**
 * Benchmark results in the shared record format for report tests and the report bench: a product of
 * models and batch sizes with timed samples, memory figures and memory timelines (phases included),
 * runs that drift and regress, and histories of many runs. Deterministic for a given seed.
 */
import type { BenchmarkRecord, BenchmarkResult } from "../../src/types.js";
import { rng as random } from "./random.js";

const MiB = 1024 * 1024;

export const MODELS = ["tiny", "small", "base"] as const;
export const BATCHES = [1, 8] as const;

/** The phases a memory timeline marks, in order. */
export const PHASES = ["memo_load", "setup", "warmup", "calls", "teardown", "eviction"] as const;

/** A memory timeline over `ms` milliseconds for a model of `modelBytes`, sampled every `intervalMs`. */
export function timeline(modelBytes: number, ms: number, rnd: () => number, intervalMs = 1): Record<string, unknown> {
  const bounds = [0, 0.25, 0.32, 0.4, 0.85, 0.9, 1].map((f) => f * ms);
  const phases = PHASES.map((name, i) => ({ name, start_ms: bounds[i]!, end_ms: bounds[i + 1]! }));
  const t_ms: number[] = [];
  const rss: number[] = [];
  const native: number[] = [];
  const external: number[] = [];
  const baseRss = 60 * MiB;
  for (let t = 0; t <= ms; t += intervalMs) {
    const loaded = t < bounds[1]! ? t / bounds[1]! : t < bounds[5]! ? 1 : Math.max(0, 1 - (t - bounds[5]!) / (bounds[6]! - bounds[5]!));
    const working = t >= bounds[3]! && t < bounds[4]! ? 0.3 * modelBytes * rnd() : 0;
    t_ms.push(t);
    native.push(Math.round(loaded * modelBytes + working));
    rss.push(Math.round(baseRss + loaded * modelBytes * 1.05 + working + rnd() * MiB));
    external.push(Math.round(0.5 * MiB + rnd() * 0.1 * MiB));
  }
  return { interval_ms: intervalMs, t_ms, rss_bytes: rss, native_bytes: native, external_bytes: external, phases };
}

/** `n` samples around `medianNs`, within ±`noise` of it, with a few slow outliers when `outliers`. */
function samples(medianNs: number, n: number, rnd: () => number, noise = 0.1, outliers = true): number[] {
  return Array.from({ length: n }, () => Math.round(medianNs * (1 - noise + 2 * noise * rnd() + (outliers && rnd() < 0.1 ? 0.3 * rnd() : 0))));
}

function stats(xs: number[]): NonNullable<BenchmarkRecord["stats"]> {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.round(p * (s.length - 1)))]!;
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const sd = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, s.length - 1));
  return { min: s[0]!, max: s[s.length - 1]!, mean, median: q(0.5), p75: q(0.75), p99: q(0.99), stddev: sd };
}

/** Options of {@link modelRun}. */
export interface ModelRunOptions {
  name: string;
  timestamp?: number;
  seed?: number;
  /** Factor on every time (1.3 = 30% slower). */
  slowdown?: number;
  /** Factor on memory. */
  memoryGrowth?: number;
  /** Samples per sampled benchmark (default 15). */
  samples?: number;
  /** Give sampled benchmarks a memory timeline (default true). */
  timelines?: boolean;
  partial?: boolean;
}

/**
 * A run of a model benchmark suite: `infer` (product of models x batch sizes, sampled, with memory
 * timelines), `load` (one per model, memory only), `accuracy` (a value) and `broken` (fails).
 */
export function modelRun(o: ModelRunOptions): BenchmarkResult {
  const rnd = random(o.seed ?? 1);
  const slow = o.slowdown ?? 1;
  const grow = o.memoryGrowth ?? 1;
  const n = o.samples ?? 15;
  const benchmarks: BenchmarkRecord[] = [];
  MODELS.forEach((model, mi) => {
    const modelBytes = (4 << (2 * mi)) * MiB * grow;
    for (const batch of BATCHES) {
      const xs = samples((0.2 + mi * 0.6) * batch * 1e6 * slow, n, rnd);
      const st = stats(xs);
      const memory: Record<string, unknown> = {
        native_peak_bytes: Math.round(modelBytes * (1 + 0.05 * batch)),
        native_delta_bytes: 0,
        heap_used_delta_bytes: Math.round(rnd() * 4096),
        rss_peak_bytes: Math.round(60 * MiB + modelBytes * (1.1 + 0.05 * batch)),
        rss_start_bytes: 60 * MiB,
        rss_end_bytes: 61 * MiB,
        external_peak_bytes: MiB,
        heap_peak_bytes: 20 * MiB,
        rss_method: "sampled",
      };
      if (o.timelines ?? true) memory.timeline = timeline(memory.native_peak_bytes as number, 40 + 20 * mi, rnd);
      benchmarks.push({
        name: `infer_model=${model}_batch=${batch}`,
        function: "infer",
        description: "Runs the model on a batch.",
        error_occurred: false,
        error_message: "",
        parameters: { model, batch },
        value: Math.round(rnd() * 1000) / 1000,
        time_ns: st.median,
        memory: memory as unknown as BenchmarkRecord["memory"],
        samples_ns: xs,
        stats: st,
        tags: ["model", `model:${model}`],
      });
    }
    benchmarks.push({
      name: `load_model=${model}`,
      function: "load",
      description: "Loads the model's weights.",
      error_occurred: false,
      error_message: "",
      parameters: { model },
      value: null,
      time_ns: Math.round((1 + mi) * 3e6 * slow * (0.95 + 0.1 * rnd())),
      memory: { native_peak_bytes: Math.round(modelBytes), native_delta_bytes: Math.round(modelBytes), heap_used_delta_bytes: 0, rss_peak_bytes: Math.round(60 * MiB + modelBytes) },
      tags: ["io"],
    });
  });
  benchmarks.push({
    name: "accuracy",
    function: "accuracy",
    description: "",
    error_occurred: false,
    error_message: "",
    parameters: {},
    value: 0.91,
    time_ns: Math.round(5e5 * slow),
    tags: ["quality"],
  });
  benchmarks.push({
    name: "broken",
    function: "broken",
    description: "",
    error_occurred: true,
    error_message: "model file is truncated",
    error_kind: "error",
    parameters: {},
    time_ns: 0,
  });
  const result: BenchmarkResult = {
    run: o.name,
    context: {
      cpu: { model: "Example CPU @ 3.0GHz", cores: 8, architecture: "x86_64" },
      node: { version: "20.19.0", v8: "11.3", platform: "linux" },
      native: { gemm_isa: "avx2", compiler: "gcc 12.2" },
      git: { commit: `${(o.seed ?? 1).toString(16).padStart(8, "0")}deadbeef`, dirty: false },
    },
    benchmarks: o.partial ? benchmarks.slice(0, 4) : benchmarks,
    timestamp: o.timestamp ?? 1795779600,
  };
  if (o.partial) result.partial = true;
  return result;
}

/**
 * `runs` runs of `benchmarks` sampled benchmarks each (families of ten), one hour apart; from run
 * `regressAt` on (when given), the benchmarks of the first family are 40% slower.
 */
export function history(runs: number, benchmarks: number, options: { regressAt?: number; samples?: number; seed?: number } = {}): BenchmarkResult[] {
  const rnd = random(options.seed ?? 7);
  const n = options.samples ?? 10;
  return Array.from({ length: runs }, (_, r) => {
    const records: BenchmarkRecord[] = Array.from({ length: benchmarks }, (_, b) => {
      const family = `family${Math.floor(b / 10)}`;
      const slow = options.regressAt !== undefined && r >= options.regressAt && b < 10 ? 1.4 : 1;
      const xs = samples((1 + (b % 10)) * 1e5 * slow, n, rnd, 0.03, false);
      const st = stats(xs);
      return {
        name: `${family}_size=${b % 10}`,
        function: family,
        description: "",
        error_occurred: false,
        error_message: "",
        parameters: { size: b % 10 },
        value: b,
        time_ns: st.median,
        memory: { native_peak_bytes: (1 + (b % 10)) * MiB, native_delta_bytes: 0, heap_used_delta_bytes: 0, rss_peak_bytes: 80 * MiB + (b % 10) * MiB },
        samples_ns: xs,
        stats: st,
        tags: [b % 2 === 0 ? "even" : "odd"],
      };
    });
    return {
      run: `run-${String(r + 1).padStart(3, "0")}`,
      context: { cpu: { model: "Example CPU" }, git: { commit: `c${r}` } },
      benchmarks: records,
      timestamp: 1795779600 + 3600 * r,
    };
  });
}
