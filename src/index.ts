/**
 * nnbench: benchmark machine-learning models in Node.js, with native tensors and exact memory accounting.
 */
export * from "./errors.js";
export * from "./types.js";
export * from "./native/index.js";
