import { benchmark } from "nnbench";

// Benchmarks that return the id of the process running them, so that a test can tell which jobs shared a
// worker's child process, between benchmarks that end their process: a crash, a hang and a runaway.
export const first = benchmark(function first(): number {
  return process.pid;
});

export const second = benchmark(function second(): number {
  return process.pid;
});

export { segfault } from "../cli/crash/b_segfault.js";

export const afterCrash = benchmark(function after_crash(): number {
  return process.pid;
});

export const againAfterCrash = benchmark(function again_after_crash(): number {
  return process.pid;
});

export { hangs } from "../cli/crash/c_hang.js";

export const afterHang = benchmark(function after_hang(): number {
  return process.pid;
});

export { runaway } from "../cli/runaway/runaway.js";

export const afterRunaway = benchmark(function after_runaway(): number {
  return process.pid;
});
