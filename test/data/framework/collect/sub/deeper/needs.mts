import { benchmark } from "nnbench";

export const needsMissing = benchmark(function needs_missing({ nowhere }: { nowhere: number }): number {
  return nowhere;
}, { tags: ["missing"] });
