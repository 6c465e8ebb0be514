/**
 * nnbench: benchmark machine-learning models in Node.js, with native tensors and exact memory accounting.
 */
export * from "./errors.js";
export * from "./types.js";
export * from "./native/index.js";
export * from "./core.js";
export * from "./memo.js";
export { run, collect, CollectError, type CollectOptions, type Runnable, type RunOptions, type BenchmarkStart } from "./runner.js";
export * from "./context.js";
export { FixtureError, CONF_FILES } from "./fixtures.js";
export { ParameterSyntaxError } from "./params.js";
export { toJsonValue, type Jsonifier } from "./jsonify.js";
export { summarize, percentile } from "./stats.js";
export * from "./reporter/index.js";
export * from "./compare.js";
