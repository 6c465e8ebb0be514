/**
 * Lifetime of native memory under overlapping async work: an async product, read or write pins
 * the storage it uses, so dispose() while it runs never frees bytes under it. The bytes go when
 * the operation settles, and every figure returns to its baseline.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import {
  DisposedError,
  NpyFormatError,
  Tensor,
  loadNpy,
  loadNpySync,
  loadNpz,
  loadNpzSync,
  matmulAsync,
  nativeMemory,
  saveNpy,
  saveNpySync,
} from "../../src/index.js";
import { addon } from "../../src/native/addon.js";
import { entries, fixture, sha256 } from "../helpers/fixtures.js";
import { rng } from "../helpers/random.js";

const dir = mkdtempSync(join(tmpdir(), "nnbench-concurrency-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const gc = (globalThis as { gc?: () => void }).gc;

async function settleFinalizers(): Promise<void> {
  for (let i = 0; i < 6; i++) {
    gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A float64 matrix of small integers, so products are exact and comparable with `toBe`. */
function integerMatrix(rows: number, cols: number, next: () => number): Tensor<"float64"> {
  const t = Tensor.empty([rows, cols], "float64");
  const d = t.data();
  for (let i = 0; i < d.length; i++) d[i] = Math.floor(next() * 17) - 8;
  return t;
}

/** Fills freshly freed memory with garbage, so a kernel still reading it would produce wrong values. */
function churn(bytes: number): void {
  const junk: Tensor[] = [];
  for (let i = 0; i < 4; i++) {
    const t = Tensor.empty([Math.max(1, bytes / 8)], "float64");
    t.data().fill(Number.NaN);
    junk.push(t);
  }
  for (const t of junk) t.dispose();
}

describe("async products with operands disposed while in flight", () => {
  it("keeps every pinned operand until its product settles, then frees it", async () => {
    const next = rng(20261127);
    const base = nativeMemory();
    const jobs: {
      promise: Promise<Tensor>;
      a: Float64Array;
      b: Float64Array;
      m: number;
      n: number;
      k: number;
      out?: Tensor;
    }[] = [];
    let pinnedBytes = 0;
    for (let j = 0; j < 24; j++) {
      const [m, n, k] = [1 + Math.floor(next() * 160), 1 + Math.floor(next() * 160), 1 + Math.floor(next() * 160)];
      const a = integerMatrix(m, k, next);
      const b = integerMatrix(k, n, next);
      const useOut = j % 3 === 0;
      const out = useOut ? Tensor.empty([m, n], "float64") : undefined;
      const promise = matmulAsync(a, b, out ? { out } : {});
      jobs.push({ promise, a: Float64Array.from(a.data()), b: Float64Array.from(b.data()), m, n, k, out });
      // Dispose at once: the product was queued synchronously and holds pins on both operands.
      a.dispose();
      b.dispose();
      expect(a.disposed && b.disposed).toBe(true);
      expect(() => a.data()).toThrow(DisposedError);
      pinnedBytes += a.byteLength + b.byteLength;
      churn(a.byteLength);
    }
    // Disposed operands are still counted: their bytes are in use by the kernel.
    const outBytes = jobs.reduce((s, job) => s + (job.out?.byteLength ?? 0), 0);
    const during = nativeMemory().bytes - base.bytes;
    expect(during).toBeGreaterThanOrEqual(outBytes);
    expect(during).toBeLessThanOrEqual(pinnedBytes + outBytes + jobs.reduce((s, job) => s + job.m * job.n * 8, 0));

    const results = await Promise.all(jobs.map((job) => job.promise));
    for (const [index, job] of jobs.entries()) {
      const c = results[index]!;
      if (job.out) expect(c).toBe(job.out);
      const cd = c.data();
      for (const i of [0, job.m >> 1, job.m - 1]) {
        for (const jj of [0, job.n >> 1, job.n - 1]) {
          let s = 0;
          for (let p = 0; p < job.k; p++) s += (job.a[i * job.k + p] as number) * (job.b[p * job.n + jj] as number);
          expect(cd[i * job.n + jj]).toBe(s);
        }
      }
      c.dispose();
    }
    expect(nativeMemory().bytes).toBe(base.bytes);
    expect(nativeMemory().tensors).toBe(base.tensors);
  });

  it("frees a result tensor disposed while its product runs once the product settles", async () => {
    const next = rng(7);
    const base = nativeMemory().bytes;
    using a = integerMatrix(200, 150, next);
    using b = integerMatrix(150, 120, next);
    const out = Tensor.empty([200, 120], "float64");
    const pending = matmulAsync(a, b, { out });
    out.dispose();
    expect(nativeMemory().bytes).toBe(base + a.byteLength + b.byteLength + out.byteLength);
    const c = await pending;
    expect(c.disposed).toBe(true);
    expect(nativeMemory().bytes).toBe(base + a.byteLength + b.byteLength);
  });
});

describe("async file transfers with the storage disposed while in flight", () => {
  const BYTES = 8 << 20;

  it("writeFromAsync writes every byte of a storage disposed right after the write was queued", async () => {
    const base = nativeMemory().bytes;
    const storage = new addon.Storage(BYTES, false);
    const view = new Uint8Array(storage.arrayBuffer());
    for (let i = 0; i < view.length; i++) view[i] = (i * 31 + 7) & 0xff;
    const expected = sha256(view);
    const path = join(dir, "write-pinned.bin");
    writeFileSync(path, "");
    const fd = openSync(path, "r+");
    try {
      const pending = addon.writeFromAsync(fd, 0, storage, 0, BYTES);
      storage.dispose();
      expect(view.length).toBe(0); // the view is detached at once
      expect(nativeMemory().bytes).toBe(base + BYTES); // but the bytes are pinned until the write ends
      churn(BYTES);
      await pending;
    } finally {
      closeSync(fd);
    }
    expect(nativeMemory().bytes).toBe(base);
    expect(sha256(readFileSync(path))).toBe(expected);
  });

  it("readIntoAsync completes into a storage disposed right after the read was queued", async () => {
    const path = join(dir, "read-pinned.bin");
    const content = new Uint8Array(BYTES).map((_, i) => (i * 13) & 0xff);
    writeFileSync(path, content);
    const base = nativeMemory().bytes;
    const fd = openSync(path, "r");
    try {
      const reads: Promise<number>[] = [];
      for (let i = 0; i < 8; i++) {
        const storage = new addon.Storage(BYTES, false);
        reads.push(addon.readIntoAsync(fd, 0, storage, 0, BYTES));
        storage.dispose();
      }
      expect(nativeMemory().bytes).toBe(base + 8 * BYTES);
      expect(await Promise.all(reads)).toEqual(new Array(8).fill(BYTES));
    } finally {
      closeSync(fd);
    }
    expect(nativeMemory().bytes).toBe(base);
  });

  it("saveNpy of a big tensor disposed at any moment either writes it whole or fails with DisposedError", async () => {
    const base = nativeMemory().bytes;
    const saves: Promise<"saved" | "refused">[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 12; i++) {
      const t = Tensor.empty([(4 << 20) / 4], "float32");
      t.data().fill(i + 0.5);
      expected.push(sha256(t.data()));
      const path = join(dir, `save-${i}.npy`);
      saves.push(
        saveNpy(path, t).then(
          () => "saved" as const,
          (error: unknown) => {
            expect(error).toBeInstanceOf(DisposedError);
            return "refused" as const;
          },
        ),
      );
      // Dispose after 0..11 turns of the event loop: some saves are still opening the file, some
      // are writing the data.
      void (async () => {
        for (let turn = 0; turn < i; turn++) await new Promise((resolve) => setImmediate(resolve));
        t.dispose();
      })();
    }
    const outcomes = await Promise.all(saves);
    await settleFinalizers();
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome !== "saved") continue;
      using back = loadNpySync(join(dir, `save-${i}.npy`));
      expect(sha256(back.data())).toBe(expected[i]);
    }
    expect(nativeMemory().bytes).toBe(base);
  });
});

describe("overlapping loads", () => {
  it("many concurrent loadNpy/loadNpz calls, good and bad, give the same tensors as sync loads and leak nothing", async () => {
    const bigPath = join(dir, "big.npy");
    {
      using big = Tensor.empty([1 << 20], "float32");
      big.data().forEach((_, i, d) => (d[i] = i % 251));
      saveNpySync(bigPath, big);
    }
    const base = nativeMemory();
    const npy = entries("npy").filter((e) => !e.may_refuse).map((e) => fixture(e.file));
    const npz = [...entries("npz"), ...entries("matmul")].map((e) => fixture(e.file));
    const bad = entries("bad").map((e) => ({ path: fixture(e.file), target: e.target }));
    const work: Promise<void>[] = [];
    for (let round = 0; round < 3; round++) {
      for (const path of [...npy, bigPath]) {
        work.push(
          loadNpy(path).then((t) => {
            using expected = loadNpySync(path);
            expect(sha256(t.data())).toBe(sha256(expected.data()));
            t.dispose();
          }),
        );
      }
      for (const path of npz) {
        work.push(
          loadNpz(path).then((got) => {
            const expected = loadNpzSync(path);
            for (const [key, t] of Object.entries(got)) {
              expect(sha256(t.data())).toBe(sha256(expected[key]!.data()));
              t.dispose();
              expected[key]!.dispose();
            }
          }),
        );
      }
      for (const { path, target } of bad) {
        const load = target === "npz" ? loadNpz(path).then((r) => Object.values(r)) : loadNpy(path).then((t) => [t]);
        work.push(
          load.then(
            (tensors) => {
              // Only the path-traversal archive may load; it must not have written anything.
              expect(path).toMatch(/path_traversal/);
              for (const t of tensors) t.dispose();
            },
            (error: unknown) => expect(error).toBeInstanceOf(NpyFormatError),
          ),
        );
      }
    }
    await Promise.all(work);
    expect(nativeMemory().bytes).toBe(base.bytes);
    expect(nativeMemory().tensors).toBe(base.tensors);
  });
});

describe("a disposed tensor after its buffer is finalized", () => {
  it("still answers disposed, refuses use and disposes again as a no-op", async () => {
    const base = nativeMemory();
    const tensors = Array.from({ length: 64 }, (_, i) => Tensor.zeros([i + 1]));
    for (const t of tensors) t.dispose();
    // Disposing detaches the ArrayBuffer; its finalizer then runs from the event loop.
    await settleFinalizers();
    for (const t of tensors) {
      expect(t.disposed).toBe(true);
      expect(() => t.data()).toThrow(DisposedError);
      expect(() => t.sum()).toThrow(DisposedError);
      expect(() => t.clone()).toThrow(DisposedError);
      t.dispose();
      expect(String(t)).toMatch(/disposed/);
    }
    expect(nativeMemory().bytes).toBe(base.bytes);
    expect(nativeMemory().tensors).toBe(base.tensors);
  });
});
