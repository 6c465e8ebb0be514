import type { BenchmarkResult } from "../../src/types.js";

/** A result exercising every field a record can carry, including awkward text for CSV and YAML. */
export function sampleResult(): BenchmarkResult {
  return {
    run: "sample-run",
    context: { host: "ci-1", git: { commit: "abc123", dirty: false }, cpu: { model: "X, \"Y\" 9000", cores: 8 } },
    timestamp: 1795779600,
    benchmarks: [
      {
        name: "accuracy_model=m1",
        function: "accuracy",
        description: "Accuracy, with \"quotes\",\nnewlines and ünïcode",
        error_occurred: false,
        error_message: "",
        parameters: { model: "m1.npz", shape: [256, 256], opts: { lr: 0.1, tags: ["a", "b"] } },
        value: 0.9871234567,
        time_ns: 1234567,
        memory: { native_peak_bytes: 262144, native_delta_bytes: 0, heap_used_delta_bytes: -1024, rss_peak_bytes: 104857600 },
        samples_ns: [1200000, 1234567, 1300000],
        stats: { min: 1200000, max: 1300000, mean: 1244855.67, median: 1234567, p75: 1267283.5, p99: 1298654.65, stddev: 41523.2 },
        tags: ["fast", "model"],
      },
      {
        name: "crashes",
        function: "crashes",
        description: "",
        error_occurred: true,
        error_message: "child process died: signal SIGSEGV",
        error_kind: "crash",
        parameters: {},
        time_ns: 0,
      },
      {
        name: "labels",
        function: "labels",
        description: "",
        error_occurred: false,
        error_message: "",
        parameters: { n: 3 },
        value: { top: ["cat", "dog"], score: null },
        time_ns: 42,
      },
      {
        name: "text value",
        function: "text",
        description: " leading space",
        error_occurred: false,
        error_message: "",
        parameters: { empty: "" },
        value: "",
        time_ns: 1,
      },
      {
        name: "null value",
        function: "nullish",
        description: "",
        error_occurred: false,
        error_message: "",
        parameters: {},
        value: null,
        time_ns: 2,
      },
    ],
  };
}
