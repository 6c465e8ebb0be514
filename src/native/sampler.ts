/**
 * A memory sampler on its own native thread: it reads the process's resident set size and the native
 * bytes tensors hold every few milliseconds, even while JavaScript is busy, and keeps their peaks and a
 * timeline. V8's external and heap figures cannot be read off the JavaScript thread, so they are
 * published into the sampler at each `mark()` and, by a GC hook, just before every garbage collection
 * (where they peak).
 */
import { addon, type NativeSampler } from "./addon.js";

/** The phases of one benchmark, in the order they happen. */
export const MEMORY_PHASES = ["memo_load", "setup", "warmup", "calls", "teardown", "eviction"] as const;
export type MemoryPhase = (typeof MEMORY_PHASES)[number];

/** Options of `MemorySampler`. */
export interface MemorySamplerOptions {
  /** Milliseconds between samples (default 5; at least 0.1). */
  intervalMs?: number;
  /** Keep the samples for `takeTimeline()` (default false: peaks only). */
  timeline?: boolean;
  /** Samples kept before neighbours are merged (keeping the higher RSS); default 8192. */
  capacity?: number;
}

/** The highest readings since the last `reset()`, in bytes. */
export interface MemoryPeaks {
  /** Highest sampled RSS (0 where the system does not report RSS). */
  rssBytes: number;
  /** Highest sampled native bytes held by tensors (the exact peak is `nativeMemory().peakBytes`). */
  nativeBytes: number;
  /** Highest V8 external + ArrayBuffer bytes seen at marks and before collections. */
  externalBytes: number;
  /** Highest V8 heap used seen at marks and before collections. */
  heapBytes: number;
}

/** The samples since the last `reset()`, one entry per sample in each array. */
export interface MemoryTimeline {
  interval_ms: number;
  t_ms: number[];
  rss_bytes: number[];
  native_bytes: number[];
  external_bytes: number[];
  /** The phase each sample was taken in. */
  phase: MemoryPhase[];
}

/** Default milliseconds between samples. */
export const DEFAULT_MEMORY_INTERVAL_MS = 5;

/** Resident set size of the process in bytes now (`/proc/self/statm` on Linux), or -1 where unknown. */
export function residentBytes(): number {
  return addon.residentBytes();
}

function v8Figures(): [number, number] {
  const m = process.memoryUsage();
  return [m.external, m.heapUsed];
}

/** A sampling thread; `stop()` (or `using`) ends it, and so does garbage collection of the object. */
export class MemorySampler implements Disposable {
  readonly intervalMs: number;
  readonly #native: NativeSampler;

  constructor(options: MemorySamplerOptions = {}) {
    const intervalMs = options.intervalMs ?? DEFAULT_MEMORY_INTERVAL_MS;
    if (typeof intervalMs !== "number" || !(intervalMs >= 0.1 && intervalMs <= 60_000))
      throw new RangeError(`memory sampler: intervalMs must be a number of milliseconds from 0.1 to 60000, got ${String(intervalMs)}`);
    const capacity = options.capacity ?? 8192;
    if (!Number.isInteger(capacity) || capacity < 2 || capacity > 1 << 24)
      throw new RangeError(`memory sampler: capacity must be an integer from 2 to 16777216, got ${String(capacity)}`);
    this.intervalMs = intervalMs;
    this.#native = new addon.MemorySampler();
    if (!this.#native.start(Math.round(intervalMs * 1000), capacity, options.timeline === true))
      throw new Error("memory sampler: the system refused a sampling thread");
  }

  /** Starts over: no samples, peaks from now, time 0 now, phase `memo_load`. */
  reset(): void {
    this.#native.reset(...v8Figures());
    this.#native.mark(0);
  }

  /** Enters `phase` and samples now; returns milliseconds since `reset()`. */
  mark(phase: MemoryPhase): number {
    const code = MEMORY_PHASES.indexOf(phase);
    if (code < 0) throw new RangeError(`memory sampler: unknown phase ${String(phase)}`);
    return this.#native.mark(code, ...v8Figures());
  }

  peaks(): MemoryPeaks {
    return this.#native.peaks();
  }

  /** Moves out the samples since `reset()` (empty unless the sampler keeps a timeline). */
  takeTimeline(): MemoryTimeline {
    const s = this.#native.takeSamples();
    return {
      interval_ms: this.intervalMs,
      t_ms: Array.from(s.tMs, (t) => Math.round(t * 1000) / 1000),
      rss_bytes: Array.from(s.rss),
      native_bytes: Array.from(s.native),
      external_bytes: Array.from(s.external),
      phase: Array.from(s.phase, (p) => MEMORY_PHASES[p] ?? "calls"),
    };
  }

  /**
   * Kills this process (SIGKILL, after a line on stderr starting with `message`) as soon as a sample sees
   * RSS above `bytes`; 0 turns the guard off. For child processes that must stop before the machine swaps.
   */
  killAbove(bytes: number, message: string): void {
    this.#native.killAbove(Math.max(0, Math.round(bytes)), message);
  }

  get running(): boolean {
    return this.#native.running;
  }

  stop(): void {
    this.#native.stop();
  }

  [Symbol.dispose](): void {
    this.stop();
  }
}
