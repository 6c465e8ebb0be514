import { benchmark } from "nnbench";

// Holds ever more JavaScript memory until V8 gives up (run with a small --max-old-space-size).
export const exhaustsHeap = benchmark(function exhausts_heap(): number {
  const hold: number[][] = [];
  for (;;) hold.push(new Array(1 << 20).fill(hold.length));
});

export const afterOom = benchmark(function after_oom(): number {
  return 6;
});
