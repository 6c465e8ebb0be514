import { benchmark, Tensor } from "nnbench";

export const power = benchmark(function power({ a = 2, b = 10 }: { a?: number; b?: number }) {
  return a ** b;
});

export const zerosSum = benchmark(function zeros_sum({ n = 16 }: { n?: number }) {
  const t = Tensor.zeros([n]);
  const s = t.sum();
  t.dispose();
  return s;
});
