import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { DisposedError, Model, NpyFormatError, Tensor, nativeMemory, saveNpySync, saveNpzSync } from "../../src/index.js";
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
