import { benchmark, product } from "nnbench";

const sum = benchmark(function sum3({ a, b, c }) {
  return a + b + c;
});

const grid = product({ x: [1, 2] }, { tags: ["grid"] })(function grid({ x, c }) {
  return x * c;
});

export const all = [sum, [grid, sum]];
