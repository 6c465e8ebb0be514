// A focused tour of everything that touches native memory, for running under valgrind (see
// .ci/valgrind): tensors of every dtype, views, copies, disposal, finalizers, .npy and .npz
// loads and saves (sync, async, memory-mapped, big-endian, Fortran order, compressed), refused
// files (a stored .npz member with a wrong CRC-32 among them), small matrix products (sync, async,
// with operands disposed mid-product), and allocations and thread creations made to fail. Exits
// non-zero when a result is wrong or native memory is left behind. Run with --expose-gc.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import {
  DTYPES,
  DisposedError,
  Model,
  NpyFormatError,
  getNumThreads,
  Tensor,
  loadNpy,
  loadNpySync,
  loadNpz,
  loadNpzSync,
  matmul,
  matmulAsync,
  nativeMemory,
  saveNpy,
  saveNpySync,
  saveNpz,
  saveNpzSync,
  setNumThreads,
} from "../../../src/index.js";
import { addon } from "../../../src/native/addon.js";
import { entries, fixture, sha256 } from "../../helpers/fixtures.js";

const gc = (globalThis as { gc?: () => void }).gc;
assert.ok(gc, "run with --expose-gc");
const dir = mkdtempSync(join(tmpdir(), "nnbench-valgrind-"));
const steps: string[] = [];

async function collect(): Promise<void> {
  for (let i = 0; i < 8; i++) {
    gc!();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function step(name: string): void {
  steps.push(name);
}

try {
  step("tensors");
  for (const dtype of DTYPES) {
    const t = Tensor.zeros([3, 5], dtype);
    const view = t.data();
    assert.equal(view.length, 15);
    const copy = t.clone();
    const reshaped = t.reshape([5, 3]);
    assert.equal(copy.sum(), 0);
    t.dispose();
    assert.equal(view.length, 0);
    assert.throws(() => t.data(), DisposedError);
    t.dispose();
    copy.dispose();
    reshaped.dispose();
  }
  {
    using a = Tensor.fromArray(new Float32Array(1000).map((_, i) => i), [10, 100]);
    assert.equal(a.sum(), 499500);
    using h = Tensor.fromArray([1.5, -2, 65504], [3], "float16");
    assert.equal(h.sum(), 65503.5);
    using big = Tensor.empty([(3 << 20) / 8], "float64"); // mapped, 2 MiB-aligned
    big.data().fill(0.5);
    assert.equal(big.sum(), (3 << 20) / 16);
    const nd = a.toNdarray();
    assert.equal(nd.get(9, 99), 999);
  }

  step("finalizers");
  (() => {
    for (let i = 0; i < 20; i++) Tensor.zeros([1000 + i]);
  })();
  let kept: Float64Array | undefined = (() => Tensor.fromArray(new Float64Array(64).fill(1)).data() as Float64Array)();
  await collect();
  assert.equal(kept.length, 64);
  assert.equal(nativeMemory().bytes, 64 * 8);
  kept = undefined;
  await collect();
  assert.equal(nativeMemory().bytes, 0);

  step("npy");
  for (const entry of entries("npy").filter((e) => !e.may_refuse)) {
    const path = fixture(entry.file);
    const loaded = [loadNpySync(path), await loadNpy(path), loadNpySync(path, { mmap: true }), await loadNpy(path, { mmap: true })];
    for (const t of loaded) {
      assert.equal(sha256(t.data()), entry.sha256, entry.file);
      t.sum();
    }
    const out = join(dir, "round.npy");
    saveNpySync(out, loaded[0]!);
    await saveNpy(out, loaded[1]!);
    using back = loadNpySync(out);
    assert.equal(sha256(back.data()), entry.sha256);
    for (const t of loaded) t.dispose();
  }
  for (const entry of entries("bad").filter((e) => e.target === "npy")) {
    assert.throws(() => loadNpySync(fixture(entry.file)), NpyFormatError);
    await assert.rejects(loadNpy(fixture(entry.file), { mmap: true }), NpyFormatError);
  }

  step("npz");
  for (const entry of [...entries("npz"), ...entries("matmul").filter((e) => e.file_bytes < 30_000)]) {
    const path = fixture(entry.file);
    for (const loaded of [loadNpzSync(path), await loadNpz(path), loadNpzSync(path, { mmap: true })]) {
      for (const member of entry.members ?? []) assert.equal(sha256(loaded[member.name!]!.data()), member.sha256);
      for (const compress of [false, true]) {
        const out = join(dir, "round.npz");
        if (compress) await saveNpz(out, loaded, { compress });
        else saveNpzSync(out, loaded);
        const back = loadNpzSync(out);
        for (const [key, t] of Object.entries(back)) {
          assert.equal(sha256(t.data()), sha256(loaded[key]!.data()));
          t.dispose();
        }
      }
      for (const t of Object.values(loaded)) t.dispose();
    }
  }
  for (const entry of entries("bad").filter((e) => e.target === "npz")) {
    try {
      for (const t of Object.values(loadNpzSync(fixture(entry.file)))) t.dispose();
    } catch (error) {
      assert.ok(error instanceof NpyFormatError, String(error));
    }
  }

  {
    // A stored member with one data byte changed fails its CRC-32 check.
    const bytes = new Uint8Array(readFileSync(fixture("npz/savez_three_arrays.npz")));
    bytes[Buffer.from(bytes).indexOf("weights") + 400]! ^= 0xff;
    const corrupt = join(dir, "corrupt.npz");
    writeFileSync(corrupt, bytes);
    assert.throws(() => loadNpzSync(corrupt), /CRC-32/);
    await assert.rejects(loadNpz(corrupt), /CRC-32/);
    await assert.rejects(loadNpz(corrupt, { mmap: true, verify: true }), /CRC-32/);
    // Converting loads stream the member through one chunk and check it too.
    assert.throws(() => Model.load(corrupt, { key: "weights", dtype: "bfloat16" }), /CRC-32/);
    await assert.rejects(Model.loadAsync(corrupt, { key: "weights", dtype: "float16" }), /CRC-32/);
  }

  step("faults");
  addon._injectFault("alloc", 1);
  assert.throws(() => Tensor.zeros([100]), /out of memory/);
  {
    using a = Tensor.fromArray(new Float32Array(192 * 192).fill(1), [192, 192]);
    addon._injectFault("alloc", 1, 1);
    await assert.rejects(matmulAsync(a, a), /out of memory/);
    addon._injectFault("thread", 1);
    const threads = getNumThreads();
    setNumThreads(9);
    try {
      assert.throws(() => matmul(a, a), /cannot start a thread/);
      using c = matmul(a, a);
      assert.equal(c.sum(), 192 * 192 * 192);
    } finally {
      setNumThreads(threads);
    }
  }

  step("matmul");
  for (const dtype of ["float32", "float64"] as const) {
    using a = Tensor.fromArray(Array.from({ length: 7 * 5 }, (_, i) => (i % 7) - 3), [7, 5], dtype);
    using b = Tensor.fromArray(Array.from({ length: 5 * 3 }, (_, i) => (i % 5) - 2), [5, 3], dtype);
    using c = matmul(a, b);
    using d = await matmulAsync(a, b);
    assert.deepEqual([...d.data()], [...c.data()]);
    using batch = Tensor.fromArray(Array.from({ length: 2 * 4 * 5 }, (_, i) => i % 3), [2, 4, 5], dtype);
    using e = matmul(batch, b);
    assert.deepEqual(e.shape, [2, 4, 3]);
    using v = Tensor.fromArray([1, 2, 3, 4, 5], [5], dtype);
    using f = matmul(a, v);
    assert.deepEqual(f.shape, [7]);
  }
  {
    const a = Tensor.fromArray(new Float64Array(96 * 80).fill(1), [96, 80]);
    const b = Tensor.fromArray(new Float64Array(80 * 64).fill(2), [80, 64]);
    const pending = [matmulAsync(a, b), matmulAsync(b.reshape([64, 80]), a.reshape([80, 96]))];
    a.dispose();
    b.dispose();
    const [c, d] = await Promise.all(pending);
    assert.equal(c!.sum(), 96 * 64 * 160);
    assert.equal(d!.sum(), 64 * 96 * 160);
    c!.dispose();
    d!.dispose();
  }

  step("done");
  await collect();
  const after = nativeMemory();
  assert.equal(after.bytes, 0, "native memory left behind");
  assert.equal(after.tensors, 0, "tensors left alive");
  process.stdout.write(`${JSON.stringify({ ok: true, steps, peakBytes: after.peakBytes })}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
