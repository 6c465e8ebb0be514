import { benchmark, parametrize } from "nnbench";

export const product = benchmark(
  function multiply({ a, b }: { a: number; b: number }): number {
    return a * b;
  },
  { tags: ["fast"], description: "Multiplies two integers." },
);

export const power = benchmark(function pow({ a, b }: { a: number; b: number }): number {
  return a ** b;
});

export const matmulSum = parametrize([{ n: 16 }, { n: 64 }], { tags: ["matmul"] })(function matmul_sum({ n }: { n: number }): number {
  return n * n;
});

export const fails = benchmark(function failing({ a }: { a: number }): number {
  throw new Error(`this benchmark always fails (a=${a})`);
});

// Not a benchmark: ignored by collect().
export const helper = 42;
