/**
 * Products with bfloat16 / float16 weights (the left operand) and a float32 right operand, against
 * a float64 reference computed here from the weights' exact values, within the bounds the README
 * documents: |C - C_ref| <= (k * 2^-23 + d) * sum_p |a_ip| |b_pj|, where d = 2^-8 when the path
 * rounds B to bfloat16 (the AVX512_BF16 pairs path) and 0 otherwise.
 */
import { afterAll, describe, expect, it } from "vitest";

import { DTypeError, Tensor, gemmInfo, matmul, matmulAsync, setGemmIsa, setNumThreads, getNumThreads } from "../../src/index.js";

const initialIsa = gemmInfo().isa;
const initialThreads = getNumThreads();
afterAll(() => {
  setGemmIsa(initialIsa);
  setNumThreads(initialThreads);
});

let state = 12345;
function random(): number {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return state / 2 ** 32 - 0.5;
}

function randomTensor(shape: number[]): Tensor<"float32"> {
  const t = Tensor.empty(shape);
  const d = t.data();
  for (let i = 0; i < d.length; i++) d[i] = random() * 4;
  return t;
}

/** Checks C = A16 @ B against the float64 product of A16's exact values, within the bound. */
function check(a16: Tensor, b: Tensor<"float32">, c: Tensor, roundsB: boolean): void {
  using wide = a16.astype("float64");
  const a = wide.data() as Float64Array;
  const bv = b.data();
  const cv = c.data() as Float32Array;
  const [m, k] = a16.ndim === 1 ? [1, a16.shape[0]!] : [a16.shape[0]!, a16.shape[1]!];
  const n = b.ndim === 1 ? 1 : b.shape[1]!;
  const slack = k * 2 ** -23 + (roundsB ? 2 ** -8 : 0);
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let exact = 0;
      let magnitude = 0;
      for (let p = 0; p < k; p++) {
        const term = a[i * k + p]! * bv[p * n + j]!;
        exact += term;
        magnitude += Math.abs(term);
      }
      const error = Math.abs(cv[i * n + j]! - exact);
      worst = Math.max(worst, error / (slack * magnitude + 1e-30));
    }
  }
  expect(worst).toBeLessThanOrEqual(1);
}

// The fixtures' matmul shapes (m x n x k) and few-column shapes around the kernel's edges.
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [7, 5, 3], [64, 48, 32], [127, 129, 131], [300, 1, 200], [512, 1, 512], [1, 512, 512], [256, 256, 256],
  [33, 2, 65], [70, 3, 31], [41, 4, 97], [9, 7, 33], [100, 8, 129], [19, 9, 64], [66, 12, 300], [35, 16, 257], [21, 17, 45], [40, 64, 70],
  // Few columns deeper than one block of inner products (B's share of a block fills L1).
  [37, 8, 5000], [13, 16, 2113], [21, 3, 9000],
  // More rows than one band of the two column groups (and a short last band).
  [250, 13, 700],
  // Wide products deeper than one depth block of the blocked paths, with an odd last block.
  [29, 40, 4201],
];

describe.each(gemmInfo().availableIsas)("16-bit weights on the %s path", (isa) => {
  for (const weights of ["bfloat16", "float16"] as const) {
    it(`${weights} @ float32 is within the documented bound on every shape, 1 and 2 threads`, () => {
      expect(setGemmIsa(isa)).toBe(true);
      for (const threads of [1, 2]) {
        setNumThreads(threads);
        for (const [m, n, k] of SHAPES) {
          using a32 = randomTensor([m, k]);
          using a16 = a32.astype(weights);
          using b = randomTensor(n === 1 ? [k] : [k, n]);
          using c = matmul(a16, b);
          expect(c.dtype).toBe("float32");
          expect(c.shape).toEqual(n === 1 ? [m] : [m, n]);
          const path = n <= 16 ? gemmInfo().halfWeights[weights].fewColumns : gemmInfo().halfWeights[weights].wide;
          check(a16, b, c, path.includes("pairs"));
        }
      }
    });
  }
});

describe("16-bit weights", () => {
  it("reports the paths, works async and in batches, and refuses other mixes", async () => {
    const info = gemmInfo().halfWeights;
    expect(Object.keys(info).sort()).toEqual(["bfloat16", "float16"]);
    expect(info.float16.wide).toBe("float32 kernel, converted while packed");
    expect(["float32 kernel, converted while packed", "avx512bf16 pairs"]).toContain(info.bfloat16.wide);
    using a32 = randomTensor([3, 40, 24]);
    using a16 = a32.astype("bfloat16");
    using b = randomTensor([24, 5]);
    using c = await matmulAsync(a16, b);
    expect(c.shape).toEqual([3, 40, 5]);
    for (let s = 0; s < 3; s++) {
      using one16 = Tensor.fromArray(a16.data().slice(s * 960, (s + 1) * 960), [40, 24], "bfloat16");
      using cs = Tensor.fromArray((c.data() as Float32Array).slice(s * 200, (s + 1) * 200), [40, 5]);
      check(one16, b, cs, info.bfloat16.fewColumns.includes("pairs"));
    }
    using b64 = Tensor.zeros([24, 5], "float64");
    expect(() => matmul(a16 as Tensor, b64 as Tensor)).toThrow(DTypeError);
    expect(() => matmul(b as Tensor, a16 as Tensor)).toThrow(DTypeError);
  });
});
