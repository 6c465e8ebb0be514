import { benchmark } from "nnbench";

// The value and the cost are set through the environment so two runs can differ on purpose.
export const accuracy = benchmark(function accuracy(): number {
  return Number(process.env.NNBENCH_TEST_ACCURACY ?? "0.9");
});

export const latency = benchmark(
  function latency(): number {
    const until = process.hrtime.bigint() + BigInt(Number(process.env.NNBENCH_TEST_SPIN_US ?? "200") * 1000);
    let n = 0;
    while (process.hrtime.bigint() < until) n++;
    return n > 0 ? 1 : 0;
  },
  { repeat: 12 },
);
