/**
 * One benchmark's memory, from its memo loading through tearDown and eviction: the kernel's RSS
 * high-water mark (reset before the benchmark, on Linux) or the sampler's peak, RSS at start and end,
 * V8 external and heap peaks, nnbench's native peak, the phases, and an optional timeline.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { MemorySampler, residentBytes, type MemoryPhase } from "../native/sampler.js";
import { nativeMemory, resetNativePeak } from "../native/memory.js";
import type { MemoryRecord, MemoryTimelinePhase } from "../types.js";

/** Options of the per-benchmark memory measurement. */
export interface MemoryMeterOptions {
  /** Milliseconds between samples. */
  intervalMs?: number;
  /** Keep a timeline of samples in each record. */
  timeline?: boolean;
}

/** Whether the kernel lets this process reset and read its RSS high-water mark. */
export function hwmAvailable(): boolean {
  if (process.platform !== "linux") return false;
  try {
    resetHwm();
    return readHwm() > 0;
  } catch {
    return false;
  }
}

/** Resets the kernel's RSS high-water mark (VmHWM) to the current RSS. */
export function resetHwm(): void {
  writeFileSync("/proc/self/clear_refs", "5");
}

/** VmHWM of /proc/self/status in bytes (0 when absent). */
export function readHwm(): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "latin1"));
  return m ? Number(m[1]) * 1024 : 0;
}

function rssNow(): number {
  const r = residentBytes();
  return r >= 0 ? r : process.memoryUsage.rss();
}

/** Measures benchmarks one after another; owns a sampler thread until `close()`. */
export class MemoryMeter implements Disposable {
  readonly #sampler: MemorySampler;
  readonly #hwm: boolean;
  readonly #timeline: boolean;
  #phases: MemoryTimelinePhase[] = [];
  #start = { rss: 0, native: 0, heap: 0 };
  #settled = { native: 0, heap: 0 };

  constructor(options: MemoryMeterOptions = {}) {
    this.#timeline = options.timeline === true;
    this.#sampler = new MemorySampler({ ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}), timeline: this.#timeline });
    this.#hwm = hwmAvailable();
  }

  get intervalMs(): number {
    return this.#sampler.intervalMs;
  }

  /** Starts a benchmark: resets the peaks (the kernel's too) and enters `memo_load`. */
  begin(): void {
    if (this.#hwm) resetHwm();
    resetNativePeak();
    this.#sampler.reset();
    this.#phases = [{ name: "memo_load", start_ms: 0, end_ms: 0 }];
    this.#start = { rss: rssNow(), native: nativeMemory().bytes, heap: process.memoryUsage().heapUsed };
  }

  /** Enters `phase` (the previous one ends now). */
  phase(phase: MemoryPhase): void {
    const t = this.#sampler.mark(phase);
    const last = this.#phases.at(-1);
    if (last !== undefined) last.end_ms = t;
    this.#phases.push({ name: phase, start_ms: t, end_ms: t });
    if (phase === "eviction") this.#settled = { native: nativeMemory().bytes, heap: process.memoryUsage().heapUsed };
  }

  /** RSS growth over the benchmark's start as the sampler has seen it so far. */
  grownBytes(): number {
    return Math.max(0, this.#sampler.peaks().rssBytes - this.#start.rss);
  }

  get startRss(): number {
    return this.#start.rss;
  }

  /** Guards a child process: it is killed once RSS exceeds the start by `limit` bytes (0 turns it off). */
  killAbove(limit: number, message: string): void {
    this.#sampler.killAbove(limit > 0 ? this.#start.rss + limit : 0, message);
  }

  /** RSS now. */
  rss(): number {
    return rssNow();
  }

  /** Ends the benchmark (after eviction) and returns its figures. */
  end(): MemoryRecord {
    const t = this.#sampler.mark("eviction");
    const last = this.#phases.at(-1);
    if (last !== undefined) last.end_ms = t;
    if (!this.#phases.some((p) => p.name === "eviction")) this.#settled = { native: nativeMemory().bytes, heap: process.memoryUsage().heapUsed };
    const peaks = this.#sampler.peaks();
    const end = rssNow();
    const sampledPeak = Math.max(peaks.rssBytes, end, this.#start.rss);
    const peak = this.#hwm ? Math.max(readHwm(), sampledPeak) : sampledPeak;
    const record: MemoryRecord = {
      native_peak_bytes: nativeMemory().peakBytes,
      native_delta_bytes: this.#settled.native - this.#start.native,
      heap_used_delta_bytes: this.#settled.heap - this.#start.heap,
      rss_peak_bytes: peak,
      rss_start_bytes: this.#start.rss,
      rss_end_bytes: end,
      external_peak_bytes: peaks.externalBytes,
      heap_peak_bytes: peaks.heapBytes,
      rss_method: this.#hwm ? "hwm" : "sampled",
    };
    if (this.#timeline) {
      const tl = this.#sampler.takeTimeline();
      record.timeline = {
        interval_ms: tl.interval_ms,
        t_ms: tl.t_ms,
        rss_bytes: tl.rss_bytes,
        native_bytes: tl.native_bytes,
        external_bytes: tl.external_bytes,
        phases: this.#phases,
      };
    }
    return record;
  }

  close(): void {
    this.#sampler.stop();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
