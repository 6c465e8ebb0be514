import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import {
  DTypeError,
  DisposedError,
  Model,
  NpyFormatError,
  Tensor,
  loadNpySync,
  nativeMemory,
  resetNativePeak,
  saveNpySync,
  saveNpzSync,
  saveSafetensorsSync,
} from "../../src/index.js";
import { CONVERT_CHUNK_BYTES } from "../../src/native/formats/read-converted.js";
import { entries, fixture, sha256 } from "../helpers/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "nnbench-model-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("Model", () => {
  for (const entry of entries("npz").filter((e) => /model\d\.npz$/.test(e.file))) {
    it(`loads ${entry.file} (the only member) sync and async`, async () => {
      const member = entry.members![0]!;
      for (const model of [Model.load(fixture(entry.file)), await Model.loadAsync(fixture(entry.file))]) {
        using m = model;
        expect(m.weights.shape).toEqual([256, 256]);
        expect(sha256(m.weights.data())).toBe(member.sha256);
        expect(String(m)).toContain("float32 [256, 256]");
      }
    });
  }

  it("applies weights @ x and frees its weights on dispose", () => {
    const before = nativeMemory().bytes;
    const path = join(dir, "w.npy");
    {
      using w = Tensor.fromArray([1, 2, 3, 4, 5, 6], [2, 3]);
      saveNpySync(path, w);
    }
    const model = Model.load(path);
    using x = Tensor.fromArray([1, 0, -1], [3]);
    using y = model.apply(x);
    expect([...y.data()]).toEqual([-2, -2]);
    model.dispose();
    expect(model.disposed).toBe(true);
    expect(() => model.apply(x)).toThrow(DisposedError);
    y.dispose();
    x.dispose();
    expect(nativeMemory().bytes).toBe(before);
  });

  it("picks the `weights` member, or the one named by `key`", () => {
    const path = join(dir, "two.npz");
    {
      using weights = Tensor.zeros([4, 4]);
      using bias = Tensor.zeros([4]);
      saveNpzSync(path, { weights, bias });
    }
    using byDefault = Model.load(path);
    expect(byDefault.weights.shape).toEqual([4, 4]);
    using byKey = Model.load(path, { key: "bias" });
    expect(byKey.weights.shape).toEqual([4]);
    const ambiguous = fixture("npz/savez_fifty_arrays.npz");
    expect(() => Model.load(ambiguous)).toThrow(NpyFormatError);
    expect(() => Model.load(ambiguous)).toThrow(/pass \{ key \}/);
  });
});

describe("Model.load with a 16-bit dtype", () => {
  const floats = ["float16_1d_101", "float32_1d_257", "float32_2d_37x53", "float32_3d_4x5x6", "float32_bigendian_2d_9x11", "float32_fortran_2d_13x17", "float32_empty_0x5", "float64_2d_29x31"];
  for (const name of floats) {
    it(`converts npy/${name}.npy while loading, as astype does`, async () => {
      const file = fixture(`npy/${name}.npy`);
      using whole = loadNpySync(file);
      for (const dtype of ["bfloat16", "float16"] as const) {
        using want = whole.astype(dtype);
        for (const model of [Model.load(file, { dtype }), await Model.loadAsync(file, { dtype })]) {
          using m = model;
          expect(m.weights.dtype).toBe(dtype);
          expect(m.weights.shape).toEqual(whole.shape);
          expect([...m.weights.data()]).toEqual([...want.data()]);
        }
      }
    });
  }

  it("converts a .safetensors tensor and an .npz member", async () => {
    using w = Tensor.fromArray(new Float32Array([1, 1.00390625, -3, 1e-40]), [2, 2]);
    using want = w.astype("bfloat16");
    const st = join(dir, "w.safetensors");
    saveSafetensorsSync(st, { weights: w });
    const npz = join(dir, "w16.npz");
    saveNpzSync(npz, { weights: w });
    const deflated = join(dir, "w16c.npz");
    saveNpzSync(deflated, { weights: w, other: w }, { compress: true });
    for (const model of [
      Model.load(st, { dtype: "bfloat16" }),
      await Model.loadAsync(st, { dtype: "bfloat16" }),
      Model.load(npz, { dtype: "bfloat16" }),
      await Model.loadAsync(npz, { dtype: "bfloat16" }),
      Model.load(deflated, { key: "weights", dtype: "bfloat16" }),
    ]) {
      using m = model;
      expect(m.weights.dtype).toBe("bfloat16");
      expect([...m.weights.data()]).toEqual([...want.data()]);
    }
    expect(() => Model.load(st, { dtype: "int8" as "float16" })).toThrow(DTypeError);
  });

  it("streams: loading float32 weights as bfloat16 peaks at the 16-bit size plus one chunk", async () => {
    // 160 MiB of float32 (scaled down from 1 GiB), as .npy and as a stored .npz member: a float32
    // copy would be far past the bound.
    const rows = 5 * 1024;
    const cols = 8 * 1024;
    const path = join(dir, "big.npy");
    {
      using w = Tensor.empty([rows, cols]);
      const data = w.data();
      for (let i = 0; i < data.length; i += 4099) data[i] = i * 0.5;
      saveNpySync(path, w);
      saveNpzSync(`${path}.npz`, { weights: w });
    }
    const half = rows * cols * 2;
    for (const load of [
      () => Model.load(path, { dtype: "bfloat16" }),
      () => Model.loadAsync(path, { dtype: "bfloat16" }),
      () => Model.load(`${path}.npz`, { dtype: "bfloat16" }),
    ]) {
      const base = nativeMemory().bytes;
      resetNativePeak();
      using m = await load();
      expect(m.weights.byteLength).toBe(half);
      expect(nativeMemory().peakBytes - base).toBeLessThanOrEqual(half + CONVERT_CHUNK_BYTES);
      expect(CONVERT_CHUNK_BYTES).toBeLessThanOrEqual(64 << 20);
      const bits = m.weights.data();
      expect(bits[4099]).toBe(0x4500 | 0); // 2049.5 rounds to 2048 in bfloat16 (0x4500)
    }
    rmSync(path);
    rmSync(`${path}.npz`);
  }, 60_000);
});
