import { appendFileSync } from "node:fs";
import { parametrize } from "nnbench";

// Each step notes that it started (in the file named by NNBENCH_TEST_MARKER) and takes 300 ms.
export const steps = parametrize(Array.from({ length: 20 }, (_, i) => ({ i })))(async function step({ i }: { i: number }): Promise<number> {
  const marker = process.env.NNBENCH_TEST_MARKER;
  if (marker) appendFileSync(marker, `${i}\n`);
  await new Promise((r) => setTimeout(r, 300));
  return i;
});
