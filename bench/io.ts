/**
 * Loading speed of .npy files: nnbench (sync, async, and memory-mapped, which is O(1) and so
 * reads as a huge "GB/s") against NumPy's np.load and Node's readFileSync, on the same file in the
 * page cache, in one run. Prints GB/s and ratios.
 *
 *   npm run bench:io [-- --mib 1024 --repeat 5]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { Tensor, loadNpy, loadNpySync, saveNpySync } from "nnbench";

const { values } = parseArgs({
  options: { mib: { type: "string", default: "1024" }, repeat: { type: "string", default: "5" } },
});
const mib = Number(values.mib);
const repeat = Number(values.repeat);
const bytes = mib * 2 ** 20;

const dir = mkdtempSync(join(tmpdir(), "nnbench-io-"));
const path = join(dir, "array.npy");
try {
  {
    const t = Tensor.empty([bytes / 4], "float32");
    t.data().fill(1.5);
    saveNpySync(path, t);
    t.dispose();
  }
  readFileSync(path); // into the page cache

  async function best(run: () => unknown | Promise<unknown>): Promise<number> {
    let fastest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < repeat; i++) {
      const start = process.hrtime.bigint();
      await run();
      fastest = Math.min(fastest, Number(process.hrtime.bigint() - start) / 1e9);
    }
    return bytes / fastest / 1e9;
  }

  const rows: [string, number | undefined][] = [];
  rows.push(["nnbench loadNpySync", await best(() => loadNpySync(path).dispose())]);
  rows.push(["nnbench loadNpy (async)", await best(async () => (await loadNpy(path)).dispose())]);
  rows.push(["nnbench loadNpySync mmap", await best(() => loadNpySync(path, { mmap: true }).dispose())]);
  rows.push(["node readFileSync", await best(() => readFileSync(path).length)]);

  let numpy: number | undefined;
  try {
    const script = [
      "import sys, time, numpy as np",
      "path, repeat, nbytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])",
      "best = min((lambda t0: (np.load(path), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(repeat))",
      "print(nbytes / best / 1e9)",
    ].join("\n");
    numpy = Number(execFileSync("python3", ["-c", script, path, String(repeat), String(bytes)], { encoding: "utf8" }).trim());
  } catch {
    console.log("(NumPy not available: python3 -c 'import numpy' failed; its row is skipped)");
  }
  rows.push(["numpy np.load", numpy]);

  const ours = rows[0]?.[1] ?? 0;
  console.log(`\nLoading a ${mib} MiB float32 .npy from the page cache (best of ${repeat})\n`);
  console.log(`${"loader".padEnd(26)}${"GB/s".padStart(8)}${"nnbench sync / this".padStart(22)}`);
  for (const [name, gbps] of rows) {
    if (gbps === undefined) continue;
    console.log(`${name.padEnd(26)}${gbps.toFixed(2).padStart(8)}${(ours / gbps).toFixed(2).padStart(21)}x`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
