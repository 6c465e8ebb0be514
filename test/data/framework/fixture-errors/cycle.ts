import { benchmark } from "nnbench";

export const usesCycle = benchmark(function uses_cycle({ ping }: { ping: number }) {
  return ping;
});
