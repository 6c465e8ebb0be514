import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { NpyFormatError, Tensor, loadNpySync, loadNpz, loadNpzSync, nativeMemory, npzKeysSync, resetNativePeak, saveNpz, saveNpzSync } from "../../../src/index.js";
import { entries, fixture, sha256, sumClose } from "../../helpers/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "nnbench-npz-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function disposeAll(tensors: Record<string, Tensor>): void {
  for (const t of Object.values(tensors)) t.dispose();
}

describe("loadNpz on every valid archive", () => {
  for (const entry of [...entries("npz"), ...entries("matmul")]) {
    it(entry.file, async () => {
      const before = nativeMemory().bytes;
      for (const loaded of [loadNpzSync(fixture(entry.file)), await loadNpz(fixture(entry.file))]) {
        expect(Object.keys(loaded).sort()).toEqual((entry.members ?? []).map((m) => m.name).sort());
        for (const member of entry.members ?? []) {
          const t = loaded[member.name ?? ""];
          expect(t?.shape).toEqual(member.shape);
          expect(sha256(t!.data())).toBe(member.sha256);
          expect(sumClose(t!.sum(), member)).toBe(true);
        }
        disposeAll(loaded);
      }
      expect(nativeMemory().bytes).toBe(before);
    });
  }

  it("loads only the requested keys", () => {
    const file = fixture("npz/savez_three_arrays.npz");
    expect(npzKeysSync(file).sort()).toEqual(["bias", "meta", "weights"]);
    resetNativePeak();
    const base = nativeMemory().bytes;
    const only = loadNpzSync(file, { keys: ["bias"] });
    expect(Object.keys(only)).toEqual(["bias"]);
    expect(nativeMemory().peakBytes - base).toBe(only.bias!.byteLength);
    disposeAll(only);
    expect(() => loadNpzSync(file, { keys: ["nope"] })).toThrow(/no member 'nope'/);
  });
});

describe("loadNpz refuses every bad archive", () => {
  for (const entry of entries("bad").filter((e) => e.target === "npz")) {
    it(`${entry.file}: ${entry.reason}`, async () => {
      resetNativePeak();
      const before = nativeMemory().bytes;
      const files = readdirSync(dir).length;
      expect(() => loadNpzSync(fixture(entry.file))).toThrow(NpyFormatError);
      await expect(loadNpz(fixture(entry.file))).rejects.toBeInstanceOf(NpyFormatError);
      expect(nativeMemory().bytes).toBe(before);
      expect(nativeMemory().peakBytes - before).toBeLessThanOrEqual(entry.file_bytes);
      expect(readdirSync(dir).length).toBe(files);
    });
  }
});

describe("saveNpz", () => {
  for (const compress of [false, true]) {
    it(`round-trips every dtype ${compress ? "compressed" : "stored"}`, async () => {
      const arrays: Record<string, Tensor> = {};
      for (const entry of entries("npy").filter((e) => !e.may_refuse)) {
        arrays[entry.file.replace(/^npy\/|\.npy$/g, "")] = loadNpySync(fixture(entry.file));
      }
      const out = join(dir, `all-${compress}.npz`);
      await saveNpz(out, arrays, { compress });
      const back = await loadNpz(out);
      expect(Object.keys(back).sort()).toEqual(Object.keys(arrays).sort());
      for (const [key, t] of Object.entries(arrays)) {
        expect(back[key]?.shape).toEqual(t.shape);
        expect(back[key]?.dtype).toBe(t.dtype);
        expect(sha256(back[key]!.data())).toBe(sha256(t.data()));
      }
      disposeAll(arrays);
      disposeAll(back);
    });
  }

  it("writes an archive whose members NumPy's writer would name and size the same", () => {
    using w = Tensor.fromArray(new Float32Array(256 * 256).map((_, i) => Math.sin(i)), [256, 256]);
    const out = join(dir, "model.npz");
    saveNpzSync(out, { weights: w });
    expect(npzKeysSync(out)).toEqual(["weights"]);
    const back = loadNpzSync(out);
    expect(sha256(back.weights!.data())).toBe(sha256(w.data()));
    disposeAll(back);
  });
});

