/**
 * Inputs the fuzzers found (kept in test/regressions/), loaded every way a user can. Each must be
 * refused with NpyFormatError (or load as stated below), leave no native memory behind and stay
 * within the memory its size justifies.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { NpyFormatError, type Tensor, loadNpy, loadNpySync, loadNpz, loadNpzSync, nativeMemory, npzKeysSync, resetNativePeak } from "../../../src/index.js";
import { mapZip } from "../fuzz-support.js";

const dir = fileURLToPath(new URL("../../regressions/", import.meta.url));

/** What each file must do; files not listed here must be refused with NpyFormatError. */
const EXPECTED: Record<string, { refused: RegExp } | { keys: string[] }> = {
  // One key named three times: each load replaced the previous tensor, which was orphaned.
  "npz-duplicate-member-names.npz": { refused: /holds member 'w' more than once/ },
  // Twenty names for the same stored bytes: twenty arrays from one, far beyond the file's size.
  "npz-overlapping-members.npz": { refused: /overlaps/ },
  "npz-overlapping-deflated-members.npz": { refused: /overlaps/ },
  // A dimension above 2^53 beside a zero: no data, but the shape could not be represented, and
  // the loader threw ShapeError and left its (empty) storage undisposed.
  "npy-huge-dimension-beside-zero.npy": { refused: /dimension above 2\^53 - 1/ },
  // A member named __proto__ became the result's prototype instead of a key, and leaked.
  "npz-proto-member-name.npz": { keys: ["__proto__", "constructor"] },
};

const files = readdirSync(dir).filter((f) => /\.(npy|npz)$/.test(f)).sort();

function disposeAll(loaded: Record<string, Tensor>): void {
  for (const t of Object.values(loaded)) t.dispose();
}

describe("fuzz regressions", () => {
  it("lists every regression file it expects", () => {
    for (const name of Object.keys(EXPECTED)) expect(files).toContain(name);
  });

  for (const file of files) {
    it(file, async () => {
      const path = join(dir, file);
      const size = statSync(path).size;
      const expected = EXPECTED[file] ?? { refused: /./ };
      const base = nativeMemory();
      resetNativePeak();
      if (file.endsWith(".npz")) {
        const loads = [() => loadNpzSync(path), () => loadNpz(path), () => loadNpzSync(path, { mmap: true })];
        for (const load of loads) {
          if ("refused" in expected) {
            await expect(Promise.resolve().then(load)).rejects.toThrow(NpyFormatError);
            await expect(Promise.resolve().then(load)).rejects.toThrow(expected.refused);
          } else {
            const loaded = await load();
            expect(Object.keys(loaded).sort()).toEqual([...expected.keys].sort());
            for (const key of expected.keys) expect(Object.prototype.hasOwnProperty.call(loaded, key)).toBe(true);
            expect(Object.getPrototypeOf(loaded)).toBe(Object.prototype);
            disposeAll(loaded);
          }
        }
        if ("refused" in expected) expect(() => npzKeysSync(path)).toThrow(NpyFormatError);
        const storedOnly = mapZip(new Uint8Array(readFileSync(path)))?.methods.every((m) => m === 0) ?? false;
        expect(nativeMemory().peakBytes - base.bytes).toBeLessThanOrEqual(2 * size * (storedOnly ? 1 : 1032));
      } else {
        const pattern = "refused" in expected ? expected.refused : /./;
        for (const load of [() => loadNpySync(path), () => loadNpy(path), () => loadNpySync(path, { mmap: true }), () => loadNpy(path, { mmap: true })]) {
          await expect(Promise.resolve().then(load)).rejects.toThrow(NpyFormatError);
          await expect(Promise.resolve().then(load)).rejects.toThrow(pattern);
        }
        expect(nativeMemory().peakBytes - base.bytes).toBeLessThanOrEqual(2 * size);
      }
      expect(nativeMemory().bytes).toBe(base.bytes);
      expect(nativeMemory().tensors).toBe(base.tensors);
    });
  }
});
