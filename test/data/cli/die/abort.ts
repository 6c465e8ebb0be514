import { benchmark } from "nnbench";

// Aborts its process, as a failed native assertion would.
export const aborts = benchmark(function aborts(): number {
  process.abort();
});

export const afterAbort = benchmark(function after_abort(): number {
  return 5;
});
