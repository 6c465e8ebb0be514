/**
 * Memory behaviour users rely on: a family over K large models run through memos peaks at one model,
 * whatever K is, when the runner evicts; a generator-fed family holds one parameter set at a time.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  cachedMemo,
  clearMemoCache,
  Memo,
  Model,
  nativeMemory,
  parametrize,
  product,
  run,
  saveNpzSync,
  Tensor,
  type BenchmarkResult,
} from "nnbench";

const MiB = 1024 * 1024;
const ROWS = 2048;
const COLS = 4096; // 2048 x 4096 float32 = 32 MiB
const MODEL_BYTES = ROWS * COLS * 4;
const OUT_BYTES = ROWS * 4;

let dir: string;
let paths: string[];

class ModelMemo extends Memo<Model> {
  constructor(readonly path: string) {
    super();
  }
  @cachedMemo
  call(): Model {
    return Model.load(this.path);
  }
  override toString(): string {
    return basename(this.path);
  }
}

function accuracy({ model, data }: { model: Model; data: Tensor }): number {
  using out = model.apply(data);
  return out.sum();
}

function maxPeak(result: BenchmarkResult): number {
  return Math.max(...result.benchmarks.map((r) => r.memory!.native_peak_bytes));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "nnbench-memory-"));
  paths = [];
  for (let k = 0; k < 6; k++) {
    using w = Tensor.fromArray(new Float32Array(ROWS * COLS).fill(k + 1), [ROWS, COLS]);
    const p = join(dir, `model${k + 1}.npz`);
    saveNpzSync(p, { weights: w });
    paths.push(p);
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => clearMemoCache());

describe("memory of a product over K models", () => {
  for (const K of [2, 6]) {
    it(`evict: "auto" peaks at one model plus input and output (K = ${K})`, async () => {
      using data = Tensor.fromArray(new Float32Array(COLS).fill(1), [COLS, 1]);
      const base = nativeMemory().bytes;
      const fam = product({ model: paths.slice(0, K).map((p) => new ModelMemo(p)) })(accuracy);
      const result = await run([fam], { params: { data } });
      expect(result.benchmarks.map((r) => r.error_message)).toEqual(Array(K).fill(""));
      expect(result.benchmarks.map((r) => r.value)).toEqual(paths.slice(0, K).map((_, k) => (k + 1) * COLS * ROWS));
      const expected = base + MODEL_BYTES + OUT_BYTES;
      expect(Math.abs(maxPeak(result) - expected)).toBeLessThan(MiB);
      expect(Math.abs(nativeMemory().peakBytes - expected)).toBeLessThan(MiB);
      for (const r of result.benchmarks) expect(r.memory!.native_peak_bytes).toBeGreaterThanOrEqual(base + MODEL_BYTES);
      // Every model was freed as soon as the run no longer needed it.
      expect(nativeMemory().bytes).toBe(base);
      expect(result.benchmarks[0]!.memory!.native_delta_bytes).toBe(MODEL_BYTES);
    });
  }

  it('evict: "manual" without eviction grows with K', async () => {
    using data = Tensor.fromArray(new Float32Array(COLS).fill(1), [COLS, 1]);
    const base = nativeMemory().bytes;
    const peaks: number[] = [];
    for (const K of [2, 6]) {
      const fam = product({ model: paths.slice(0, K).map((p) => new ModelMemo(p)) })(accuracy);
      const result = await run([fam], { params: { data }, evict: "manual" });
      peaks.push(maxPeak(result));
      expect(Math.abs(maxPeak(result) - (base + K * MODEL_BYTES + OUT_BYTES))).toBeLessThan(MiB);
      expect(nativeMemory().bytes).toBe(base + K * MODEL_BYTES);
      clearMemoCache();
      expect(nativeMemory().bytes).toBe(base);
    }
    expect(peaks[1]! - peaks[0]!).toBe(4 * MODEL_BYTES);
  });

  it("a tearDown that evicts keeps the peak at one model with manual eviction", async () => {
    const { evictMemo, getMemoByValue } = await import("nnbench");
    using data = Tensor.fromArray(new Float32Array(COLS).fill(1), [COLS, 1]);
    const base = nativeMemory().bytes;
    const fam = product(
      { model: paths.slice(0, 4).map((p) => new ModelMemo(p)) },
      {
        tearDown: (_state, params) => {
          const m = getMemoByValue(params.model);
          if (m) evictMemo(m);
        },
      },
    )(accuracy);
    const result = await run([fam], { params: { data }, evict: "manual" });
    expect(Math.abs(maxPeak(result) - (base + MODEL_BYTES + OUT_BYTES))).toBeLessThan(MiB);
    expect(nativeMemory().bytes).toBe(base);
  });
});

describe("memory of a generator-fed family", () => {
  it("holds one parameter set at a time", async () => {
    const SET_BYTES = 4 * MiB;
    const base = nativeMemory().bytes;
    const heldWhenCreated: number[] = [];
    function* sets() {
      for (let i = 0; i < 6; i++) {
        using x = Tensor.fromArray(new Float32Array(SET_BYTES / 4).fill(i), [SET_BYTES / 4]);
        heldWhenCreated.push(nativeMemory().bytes - base);
        yield { x, i };
      }
    }
    const fam = parametrize(sets())(function total({ x, i }: { x: Tensor; i: number }) {
      return x.sum() / (i || 1);
    });
    const result = await run([fam]);
    expect(result.benchmarks).toHaveLength(6);
    expect(result.benchmarks.every((r) => !r.error_occurred)).toBe(true);
    expect(heldWhenCreated).toEqual(Array(6).fill(SET_BYTES));
    for (const r of result.benchmarks) expect(r.memory!.native_peak_bytes).toBeLessThanOrEqual(base + SET_BYTES);
    expect(nativeMemory().bytes).toBe(base);
  });
});
