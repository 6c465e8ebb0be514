import { Tensor, benchmark, parametrize } from "nnbench";

export const product = benchmark(
  function product({ a, b }: { a: number; b: number }): number {
    return a * b;
  },
  { tags: ["fast"], description: "Multiplies two integers." },
);

export const power = benchmark(function power({ a, b }: { a: number; b: number }): number {
  return a ** b;
});

export const zerosSum = parametrize([{ n: 16 }, { n: 64 }], { tags: ["native"] })(function zeros_sum({ n }: { n: number }): number {
  const t = Tensor.zeros([n, n]);
  try {
    return t.data().length;
  } finally {
    t.dispose();
  }
});

export const fails = benchmark(function fails({ a }: { a: number }): number {
  throw new Error(`this benchmark always fails (a=${a})`);
});
