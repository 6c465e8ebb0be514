/**
 * Disposing operands while an async product runs must not free their memory under the kernel:
 * the product still completes with the right values. (Kept apart from the other matmul tests
 * because a failure here can crash the test process.)
 */
import { describe, expect, it } from "vitest";

import { Tensor, matmulAsync, nativeMemory } from "../../src/index.js";

function filled(shape: [number, number], seed: number): Tensor<"float64"> {
  const t = Tensor.empty(shape, "float64");
  const d = t.data();
  for (let i = 0; i < d.length; i++) d[i] = ((i * 7 + seed) % 23) - 11;
  return t;
}

describe("matmulAsync with operands disposed mid-product", () => {
  it("completes with the right values and then frees the operands", async () => {
    const [m, n, k] = [600, 300, 800];
    const a = filled([m, k], 1);
    const b = filled([k, n], 2);
    const ad = Float64Array.from(a.data());
    const bd = Float64Array.from(b.data());
    const held = nativeMemory().bytes;
    const pending = matmulAsync(a, b);
    a.dispose();
    b.dispose();
    expect(a.data).toThrow();
    using c = await pending;
    const cd = c.data();
    // Integer entries: the float64 result is exact.
    for (const i of [0, 1, 299, m - 1]) {
      for (const j of [0, 7, n - 1]) {
        let s = 0;
        for (let p = 0; p < k; p++) s += (ad[i * k + p] as number) * (bd[p * n + j] as number);
        expect(cd[i * n + j]).toBe(s);
      }
    }
    // The operands' bytes are gone once the product settled; only the result remains.
    expect(nativeMemory().bytes).toBe(held - (m * k + k * n) * 8 + m * n * 8);
  });
});
