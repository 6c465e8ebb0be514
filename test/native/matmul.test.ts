import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";

import { afterAll, afterEach, describe, expect, it } from "vitest";

import {
  DTypeError,
  DisposedError,
  ShapeError,
  Tensor,
  gemmInfo,
  getNumThreads,
  loadNpzSync,
  matmul,
  matmulAsync,
  setGemmIsa,
  setNumThreads,
  type GemmIsa,
} from "../../src/index.js";
import { entries, fixture } from "../helpers/fixtures.js";

const initial = gemmInfo();
afterEach(() => {
  setGemmIsa(initial.isa);
  setNumThreads(availableParallelism());
});

/** A deterministic pseudo-random generator of values in [-1, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

function randomTensor<D extends "float32" | "float64">(shape: number[], dtype: D, seed: number): Tensor<D> {
  const next = random(seed);
  const size = shape.reduce((p, d) => p * d, 1);
  return Tensor.fromArray(Array.from({ length: size }, next), shape, dtype);
}

/** The exact-as-float64 product of m x k and k x n row-major arrays, and of their absolute values. */
function reference(a: ArrayLike<number>, b: ArrayLike<number>, m: number, n: number, k: number): { c: Float64Array; abs: Float64Array } {
  const c = new Float64Array(m * n);
  const abs = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let t = 0;
      for (let p = 0; p < k; p++) {
        const x = (a[i * k + p] as number) * (b[p * n + j] as number);
        s += x;
        t += Math.abs(x);
      }
      c[i * n + j] = s;
      abs[i * n + j] = t;
    }
  }
  return { c, abs };
}

/** Asserts `got` is within the float rounding bound of the reference; NaN and infinities must match exactly. */
function expectProduct(got: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>, m: number, n: number, k: number, dtype: "float32" | "float64"): void {
  const u = dtype === "float32" ? 2 ** -24 : 2 ** -53;
  const { c, abs } = reference(a, b, m, n, k);
  expect(got.length).toBe(m * n);
  for (let i = 0; i < m * n; i++) {
    const want = c[i] as number;
    const have = got[i] as number;
    if (Number.isNaN(want) || !Number.isFinite(want)) {
      expect(Object.is(have, want), `element ${i}: got ${have}, want ${want}`).toBe(true);
    } else {
      const bound = 2 * (k + 2) * u * (abs[i] as number) + Number.MIN_VALUE;
      if (!(Math.abs(have - want) <= bound)) expect(have, `element ${i} of ${m}x${n} (k=${k})`).toBe(want);
    }
  }
}

describe("matmul against NumPy fixtures", () => {
  for (const entry of entries("matmul")) {
    for (const isa of initial.availableIsas) {
      for (const threads of [1, 2]) {
        it(`${entry.file} on ${isa}, ${threads} thread(s)`, async () => {
          expect(setGemmIsa(isa)).toBe(true);
          setNumThreads(threads);
          const { A, B, C } = loadNpzSync(fixture(entry.file));
          const want = C!.data() as Float32Array;
          const atol = entry.atol as number;
          for (const got of [matmul(A!, B!), await matmulAsync(A!, B!)]) {
            expect(got.shape).toEqual(C!.shape);
            expect(got.dtype).toBe("float32");
            const data = got.data() as Float32Array;
            let worst = 0;
            for (let i = 0; i < data.length; i++) {
              const w = want[i] as number;
              const g = data[i] as number;
              if (!Number.isFinite(w)) expect(Object.is(g, w)).toBe(true);
              else worst = Math.max(worst, Math.abs(g - w));
            }
            expect(worst).toBeLessThanOrEqual(atol);
            got.dispose();
          }
          for (const t of [A, B, C]) t!.dispose();
        });
      }
    }
  }
});

describe("matmul on larger and odd shapes", () => {
  const shapes: [number, number, number][] = [
    [129, 257, 300],
    [300, 129, 513],
    [1, 700, 900],
    [700, 1, 900],
    [513, 2, 77],
    [3, 515, 400],
    [1000, 33, 17],
    [50, 40, 2600], // A read in place, several depth blocks
    [37, 300, 1100], // A packed, several depth blocks
    [45, 3, 9001], // few columns: several depth blocks of inner products, odd tail
    [23, 8, 4099], // few columns: each block's share of B fills L1
  ];
  for (const dtype of ["float32", "float64"] as const) {
    for (const isa of initial.availableIsas) {
      it(`${dtype} on ${isa}, 1 and 2 threads`, () => {
        expect(setGemmIsa(isa)).toBe(true);
        let seed = 1;
        for (const [m, n, k] of shapes) {
          const a = randomTensor([m, k], dtype, seed++);
          const b = randomTensor([k, n], dtype, seed++);
          for (const threads of [1, 2]) {
            setNumThreads(threads);
            using c = matmul(a, b);
            expect(c.shape).toEqual([m, n]);
            expectProduct(c.data() as Float64Array, a.data() as Float64Array, b.data() as Float64Array, m, n, k, dtype);
          }
          a.dispose();
          b.dispose();
        }
      });
    }
  }
});

describe("threads sharing one product", () => {
  // Shapes whose depth is not a multiple of the block depth and whose width spans more than one
  // column block: threads must never overwrite packed panels another thread still reads.
  const shapes: [number, number, number][] = [
    [37, 300, 1100],
    [16, 4200, 700],
    [200, 96, 1500],
  ];
  for (const isa of initial.availableIsas) {
    it(`repeated products agree with the reference on ${isa}`, () => {
      expect(setGemmIsa(isa)).toBe(true);
      setNumThreads(2);
      let seed = 90;
      for (const [m, n, k] of shapes) {
        const a = randomTensor([m, k], "float32", seed++);
        const b = randomTensor([k, n], "float32", seed++);
        using first = matmul(a, b);
        expectProduct(first.data(), a.data(), b.data(), m, n, k, "float32");
        using again = Tensor.empty([m, n]);
        for (let i = 0; i < 10; i++) {
          matmul(a, b, { out: again });
          expect(Array.from(again.data())).toEqual(Array.from(first.data()));
        }
        a.dispose();
        b.dispose();
      }
    });
  }
});

describe("IEEE special values", () => {
  for (const isa of initial.availableIsas) {
    for (const [m, n, k] of [[5, 7, 3], [37, 45, 29], [150, 200, 300]] as const) {
      it(`NaN and infinities propagate as in the exact sum (${m}x${k} @ ${k}x${n}, ${isa})`, () => {
        expect(setGemmIsa(isa)).toBe(true);
        const a = randomTensor([m, k], "float32", 7);
        const b = randomTensor([k, n], "float32", 8);
        const ad = a.data() as Float32Array;
        const bd = b.data() as Float32Array;
        ad[0] = Number.NaN; // row 0 of the result is all NaN
        ad[1 * k + 1] = Number.POSITIVE_INFINITY; // row 1: +-Inf where B[1][j] != 0, NaN where 0
        bd[1 * n + 0] = 0;
        bd[2 * n + 2] = Number.NEGATIVE_INFINITY; // column 2: -+Inf, NaN where Inf meets -Inf or 0
        ad[(m - 1) * k + 2] = 0; // 0 * -Inf = NaN in the last row, column 2
        for (const threads of [1, 2]) {
          setNumThreads(threads);
          const out = Tensor.empty([m, n], "float32");
          (out.data() as Float32Array).fill(Number.NaN); // stale NaN must not leak into the result
          matmul(a, b, { out });
          expectProduct(out.data(), ad, bd, m, n, k, "float32");
          const got = out.data() as Float32Array;
          expect(Number.isNaN(got[0])).toBe(true);
          expect(Number.isNaN(got[n + 0])).toBe(true);
          // Rows and columns without special inputs stay finite: zero padding adds no NaN.
          for (let i = 2; i < m - 1; i++) {
            for (let j = 0; j < n; j++) if (j !== 2) expect(Number.isFinite(got[i * n + j])).toBe(true);
          }
          out.dispose();
        }
        a.dispose();
        b.dispose();
      });
    }
  }

  it("Inf * 0 appears only where it really occurs", () => {
    using a = Tensor.fromArray([-0, 1, Number.POSITIVE_INFINITY, 0], [2, 2]);
    using b = Tensor.fromArray([1, 0, 0, 2], [2, 2]);
    using c = matmul(a, b);
    const d = c.data();
    // Row 0: (-0 * 1 + 1 * 0, -0 * 0 + 1 * 2); row 1: (Inf * 1 + 0 * 0, Inf * 0 + 0 * 2).
    expect(d[0]).toBe(0);
    expect(d[1]).toBe(2);
    expect(d[2]).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(d[3])).toBe(true);
  });
});

describe("shapes", () => {
  it("1-D operands follow NumPy: vector @ vector, matrix @ vector, vector @ matrix", () => {
    using v = Tensor.fromArray([1, 2, 3]);
    using w = Tensor.fromArray([4, 5, 6]);
    using m = Tensor.fromArray([1, 2, 3, 4, 5, 6], [2, 3]);
    using mt = Tensor.fromArray([1, 2, 3, 4, 5, 6], [3, 2]);
    using dot = matmul(v, w);
    expect(dot.shape).toEqual([]);
    expect(Array.from(dot.data())).toEqual([32]);
    using mv = matmul(m, v);
    expect(mv.shape).toEqual([2]);
    expect(Array.from(mv.data())).toEqual([14, 32]);
    using vm = matmul(v, mt);
    expect(vm.shape).toEqual([2]);
    expect(Array.from(vm.data())).toEqual([22, 28]);
  });

  it("batched operands broadcast their leading dimensions", () => {
    const a = randomTensor([2, 1, 3, 4], "float64", 11);
    const b = randomTensor([5, 4, 2], "float64", 12);
    using c = matmul(a, b);
    expect(c.shape).toEqual([2, 5, 3, 2]);
    const ad = a.data();
    const bd = b.data();
    const cd = c.data() as Float64Array;
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 5; j++) {
        const got = cd.subarray((i * 5 + j) * 6, (i * 5 + j + 1) * 6);
        expectProduct(got, ad.subarray(i * 12, (i + 1) * 12), bd.subarray(j * 8, (j + 1) * 8), 3, 2, 4, "float64");
      }
    }
    a.dispose();
    b.dispose();
  });

  it("a vector against a stack, and many small products spread over threads", () => {
    setNumThreads(2);
    const v = randomTensor([6], "float32", 21);
    const s = randomTensor([3, 6, 4], "float32", 22);
    using vs = matmul(v, s);
    expect(vs.shape).toEqual([3, 4]);
    using sv = matmul(randomTensor([3, 4, 6], "float32", 23), v);
    expect(sv.shape).toEqual([3, 4]);
    for (let i = 0; i < 3; i++) {
      expectProduct(vs.data().subarray(i * 4, i * 4 + 4), v.data(), s.data().subarray(i * 24, i * 24 + 24), 1, 4, 6, "float32");
    }
    // 400 products of 24 x 24: each is small, together they are split over threads.
    const a = randomTensor([400, 24, 24], "float32", 24);
    const b = randomTensor([24, 24], "float32", 25);
    using c = matmul(a, b);
    expect(c.shape).toEqual([400, 24, 24]);
    for (const i of [0, 1, 199, 399]) {
      expectProduct(c.data().subarray(i * 576, i * 576 + 576), a.data().subarray(i * 576, i * 576 + 576), b.data(), 24, 24, 24, "float32");
    }
    for (const t of [v, s, a, b]) t.dispose();
  });

  it("empty operands give empty or zero results", () => {
    using a = Tensor.zeros([0, 5]);
    using b = Tensor.zeros([5, 3]);
    using c = matmul(a, b);
    expect(c.shape).toEqual([0, 3]);
    using x = Tensor.zeros([3, 0]);
    using y = Tensor.zeros([0, 4]);
    const out = Tensor.empty([3, 4]);
    (out.data() as Float32Array).fill(Number.NaN);
    expect(matmul(x, y, { out })).toBe(out);
    expect(Array.from(out.data())).toEqual(new Array(12).fill(0));
    out.dispose();
    using z = matmul(Tensor.zeros([2, 3]), Tensor.zeros([3, 0]));
    expect(z.shape).toEqual([2, 0]);
    using e = matmul(Tensor.zeros([0, 2, 3]), Tensor.zeros([3, 4]));
    expect(e.shape).toEqual([0, 2, 4]);
    using d = matmul(Tensor.zeros([0]), Tensor.zeros([0]));
    expect(d.shape).toEqual([]);
    expect(Array.from(d.data())).toEqual([0]);
  });
});

describe("out", () => {
  it("writes into the given tensor and returns it", () => {
    using a = Tensor.fromArray([1, 2, 3, 4], [2, 2], "float64");
    using b = Tensor.fromArray([5, 6, 7, 8], [2, 2], "float64");
    using out = Tensor.zeros([2, 2], "float64");
    expect(matmul(a, b, { out })).toBe(out);
    expect(Array.from(out.data())).toEqual([19, 22, 43, 50]);
  });

  it("may be one of the operands", () => {
    using a = Tensor.fromArray([1, 2, 3, 4], [2, 2]);
    using b = Tensor.fromArray([5, 6, 7, 8], [2, 2]);
    matmul(a, b, { out: a });
    expect(Array.from(a.data())).toEqual([19, 22, 43, 50]);
    matmul(a, a, { out: a });
    expect(Array.from(a.data())).toEqual([19 * 19 + 22 * 43, 19 * 22 + 22 * 50, 43 * 19 + 50 * 43, 43 * 22 + 50 * 50]);
  });

  it("must have exactly the result's shape and dtype", () => {
    using a = Tensor.zeros([2, 3]);
    using b = Tensor.zeros([3, 4]);
    using wrongShape = Tensor.zeros([4, 2]);
    using wrongDtype = Tensor.zeros([2, 4], "float64");
    expect(() => matmul(a, b, { out: wrongShape })).toThrow(ShapeError);
    expect(() => matmul(a, b, { out: wrongShape })).toThrow(/\(4, 2\).*\(2, 4\)/);
    expect(() => matmul(a, b, { out: wrongDtype })).toThrow(DTypeError);
  });
});

describe("errors", () => {
  it("rejects unsupported and mixed dtypes", () => {
    using i = Tensor.zeros([2, 2], "int32");
    using f = Tensor.zeros([2, 2], "float32");
    using d = Tensor.zeros([2, 2], "float64");
    expect(() => matmul(i, i)).toThrow(DTypeError);
    expect(() => matmul(f, d)).toThrow(DTypeError);
    expect(() => matmul(f, d)).toThrow(/float32.*float64/);
  });

  it("names both shapes when they do not align or broadcast", () => {
    using a = Tensor.zeros([2, 3]);
    using b = Tensor.zeros([4, 5]);
    expect(() => matmul(a, b)).toThrow(ShapeError);
    expect(() => matmul(a, b)).toThrow(/\(2, 3\).*\(4, 5\)/);
    using s = Tensor.zeros([2, 3, 4]);
    using t = Tensor.zeros([3, 4, 5]);
    expect(() => matmul(s, t)).toThrow(/\(2, 3, 4\).*\(3, 4, 5\)/);
    using scalar = Tensor.zeros([]);
    expect(() => matmul(scalar, a)).toThrow(ShapeError);
  });

  it("refuses disposed operands", async () => {
    const a = Tensor.zeros([2, 2]);
    using b = Tensor.zeros([2, 2]);
    a.dispose();
    expect(() => matmul(a, b)).toThrow(DisposedError);
    await expect(matmulAsync(b, a)).rejects.toThrow(DisposedError);
  });
});

describe("matmulAsync", () => {
  it("leaves the event loop free while a long product runs", async () => {
    const n = 1536;
    const a = randomTensor([n, n], "float32", 31);
    const b = randomTensor([n, n], "float32", 32);
    let timerFired = false;
    const timer = new Promise<void>((resolve) => setTimeout(() => {
      timerFired = true;
      resolve();
    }, 0));
    let firedBeforeDone = false;
    const product = matmulAsync(a, b).then((c) => {
      firedBeforeDone = timerFired;
      return c;
    });
    await timer;
    const c = await product;
    expect(firedBeforeDone).toBe(true);
    // Spot-check rows against the float64 reference.
    const ad = a.data();
    const bd = b.data();
    const cd = c.data();
    for (const i of [0, 777, n - 1]) {
      for (const j of [0, 5, n - 1]) {
        let s = 0;
        let t = 0;
        for (let p = 0; p < n; p++) {
          s += (ad[i * n + p] as number) * (bd[p * n + j] as number);
          t += Math.abs((ad[i * n + p] as number) * (bd[p * n + j] as number));
        }
        expect(Math.abs((cd[i * n + j] as number) - s)).toBeLessThanOrEqual(2 * n * 2 ** -24 * t);
      }
    }
    for (const t of [a, b, c]) t.dispose();
  });

  it("runs several products at once correctly", async () => {
    const shapes: [number, number, number][] = [[400, 300, 500], [1, 2000, 1500], [1500, 1, 2000], [64, 64, 64], [700, 700, 300]];
    const operands = shapes.map(([m, n, k], i) => [randomTensor([m, k], "float32", 50 + i), randomTensor([k, n], "float32", 60 + i)] as const);
    const results = await Promise.all(operands.map(([a, b]) => matmulAsync(a, b)));
    results.push(matmul(operands[0]![0], operands[0]![1]));
    for (const [i, c] of results.entries()) {
      const [m, n, k] = shapes[i % shapes.length]!;
      const [a, b] = operands[i % shapes.length]!;
      expectProduct(c.data(), a.data(), b.data(), m, n, k, "float32");
      c.dispose();
    }
    for (const [a, b] of operands) {
      a.dispose();
      b.dispose();
    }
  });
});

describe("threads and instruction sets", () => {
  it.runIf(existsSync("/usr/bin/taskset") && availableParallelism() > 1)(
    "default to the cores this process may run on, not all of the machine's",
    () => {
      const url = new URL("../../src/index.ts", import.meta.url).href;
      const script = `const m = await import(${JSON.stringify(url)}); console.log(m.getNumThreads());`;
      const child = spawnSync("/usr/bin/taskset", ["-c", "0", process.execPath, "--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
      expect(child.stderr).toBe("");
      expect(child.stdout.trim()).toBe("1");
    },
  );

  it("defaults to the available parallelism and can be set", () => {
    expect(getNumThreads()).toBe(availableParallelism());
    setNumThreads(1);
    expect(getNumThreads()).toBe(1);
    expect(gemmInfo().threads).toBe(1);
    setNumThreads(3);
    expect(getNumThreads()).toBe(3);
    expect(() => setNumThreads(0)).toThrow(RangeError);
    expect(() => setNumThreads(1.5)).toThrow(RangeError);
    // More threads than cores still gives the right product.
    const a = randomTensor([300, 200], "float32", 71);
    const b = randomTensor([200, 250], "float32", 72);
    using c = matmul(a, b);
    expectProduct(c.data(), a.data(), b.data(), 300, 250, 200, "float32");
    a.dispose();
    b.dispose();
  });

  it("reports the kernel and switches instruction sets", () => {
    const info = gemmInfo();
    expect(info.availableIsas).toContain("portable");
    expect(info.availableIsas).toContain(info.detectedIsa);
    expect(info.float32Tile).toMatch(/^\d+x\d+$/);
    expect(info.compiler.length).toBeGreaterThan(0);
    for (const isa of info.availableIsas) {
      expect(setGemmIsa(isa)).toBe(true);
      const now = gemmInfo();
      expect(now.isa).toBe(isa);
      for (const blocking of [now.float32Blocking, now.float64Blocking]) {
        // The inner-product path covers only widths where a register tile would idle its lanes.
        expect(blocking.fewColumns).toBeGreaterThanOrEqual(0);
        expect(blocking.fewColumns).toBeLessThan(blocking.nr);
      }
    }
    const missing = (["avx2", "avx512"] as GemmIsa[]).filter((i) => !info.availableIsas.includes(i));
    for (const isa of missing) expect(setGemmIsa(isa)).toBe(false);
    expect(() => setGemmIsa("sse9" as GemmIsa)).toThrow(RangeError);
  });

  it("NNBENCH_GEMM_ISA chooses the instruction set at load", () => {
    const script = `import("./src/native/matmul.ts").then((m) => console.log(m.gemmInfo().isa))`;
    for (const isa of ["portable", "no-such-isa"]) {
      const child = spawnSync(process.execPath, ["--import", "tsx", "-e", script], {
        cwd: new URL("../..", import.meta.url),
        env: { ...process.env, NNBENCH_GEMM_ISA: isa },
        encoding: "utf8",
      });
      expect(child.stderr).toBe("");
      expect(child.stdout.trim()).toBe(isa === "portable" ? "portable" : initial.detectedIsa);
    }
  });
});

afterAll(() => {
  setGemmIsa(initial.isa);
});
