/**
 * Loading speed of .npy files and of a stored .npz member: nnbench (sync, async, and
 * memory-mapped, which is O(1) and so reads as a huge "GB/s") against NumPy's np.load and Node's
 * readFileSync, on the same data in the page cache, in one run. nnbench checks the .npz member's
 * CRC-32 as it reads it, as NumPy (Python's zipfile) does. Prints GB/s and ratios. Also loads the
 * .npy as a bfloat16 model (converted while it streams) and prints its peaks against the float32 size.
 *
 *   npm run bench:io [-- --mib 1024 --repeat 5]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { Model, Tensor, loadNpy, loadNpySync, loadNpz, loadNpzSync, nativeMemory, resetNativePeak, saveNpySync, saveNpzSync } from "nnbench";

import { hwmAvailable, readHwm, resetHwm } from "../src/run/memory.js";

const { values } = parseArgs({
  options: { mib: { type: "string", default: "1024" }, repeat: { type: "string", default: "5" } },
});
const mib = Number(values.mib);
const repeat = Number(values.repeat);
const bytes = mib * 2 ** 20;

type Row = [name: string, gbps: number | undefined];

async function best(run: () => unknown | Promise<unknown>): Promise<number> {
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < repeat; i++) {
    const start = process.hrtime.bigint();
    await run();
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return bytes / fastest / 1e9;
}

/** GB/s of NumPy evaluating `load` (an expression of `path`), best of `repeat`; undefined without NumPy. */
function numpy(load: string, path: string): number | undefined {
  const script = [
    "import sys, time, numpy as np",
    "path, repeat, nbytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])",
    `best = min((lambda t0: ((${load}), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(repeat))`,
    "print(nbytes / best / 1e9)",
  ].join("\n");
  try {
    return Number(execFileSync("python3", ["-c", script, path, String(repeat), String(bytes)], { encoding: "utf8" }).trim());
  } catch {
    console.log("(NumPy not available: python3 -c 'import numpy' failed; its rows are skipped)");
    return undefined;
  }
}

function print(title: string, rows: Row[]): void {
  const ours = rows[0]?.[1] ?? 0;
  console.log(`\n${title} (best of ${repeat})\n`);
  console.log(`${"loader".padEnd(34)}${"GB/s".padStart(8)}${"nnbench sync / this".padStart(22)}`);
  for (const [name, gbps] of rows) {
    if (gbps === undefined) continue;
    console.log(`${name.padEnd(34)}${gbps.toFixed(2).padStart(8)}${(ours / gbps).toFixed(2).padStart(21)}x`);
  }
}

const hwm = hwmAvailable();

/** The resident high-water mark in bytes, after resetting it when `reset`; undefined where the kernel keeps none. */
function residentPeak(reset: boolean): number | undefined {
  if (!hwm) return undefined;
  if (reset) resetHwm();
  return readHwm();
}

/** Model.load(path, { dtype: "bfloat16" }): time and peaks against the 16-bit size plus 64 MiB. */
function convertingLoad(path: string): void {
  const MiB = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;
  const rssBefore = residentPeak(true);
  const nativeBefore = nativeMemory().bytes;
  resetNativePeak();
  const start = process.hrtime.bigint();
  const model = Model.load(path, { dtype: "bfloat16" });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const nativePeak = nativeMemory().peakBytes - nativeBefore;
  const rssPeak = residentPeak(false);
  model.dispose();
  const half = bytes / 2;
  console.log(`\nLoading the ${mib} MiB float32 .npy as bfloat16 (Model.load(path, { dtype: "bfloat16" }))\n`);
  console.log(`time ${seconds.toFixed(2)} s (${(bytes / seconds / 1e9).toFixed(2)} GB/s of float32 read)`);
  console.log(`native peak ${MiB(nativePeak)}: the bfloat16 model (${MiB(half)}) + ${MiB(nativePeak - half)} (target: at most 64 MiB over)`);
  if (rssBefore !== undefined && rssPeak !== undefined) {
    console.log(`resident peak growth ${MiB(rssPeak - rssBefore)}: the model + ${MiB(rssPeak - rssBefore - half)}`);
  }
}

const dir = mkdtempSync(join(tmpdir(), "nnbench-io-"));
const npy = join(dir, "array.npy");
const npz = join(dir, "arrays.npz");
try {
  {
    using t = Tensor.empty([bytes / 4], "float32");
    const data = t.data();
    for (let i = 0; i < data.length; i++) data[i] = (i % 1021) * 0.5;
    saveNpySync(npy, t);
    saveNpzSync(npz, { array: t });
  }
  convertingLoad(npy); // first, before the buffers below raise this process's resident size
  readFileSync(npy); // into the page cache
  readFileSync(npz);

  print(`Loading a ${mib} MiB float32 .npy from the page cache`, [
    ["nnbench loadNpySync", await best(() => loadNpySync(npy).dispose())],
    ["nnbench loadNpy (async)", await best(async () => (await loadNpy(npy)).dispose())],
    ["nnbench loadNpySync mmap", await best(() => loadNpySync(npy, { mmap: true }).dispose())],
    ["node readFileSync", await best(() => readFileSync(npy).length)],
    ["numpy np.load", numpy("np.load(path)", npy)],
  ]);

  const ours = await best(() => loadNpzSync(npz).array?.dispose());
  const theirs = numpy('np.load(path)["array"]', npz);
  print(`Loading a ${mib} MiB stored .npz member from the page cache, CRC-32 checked`, [
    ["nnbench loadNpzSync", ours],
    ["nnbench loadNpz (async)", await best(async () => (await loadNpz(npz)).array?.dispose())],
    ["nnbench loadNpzSync mmap+verify", await best(() => loadNpzSync(npz, { mmap: true, verify: true }).array?.dispose())],
    ['numpy np.load(...)["array"]', theirs],
  ]);
  if (theirs !== undefined) {
    console.log(`\nnnbench / np.load on the stored .npz member: ${(ours / theirs).toFixed(2)}x (target: at least 1.5x)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
