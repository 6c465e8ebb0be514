import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

import ndarray from "ndarray";
import { describe, expect, it } from "vitest";

import { DTYPES, DTypeError, DisposedError, ShapeError, Tensor, nativeMemory } from "../../src/index.js";

describe("Tensor creation", () => {
  it("zeros allocates zeroed native memory of every dtype", () => {
    for (const dtype of DTYPES) {
      using t = Tensor.zeros([3, 4], dtype);
      expect(t.dtype).toBe(dtype);
      expect(t.shape).toEqual([3, 4]);
      expect(t.size).toBe(12);
      expect(t.data().length).toBe(12);
      expect([...t.data()].every((v) => v === 0 || v === 0n)).toBe(true);
      expect(t.sum()).toBe(0);
    }
  });

  it("defaults to float32", () => {
    using t = Tensor.zeros([2]);
    expect(t.dtype).toBe("float32");
    expect(t.byteLength).toBe(8);
  });

  it("fromArray copies numbers, typed arrays and bigints", () => {
    const source = new Float64Array([1.5, -2, 3]);
    using a = Tensor.fromArray(source);
    source[0] = 99;
    expect(a.dtype).toBe("float64");
    expect([...a.data()]).toEqual([1.5, -2, 3]);

    using b = Tensor.fromArray([1, 2, 3, 4], [2, 2], "int64");
    expect([...b.data()]).toEqual([1n, 2n, 3n, 4n]);
    expect(b.sum()).toBe(10);

    using c = Tensor.fromArray([true, false, true], [3], "bool");
    expect(c.sum()).toBe(2);

    using h = Tensor.fromArray([1, -2.5, 65504, 1e-8], [4], "float16");
    expect([...h.data()]).toEqual([0x3c00, 0xc100, 0x7bff, 0]);
    expect(h.sum()).toBeCloseTo(65502.5, 5);
  });

  it("fromArray refuses a length that does not fill the shape, and non-integers for int64", () => {
    const before = nativeMemory().bytes;
    expect(() => Tensor.fromArray([1, 2, 3], [2, 2])).toThrow(ShapeError);
    expect(() => Tensor.fromArray([1.5], [1], "int64")).toThrow(DTypeError);
    expect(nativeMemory().bytes).toBe(before);
  });

  it("refuses bad shapes and dtypes with typed errors", () => {
    expect(() => Tensor.zeros([-1])).toThrow(ShapeError);
    expect(() => Tensor.zeros([1.5])).toThrow(ShapeError);
    expect(() => Tensor.zeros([2 ** 40, 2 ** 40])).toThrow(ShapeError);
    expect(() => Tensor.zeros([2], "complex64" as never)).toThrow(DTypeError);
  });

  it("fromNdarray copies any strides into C order; toNdarray views the same memory", () => {
    const nd = ndarray(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]).transpose(1, 0);
    using t = Tensor.fromNdarray(nd);
    expect(t.shape).toEqual([3, 2]);
    expect([...t.data()]).toEqual([1, 4, 2, 5, 3, 6]);
    const view = t.toNdarray();
    view.set(0, 1, 42);
    expect(t.data()[1]).toBe(42);
  });

  it("clone copies into new memory", () => {
    using a = Tensor.fromArray([1, 2, 3]);
    using b = a.clone();
    b.data()[0] = 7;
    expect(a.data()[0]).toBe(1);
    expect(nativeMemory().tensors).toBeGreaterThanOrEqual(2);
  });

  it("handles 0-d and empty tensors", () => {
    using scalar = Tensor.fromArray([5], []);
    expect(scalar.size).toBe(1);
    expect(scalar.sum()).toBe(5);
    using empty = Tensor.zeros([0, 5]);
    expect(empty.size).toBe(0);
    expect(empty.data().length).toBe(0);
    expect(empty.sum()).toBe(0);
  });
});

describe("Tensor disposal", () => {
  it("frees at once, detaches every view, and throws DisposedError afterwards", () => {
    const before = nativeMemory();
    const t = Tensor.zeros([1024], "float64");
    expect(nativeMemory().bytes).toBe(before.bytes + 8192);
    expect(nativeMemory().tensors).toBe(before.tensors + 1);
    const view = t.data();
    const nd = t.toNdarray();
    t.dispose();
    expect(t.disposed).toBe(true);
    expect(view.length).toBe(0);
    expect(view.byteLength).toBe(0);
    expect(nd.data.length).toBe(0);
    expect(nativeMemory().bytes).toBe(before.bytes);
    expect(nativeMemory().tensors).toBe(before.tensors);
    expect(() => t.data()).toThrow(DisposedError);
    expect(() => t.sum()).toThrow(DisposedError);
    expect(() => t.clone()).toThrow(DisposedError);
    expect(() => t.toNdarray()).toThrow(/Tensor is disposed/);
    t.dispose(); // a second dispose is a no-op
    expect(nativeMemory().bytes).toBe(before.bytes);
  });

  it("frees at the end of a `using` scope", () => {
    const before = nativeMemory().bytes;
    {
      using t = Tensor.zeros([100]);
      expect(nativeMemory().bytes).toBe(before + 400);
      expect(t.disposed).toBe(false);
    }
    expect(nativeMemory().bytes).toBe(before);
  });

  // AddressSanitizer's allocator quarantines freed blocks by design, so the footprint is its own.
  const underAddressSanitizer = /libasan/.test(process.env.LD_PRELOAD ?? "");
  it.skipIf(underAddressSanitizer)("hands freed memory back for reuse: creating and disposing in a loop keeps the process flat", () => {
    // 2000 tensors one after another; each is written, so a block that is not reused costs
    // resident pages. The whole loop may grow the process by a few MiB, not 2000 blocks.
    const script = fileURLToPath(new URL("./scripts/churn.ts", import.meta.url));
    const tsx = createRequire(import.meta.url).resolve("tsx");
    for (const bytes of [64 * 1024, 1024 * 1024]) {
      const out = execFileSync(process.execPath, ["--import", tsx, script, String(bytes), "2000"], { encoding: "utf8" });
      const { peakGrowth, bytesHeld } = JSON.parse(out) as { peakGrowth: number; bytesHeld: number };
      expect(bytesHeld).toBe(0);
      expect(peakGrowth).toBeLessThan(16 * 1024 * 1024);
    }
  });

  it("describes itself without its data", () => {
    using t = Tensor.zeros([3, 4]);
    expect(String(t)).toBe("Tensor(float32, [3, 4])");
    expect(JSON.stringify({ t })).toBe('{"t":"Tensor(float32, [3, 4])"}');
  });

  it("cannot be constructed directly", () => {
    expect(() => new (Tensor as unknown as new (...a: unknown[]) => Tensor)(Symbol(), null, [1], "float32")).toThrow(TypeError);
  });
});
