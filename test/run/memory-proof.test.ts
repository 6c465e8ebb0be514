/**
 * The memory figures are true for any model: nnbench tensors, JavaScript typed arrays and onnxruntime
 * sessions. Each scenario runs in a fresh process, so its RSS is its own and the figures deterministic.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { BenchmarkRecord } from "nnbench";

const MiB = 1024 * 1024;
const script = join(__dirname, "scripts", "memory-scenarios.ts");
const dir = mkdtempSync(join(tmpdir(), "nnbench-memory-proof-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a scenario without blocking this process (the test runner must stay responsive). */
async function scenario<T>(...args: string[]): Promise<T> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", script, ...args], { encoding: "utf8", timeout: 240_000 });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as T;
}

interface FamilyOutcome {
  before: number;
  modelBytes: number;
  records: BenchmarkRecord[];
}

describe.runIf(process.platform === "linux")("a K = 4 family of 64 MiB models, evict auto, no tearDown", () => {
  for (const kind of ["tensor", "typed", "onnx"] as const) {
    it(`${kind}: the largest benchmark peak over RSS before the family is at most 1.10x one model`, async () => {
      const { before, modelBytes, records } = await scenario<FamilyOutcome>("family", kind, dir);
      expect(records).toHaveLength(4);
      for (const r of records) expect(r.error_occurred, r.error_message).toBe(false);
      const peaks = records.map((r) => r.memory!.rss_peak_bytes! - before);
      expect(Math.max(...peaks)).toBeLessThanOrEqual(1.1 * modelBytes);
      // Each benchmark's own peak is its model: loaded, not inherited from the one before.
      for (const r of records) {
        const own = r.memory!.rss_peak_bytes! - r.memory!.rss_start_bytes!;
        expect(own).toBeGreaterThan(0.9 * modelBytes);
        expect(own).toBeLessThanOrEqual(1.1 * modelBytes);
        expect(r.memory!.rss_method).toBe("hwm");
      }
      if (kind === "tensor") for (const r of records) expect(r.memory!.native_peak_bytes).toBeGreaterThanOrEqual(modelBytes);

      // The timeline shows loading, calls and eviction, and its peak agrees with rss_peak_bytes within
      // one interval's growth (the largest step between neighbouring samples).
      for (const r of records) {
        const tl = r.memory!.timeline!;
        expect(tl.phases.map((p) => p.name)).toEqual(["memo_load", "setup", "warmup", "calls", "teardown", "eviction"]);
        expect(tl.t_ms.length).toBe(tl.rss_bytes.length);
        let step = 0;
        for (let i = 1; i < tl.rss_bytes.length; i++) step = Math.max(step, tl.rss_bytes[i]! - tl.rss_bytes[i - 1]!);
        const sampledPeak = Math.max(...tl.rss_bytes);
        expect(r.memory!.rss_peak_bytes! - sampledPeak).toBeLessThanOrEqual(step + MiB);
        expect(sampledPeak).toBeLessThanOrEqual(r.memory!.rss_peak_bytes!);
        // Eviction freed the model: the last sample is back near the start.
        expect(tl.rss_bytes.at(-1)! - r.memory!.rss_start_bytes!).toBeLessThan(0.25 * modelBytes);
      }
    });
  }
});

describe.runIf(process.platform === "linux")("per-benchmark peaks and limits", () => {
  it("a trivial benchmark after one that allocated 512 MiB reports a peak within 32 MiB of its own start", async () => {
    const { records } = await scenario<{ records: BenchmarkRecord[] }>("after-big");
    const [big, trivial] = records;
    expect(big!.memory!.rss_peak_bytes! - big!.memory!.rss_start_bytes!).toBeGreaterThan(500 * MiB);
    expect(trivial!.memory!.rss_peak_bytes! - trivial!.memory!.rss_start_bytes!).toBeLessThanOrEqual(32 * MiB);
  });

  it("a benchmark over its memoryLimit is an error of kind memory_limit with the figures; the others have results", async () => {
    const { records } = await scenario<{ records: BenchmarkRecord[] }>("limit");
    expect(records.map((r) => [r.name, r.error_occurred, r.error_kind ?? null])).toEqual([
      ["before", false, null],
      ["greedy", true, "memory_limit"],
      ["after", false, null],
    ]);
    expect(records[1]!.error_message).toMatch(/RSS grew by .* limit 64\.0 MiB \(67108864 bytes\)/);
    expect(records[1]!.memory!.rss_peak_bytes! - records[1]!.memory!.rss_start_bytes!).toBeGreaterThan(64 * MiB);
    expect(records[2]!.value).toBe(2);
  });
});
