import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { Tensor, saveNpySync, saveNpzSync } from "../../../src/index.js";

const MIB = 2 ** 20;
const BYTES = 96 * MIB;
const dir = mkdtempSync(join(tmpdir(), "nnbench-large-"));
const npy = join(dir, "large.npy");
const npz = join(dir, "large.npz");
const script = fileURLToPath(new URL("./scripts/load-large.ts", import.meta.url));
const tsx = createRequire(import.meta.url).resolve("tsx");
let expectedSum = 0;

beforeAll(() => {
  using t = Tensor.empty([BYTES / 4], "float32");
  const data = t.data();
  for (let i = 0; i < data.length; i++) data[i] = (i % 1000) * 0.5;
  expectedSum = t.sum();
  saveNpySync(npy, t);
  saveNpzSync(npz, { weights: t });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface LoadCost {
  byteLength: number;
  nativePeak: number;
  rssGrowth: number;
  sum: number;
  bytesAfterDispose: number;
}

function loadInChild(path: string, mode: string): LoadCost {
  const out = execFileSync(process.execPath, ["--import", tsx, script, path, mode], { encoding: "utf8" });
  return JSON.parse(out) as LoadCost;
}

describe("loading a large file needs no second full-size buffer", () => {
  for (const [name, path, mode] of [
    [".npy, sync", npy, "sync"],
    [".npy, async", npy, "async"],
    [".npz stored member", npz, "npz"],
  ] as const) {
    it(name, () => {
      const cost = loadInChild(path, mode);
      expect(cost.byteLength).toBe(BYTES);
      expect(cost.sum).toBe(expectedSum);
      // Native memory: exactly the tensor, never a staging copy.
      expect(cost.nativePeak).toBe(BYTES);
      expect(cost.bytesAfterDispose).toBe(0);
      // Process memory: the tensor's pages plus small change; a full-size JS buffer would add another 96 MiB.
      expect(cost.rssGrowth).toBeLessThan(BYTES + 24 * MIB);
    });
  }

  it(".npy, memory-mapped: loading touches no data pages", () => {
    const cost = loadInChild(npy, "mmap");
    expect(cost.byteLength).toBe(BYTES);
    expect(cost.nativePeak).toBe(BYTES); // the tensor's bytes are counted as held
    expect(cost.rssGrowth).toBeLessThan(8 * MIB); // measured before sum() reads the pages
    expect(cost.sum).toBe(expectedSum);
    expect(cost.bytesAfterDispose).toBe(0);
  });
});
