/**
 * nnbench: benchmark machine-learning models in Node.js, with native tensors and exact memory accounting.
 */
export * from "./errors.js";
export * from "./types.js";
export * from "./native/index.js";
export * from "./define/benchmark.js";
export * from "./define/memo.js";
export { run, type RunOptions, type BenchmarkStart } from "./run/runner.js";
export { collect, type CollectOptions, type Runnable } from "./run/collect.js";
export * from "./run/context.js";
export { CONF_FILES } from "./run/fixtures.js";
export { toJsonValue, type Jsonifier } from "./run/jsonify.js";
export { summarize, percentile } from "./stats/summary.js";
export * from "./reporter/index.js";
export * from "./compare/index.js";
export { mannWhitneyU, type Alternative, type MannWhitneyMethod, type MannWhitneyResult } from "./stats/mann-whitney.js";
