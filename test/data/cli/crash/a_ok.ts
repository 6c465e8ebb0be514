import { benchmark } from "nnbench";

export const first = benchmark(function first(): number {
  return 1;
});
