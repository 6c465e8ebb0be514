import { appendFileSync } from "node:fs";
import { benchmark, parametrize } from "nnbench";

// Each cell notes that it started, and in which worker (the parent of the child process running it),
// in the file named by NNBENCH_TEST_MARKER, then takes a moment.
export const cells = parametrize(Array.from({ length: 12 }, (_, i) => ({ i })))(async function cell({ i }: { i: number }): Promise<number> {
  const marker = process.env.NNBENCH_TEST_MARKER;
  if (marker) appendFileSync(marker, `${i} ${process.ppid}\n`);
  await new Promise((r) => setTimeout(r, 250));
  return i * i;
});

export const answer = benchmark(function answer(): string {
  return "forty-two";
});

export const scaled = parametrize([{ k: 2 }, { k: 3 }])(function scaled({ k }: { k: number }): number {
  return 7 * k;
});
