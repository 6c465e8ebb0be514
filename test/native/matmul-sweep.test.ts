/**
 * Every shape m, n, k from 1 to 70 against an exact reference, on every instruction set this
 * machine runs. Entries are small integers, so every partial sum is exact in float32 and the
 * kernel's result must equal the reference bit for bit, whatever its summation order.
 */
import { afterAll, describe, expect, it } from "vitest";

import { Tensor, gemmInfo, matmul, setGemmIsa, type GemmIsa } from "../../src/index.js";

const N = 70;
const f = (i: number, p: number): number => ((i * 7 + p * 3) % 17) - 8;
const g = (p: number, j: number): number => ((p * 5 + j * 11) % 13) - 6;

// prefix[(i * N + j) * (N + 1) + k] = sum over p < k of f(i, p) * g(p, j), exactly.
const prefix = new Float64Array(N * N * (N + 1));
for (let i = 0; i < N; i++) {
  for (let j = 0; j < N; j++) {
    let s = 0;
    for (let k = 0; k <= N; k++) {
      prefix[(i * N + j) * (N + 1) + k] = s;
      if (k < N) s += f(i, k) * g(k, j);
    }
  }
}

const initialIsa = gemmInfo().isa;
afterAll(() => {
  setGemmIsa(initialIsa);
});

interface Operands {
  a: Tensor[][];
  b: Tensor[][];
  c: Tensor[][];
}
const built = new Map<string, Operands>();
afterAll(() => {
  for (const { a, b, c } of built.values()) for (const t of [...a, ...b, ...c].flat()) t?.dispose();
});

/** a[r][s] holds f and b[r][s] holds g as r x s matrices; c[r][s] is an r x s output. */
function operands(dtype: "float32" | "float64"): Operands {
  const cached = built.get(dtype);
  if (cached) return cached;
  const a: Tensor[][] = [];
  const b: Tensor[][] = [];
  const c: Tensor[][] = [];
  for (let r = 1; r <= N; r++) {
    a[r] = [];
    b[r] = [];
    c[r] = [];
    for (let s = 1; s <= N; s++) {
      const av = new Array<number>(r * s);
      const bv = new Array<number>(r * s);
      for (let i = 0; i < r; i++) {
        for (let p = 0; p < s; p++) {
          av[i * s + p] = f(i, p);
          bv[i * s + p] = g(i, p);
        }
      }
      a[r]![s] = Tensor.fromArray(av, [r, s], dtype);
      b[r]![s] = Tensor.fromArray(bv, [r, s], dtype);
      c[r]![s] = Tensor.empty([r, s], dtype);
    }
  }
  built.set(dtype, { a, b, c });
  return { a, b, c };
}

/** Runs the sweep for every k, or every `kStep`-th k; returns the number of wrong elements. */
function sweep(dtype: "float32" | "float64", kStep: number): number {
  const { a, b, c } = operands(dtype);
  let wrong = 0;
  for (let m = 1; m <= N; m++) {
    for (let n = 1; n <= N; n++) {
      const out = c[m]![n]!;
      const got = out.data() as Float32Array | Float64Array;
      for (let k = 1; k <= N; k += kStep) {
        const returned = matmul(a[m]![k]!, b[k]![n]!, { out });
        if (returned !== out) wrong++;
        for (let i = 0; i < m; i++) {
          const row = i * n;
          const ref = i * N * (N + 1) + k;
          for (let j = 0; j < n; j++) {
            if (got[row + j] !== prefix[ref + j * (N + 1)]) wrong++;
          }
        }
      }
    }
  }
  return wrong;
}

describe("matmul sweep, m, n, k = 1..70", () => {
  const { availableIsas, detectedIsa } = gemmInfo();
  // Every k for float32 on the kernel products use by default; every seventh k otherwise, which
  // still covers every edge-tile shape of m and n.
  for (const isa of availableIsas as GemmIsa[]) {
    for (const dtype of ["float32", "float64"] as const) {
      const kStep = isa === detectedIsa && dtype === "float32" ? 1 : 7;
      it(`${dtype} on ${isa}${kStep > 1 ? ` (k = 1, ${1 + kStep}, ...)` : ""}`, () => {
        expect(setGemmIsa(isa)).toBe(true);
        expect(sweep(dtype, kStep)).toBe(0);
      });
    }
  }
});
