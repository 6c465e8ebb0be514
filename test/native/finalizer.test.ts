import { describe, expect, it } from "vitest";

import { Tensor, nativeMemory } from "../../src/index.js";

// vitest runs these files with --expose-gc.
const gc = (globalThis as { gc?: () => void }).gc;

async function collect(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    gc?.();
    // Node runs Node-API finalizers after the collection, from the event loop.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe.runIf(gc)("finalizer", () => {
  it("frees a tensor that was never disposed once it is unreachable", async () => {
    const before = nativeMemory().bytes;
    (() => {
      Tensor.zeros([1 << 20]); // 4 MiB, forgotten
    })();
    expect(nativeMemory().bytes).toBe(before + 4 * 2 ** 20);
    await collect();
    expect(nativeMemory().bytes).toBe(before);
  });

  it("frees a tensor that was viewed and forgotten, views and all", async () => {
    const before = nativeMemory();
    (() => {
      const t = Tensor.zeros([1 << 18]); // 1 MiB
      t.data()[0] = 1;
      t.toNdarray();
    })();
    expect(nativeMemory().bytes).toBe(before.bytes + 2 ** 20);
    await collect();
    expect(nativeMemory().bytes).toBe(before.bytes);
    expect(nativeMemory().tensors).toBe(before.tensors);
  });

  it("keeps the memory while a view is reachable, even after the tensor is gone", async () => {
    const before = nativeMemory().bytes;
    let view: Float32Array | undefined = (() => {
      const t = Tensor.fromArray(new Float32Array(1024).fill(3));
      return t.data() as Float32Array;
    })();
    await collect();
    expect(nativeMemory().bytes).toBe(before + 4096);
    expect(view.length).toBe(1024);
    expect(view.reduce((a, b) => a + b, 0)).toBe(3072);
    view = undefined;
    await collect();
    expect(nativeMemory().bytes).toBe(before);
  });

  it("does not free twice when a disposed tensor is collected", async () => {
    const before = nativeMemory();
    (() => {
      const t = Tensor.zeros([256]);
      t.dispose();
    })();
    await collect();
    expect(nativeMemory().bytes).toBe(before.bytes);
    expect(nativeMemory().tensors).toBe(before.tensors);
  });
});
