import { benchmark } from "nnbench";

export const usesBroken = benchmark(function uses_broken({ broken }: { broken: number }) {
  return broken;
});
