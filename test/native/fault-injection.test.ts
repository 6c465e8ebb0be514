/**
 * Failures the system can cause inside the addon (an allocation or a thread creation that fails)
 * become JavaScript errors: never a crash, a hang, or memory the accounting still counts. The
 * addon's internal fault injection makes the failures happen on demand.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, afterEach, describe, expect, it } from "vitest";

import { Tensor, getNumThreads, loadNpy, loadNpySync, matmul, matmulAsync, nativeMemory, saveNpySync, setNumThreads } from "../../src/index.js";
import { addon } from "../../src/native/addon.js";
import { storageOf } from "../../src/native/tensor.js";

const dir = mkdtempSync(join(tmpdir(), "nnbench-fault-"));
const initialThreads = getNumThreads();

afterEach(() => {
  addon._injectFault("alloc", 0);
  addon._injectFault("thread", 0);
  setNumThreads(initialThreads);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Tensors and bytes the addon counts now. */
function held(): { bytes: number; tensors: number } {
  const { bytes, tensors } = nativeMemory();
  return { bytes, tensors };
}

/** A float32 tensor with values 0, 1, 2, ... (mod 251). */
function ramp(shape: number[]): Tensor<"float32"> {
  const t = Tensor.empty(shape, "float32");
  const data = t.data();
  for (let i = 0; i < data.length; i++) data[i] = i % 251;
  return t;
}

// Reads of at least 64 MiB are split over threads; smaller ones allocate nothing.
const BIG = 16 << 20; // float32 elements: 64 MiB

describe("a failed allocation", () => {
  it("in Tensor creation throws and leaves nothing counted", () => {
    const before = held();
    addon._injectFault("alloc", 1);
    expect(() => Tensor.zeros([1024], "float32")).toThrow(/out of memory/);
    expect(held()).toEqual(before);
    using t = Tensor.zeros([1024], "float32");
    expect(t.data()[0]).toBe(0);
  });

  it("in a split file read throws (sync) and rejects (async)", async () => {
    const path = join(dir, "plain.bin");
    const fd = openSync(path, "w+");
    try {
      writeSync(fd, new Uint8Array(BIG * 4).fill(7), 0, BIG * 4, 0);
      using into = Tensor.empty([BIG], "float32");
      const before = held();
      addon._injectFault("alloc", 1);
      expect(() => addon.readInto(fd, 0, storageOf(into), 0, BIG * 4)).toThrow(/out of memory/);
      addon._injectFault("alloc", 1);
      await expect(addon.readIntoAsync(fd, 0, storageOf(into), 0, BIG * 4)).rejects.toThrow(/out of memory/);
      expect(held()).toEqual(before);
      expect(await addon.readIntoAsync(fd, 0, storageOf(into), 0, BIG * 4)).toBe(BIG * 4);
      expect(new Uint8Array(into.data().buffer, 0, 16)).toEqual(new Uint8Array(16).fill(7));
    } finally {
      closeSync(fd);
    }
  });

  it("while loading a .npy fails the load and frees the tensor it made", async () => {
    const path = join(dir, "big.npy");
    {
      using t = ramp([BIG]);
      saveNpySync(path, t);
    }
    const before = held();
    // The first allocation (the tensor) succeeds; the read's fails.
    addon._injectFault("alloc", 1, 1);
    expect(() => loadNpySync(path)).toThrow(/out of memory/);
    expect(held()).toEqual(before);
    addon._injectFault("alloc", 1, 1);
    await expect(loadNpy(path)).rejects.toThrow(/out of memory/);
    expect(held()).toEqual(before);
    using loaded = await loadNpy(path);
    expect(loaded.data()[BIG - 1]).toBe((BIG - 1) % 251);
  });

  it("of a product's workspace throws (sync) and rejects (async)", async () => {
    using a = ramp([96, 80]);
    using b = ramp([80, 112]);
    using out = Tensor.empty([96, 112], "float32");
    const before = held();
    addon._injectFault("alloc", 1);
    expect(() => matmul(a, b, { out })).toThrow(/out of memory/);
    addon._injectFault("alloc", 1);
    await expect(matmulAsync(a, b, { out })).rejects.toThrow(/out of memory/);
    // A new result tensor is freed again when the product fails.
    addon._injectFault("alloc", 1, 1);
    await expect(matmulAsync(a, b)).rejects.toThrow(/out of memory/);
    expect(held()).toEqual(before);
    using expected = matmul(a, b);
    matmul(a, b, { out });
    expect(out.data()).toEqual(expected.data());
  });
});

describe("a failed thread creation", () => {
  it("in the GEMM thread pool throws, and later products run on every thread", { timeout: 20_000 }, async () => {
    using a = ramp([256, 256]);
    using b = ramp([256, 256]);
    using v = ramp([256]);
    setNumThreads(1);
    using expected = matmul(a, b);
    using expectedVector = matmul(a, v);
    // More threads than this process has started so far, so the pool must start new ones.
    setNumThreads(7);
    const before = held();
    addon._injectFault("thread", 1);
    expect(() => matmul(a, b)).toThrow(/cannot start a thread/);
    addon._injectFault("thread", 1, 1);
    await expect(matmulAsync(a, b)).rejects.toThrow(/cannot start a thread/);
    expect(held()).toEqual(before);
    // A pool left with a slot no worker owns would wait for it forever here: a matrix-vector
    // product waits for every thread it starts.
    for (let i = 0; i < 3; i++) {
      using got = matmul(a, b);
      expect(got.data()).toEqual(expected.data());
      using gotVector = await matmulAsync(a, v);
      expect(gotVector.data()).toEqual(expectedVector.data());
    }
  });

  it("in a split file read leaves the read to the calling thread", async () => {
    const path = join(dir, "threads.npy");
    {
      using t = ramp([BIG]);
      saveNpySync(path, t);
    }
    addon._injectFault("thread", 1);
    using sync = loadNpySync(path);
    expect(sync.data()[BIG - 1]).toBe((BIG - 1) % 251);
    addon._injectFault("thread", 3);
    using loaded = await loadNpy(path);
    expect(loaded.data()[12345]).toBe(12345 % 251);
    expect(loaded.data()[BIG - 1]).toBe((BIG - 1) % 251);
  });
});
