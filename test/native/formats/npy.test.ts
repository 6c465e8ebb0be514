import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { NpyFormatError, Tensor, loadNpy, loadNpySync, nativeMemory, readNpyInfoSync, resetNativePeak, saveNpy, saveNpySync } from "../../../src/index.js";
import { entries, fixture, sha256, sumClose } from "../../helpers/fixtures.js";

const DTYPE_OF: Record<string, string> = {
  f2: "float16", f4: "float32", f8: "float64", i1: "int8", i2: "int16", i4: "int32", i8: "int64",
  u1: "uint8", u2: "uint16", u4: "uint32", u8: "uint64", b1: "bool",
};

const dir = mkdtempSync(join(tmpdir(), "nnbench-npy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("loadNpy on every valid fixture", () => {
  for (const entry of entries("npy")) {
    const refuse = entry.may_refuse === true;
    it(`${entry.file}${refuse ? " (refused)" : ""}`, async () => {
      const before = nativeMemory();
      if (refuse) {
        expect(() => loadNpySync(fixture(entry.file))).toThrow(NpyFormatError);
        await expect(loadNpy(fixture(entry.file))).rejects.toThrow(/complex/);
        expect(nativeMemory().bytes).toBe(before.bytes);
        return;
      }
      for (const tensor of [loadNpySync(fixture(entry.file)), await loadNpy(fixture(entry.file))]) {
        using t = tensor;
        expect(t.dtype).toBe(DTYPE_OF[(entry.dtype ?? "").slice(1)]);
        expect(t.shape).toEqual(entry.shape);
        expect(t.size).toBe(entry.size);
        expect(t.byteLength).toBe(entry.nbytes);
        expect(sha256(t.data())).toBe(entry.sha256);
        expect(sumClose(t.sum(), entry as never)).toBe(true);
        if (entry.first4_str) {
          expect([...(t.data() as BigInt64Array).slice(0, 4)].map(String)).toEqual(entry.first4_str);
        }
      }
      expect(nativeMemory().bytes).toBe(before.bytes);
    });
  }
});

describe("loadNpy with mmap", () => {
  for (const entry of entries("npy").filter((e) => !e.may_refuse)) {
    it(`maps ${entry.file} to the same contents`, async () => {
      for (const tensor of [loadNpySync(fixture(entry.file), { mmap: true }), await loadNpy(fixture(entry.file), { mmap: true })]) {
        using t = tensor;
        expect(t.shape).toEqual(entry.shape);
        expect(sha256(t.data())).toBe(entry.sha256);
      }
    });
  }

  it("keeps writes private to the tensor and frees the mapping on dispose", () => {
    const path = join(dir, "mapped.npy");
    {
      using t = Tensor.fromArray([1, 2, 3, 4], [4], "float64");
      saveNpySync(path, t);
    }
    const before = readFileSync(path);
    const baseline = nativeMemory();
    const mapped = loadNpySync(path, { mmap: true });
    expect(nativeMemory().bytes).toBe(baseline.bytes + 32);
    mapped.data()[0] = 100;
    expect(mapped.sum()).toBe(109);
    const view = mapped.data();
    mapped.dispose();
    expect(view.length).toBe(0);
    expect(nativeMemory()).toMatchObject({ bytes: baseline.bytes, tensors: baseline.tensors });
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("refuses bad files before mapping anything", () => {
    for (const entry of entries("bad").filter((e) => e.target === "npy")) {
      expect(() => loadNpySync(fixture(entry.file), { mmap: true })).toThrow(NpyFormatError);
    }
  });
});

describe("loadNpy refuses every bad .npy fixture", () => {
  for (const entry of entries("bad").filter((e) => e.target === "npy")) {
    it(`${entry.file}: ${entry.reason}`, async () => {
      resetNativePeak();
      const before = nativeMemory();
      expect(() => loadNpySync(fixture(entry.file))).toThrow(NpyFormatError);
      const error = await loadNpy(fixture(entry.file)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NpyFormatError);
      expect((error as NpyFormatError).message).toContain(fixture(entry.file));
      expect((error as NpyFormatError).code).toBe("ERR_NPY_FORMAT");
      // Nothing was allocated and nothing is left behind, not even for the 4e12-byte claim.
      expect(nativeMemory().peakBytes - before.bytes).toBeLessThanOrEqual(Math.max(0, entry.file_bytes));
      expect(nativeMemory().bytes).toBe(before.bytes);
    });
  }
});

describe("saveNpy", () => {
  for (const entry of entries("npy").filter((e) => !e.may_refuse)) {
    it(`round-trips ${entry.file} byte for byte in the data`, async () => {
      using original = loadNpySync(fixture(entry.file));
      const out = join(dir, entry.file.replace(/\//g, "_"));
      await saveNpy(out, original);
      using back = loadNpySync(out);
      expect(back.shape).toEqual(original.shape);
      expect(back.dtype).toBe(original.dtype);
      expect(sha256(back.data())).toBe(entry.sha256);
      // The header is a valid 1.0 (or 2.0) header that ends on a 64-byte boundary, as NumPy writes it.
      const bytes = readFileSync(out);
      const info = readNpyInfoSync(out);
      expect(info.fortranOrder).toBe(false);
      expect([1, 2]).toContain(info.version);
      expect((bytes.length - back.byteLength) % 64).toBe(0);
    });
  }

  it("writes exactly what NumPy writes for a C-ordered float32 array", () => {
    // float32_2d_37x53.npy was written by NumPy 2.4 with format 1.0: our bytes must be identical.
    const entry = entries("npy").find((e) => e.file.endsWith("float32_2d_37x53.npy"));
    expect(entry).toBeDefined();
    using t = loadNpySync(fixture(entry!.file));
    const out = join(dir, "same.npy");
    saveNpySync(out, t);
    expect(sha256(readFileSync(out))).toBe(sha256(readFileSync(fixture(entry!.file))));
  });

  it("refuses to save more dimensions than NumPy arrays have (64), and writes nothing", () => {
    using t = Tensor.zeros(new Array(65).fill(1), "uint8");
    const out = join(dir, "too-many-dims.npy");
    expect(() => saveNpySync(out, t)).toThrow(NpyFormatError);
    expect(() => saveNpySync(out, t)).toThrow(/at most 64/);
    expect(existsSync(out)).toBe(false);
    using ok = Tensor.zeros(new Array(64).fill(1), "uint8");
    saveNpySync(out, ok);
    expect(readNpyInfoSync(out).version).toBe(1);
    using back = loadNpySync(out);
    expect(back.shape.length).toBe(64);
  });

  it("replaces a file atomically and leaves no temporary file behind", () => {
    const out = join(dir, "atomic.npy");
    writeFileSync(out, "old");
    using t = Tensor.fromArray([1, 2, 3], [3], "float64");
    saveNpySync(out, t);
    expect(statSync(out).size).toBeGreaterThan(3);
    t.dispose();
    expect(() => saveNpySync(out, t)).toThrow(/disposed/);
    using back = loadNpySync(out);
    expect([...back.data()]).toEqual([1, 2, 3]);
  });

  it("reports a missing file with the system's error", async () => {
    await expect(loadNpy(join(dir, "missing.npy"))).rejects.toThrow(/ENOENT/);
  });
});
