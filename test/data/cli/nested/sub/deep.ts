import { benchmark } from "nnbench";

export const scaled = benchmark(function scaled({ scale }: { scale: number }): number {
  return scale * 6;
});
