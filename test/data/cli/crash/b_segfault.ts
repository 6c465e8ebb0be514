import { benchmark } from "nnbench";

export const beforeCrash = benchmark(function before_crash(): number {
  return 2;
});

// Kills its own process the way a native bug would.
export const segfault = benchmark(function segfault(): number {
  process.kill(process.pid, "SIGSEGV");
  return 0;
});

export const afterCrash = benchmark(function after_crash(): number {
  return 3;
});
