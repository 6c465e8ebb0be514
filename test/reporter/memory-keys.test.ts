/** Every result format carries the per-benchmark memory keys, the timeline included. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { readResults, writeResult } from "../../src/reporter/index.js";
import type { BenchmarkResult } from "../../src/types.js";

function result(): BenchmarkResult {
  return {
    run: "memory-keys",
    context: {},
    timestamp: 1_700_000_000,
    benchmarks: [
      {
        name: "infer_model1",
        function: "infer",
        description: "",
        error_occurred: false,
        error_message: "",
        parameters: { model: "model1" },
        value: 1.5,
        time_ns: 1000,
        memory: {
          native_peak_bytes: 0,
          native_delta_bytes: 0,
          heap_used_delta_bytes: 2048,
          rss_peak_bytes: 167_772_160,
          rss_start_bytes: 100_663_296,
          rss_end_bytes: 101_711_872,
          external_peak_bytes: 4096,
          heap_peak_bytes: 8_388_608,
          rss_method: "hwm",
          retained_bytes: 20_971_520,
          timeline: {
            interval_ms: 2,
            t_ms: [0, 2.01, 4.5],
            rss_bytes: [100_663_296, 167_772_160, 101_711_872],
            native_bytes: [0, 0, 0],
            external_bytes: [4096, 4096, 4096],
            phases: [
              { name: "memo_load", start_ms: 0, end_ms: 3 },
              { name: "calls", start_ms: 3, end_ms: 4 },
              { name: "eviction", start_ms: 4, end_ms: 4.5 },
            ],
          },
        },
      },
      {
        name: "greedy",
        function: "greedy",
        description: "",
        error_occurred: true,
        error_message: "memory limit exceeded: RSS grew by 256 MiB",
        error_kind: "memory_limit",
        parameters: {},
        time_ns: 0,
        memory: { native_peak_bytes: 0, native_delta_bytes: 0, heap_used_delta_bytes: 0, rss_peak_bytes: 400, rss_start_bytes: 100, rss_method: "sampled" },
      },
    ],
  };
}

describe("memory keys in every format", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "nnbench-memory-keys-"));
  for (const target of ["r.json", "r.ndjson", "r.csv", "r.parquet", "r.yaml", "sqlite://r.db"]) {
    it(target, async () => {
      const where = target.startsWith("sqlite://") ? `sqlite://${path.join(dir, "r.db")}` : path.join(dir, target);
      await writeResult(result(), where);
      const [back] = await readResults(where);
      expect(back!.benchmarks).toEqual(result().benchmarks);
    });
  }
});
