/**
 * Tensors in `worker_threads`: each worker loads its own instance of the addon, its tensors work
 * as on the main thread, and whatever a worker still holds when it exits is freed by the addon's
 * environment cleanup (termination mid-operation: worker-terminate.test.ts). The figures of
 * `nativeMemory()` are process-wide, so the main thread sees them return to their baseline.
 */
import { Worker } from "node:worker_threads";

import { describe, expect, it } from "vitest";

import { Tensor, loadNpySync, nativeMemory } from "../../src/index.js";
import { fixture } from "../helpers/fixtures.js";
import { workerSource } from "./worker-support.js";

/**
 * Starts a worker that imports nnbench and runs `body`, an async function body with `nn` (the
 * package), `post` (to the main thread) and `workerData` in scope. The body's resolution is posted
 * as `{ done: value }`.
 */
function startWorker(body: string, workerData: unknown = undefined): Worker {
  const code = workerSource(`const value = await (async () => { ${body} })();\n      post({ done: value });`);
  return new Worker(code, { eval: true, workerData });
}

interface Outcome {
  messages: unknown[];
  exitCode: number;
}

function finish(worker: Worker, onMessage?: (message: unknown, worker: Worker) => void): Promise<Outcome> {
  const messages: unknown[] = [];
  return new Promise((resolve, reject) => {
    worker.on("message", (message: unknown) => {
      messages.push(message);
      if (message && typeof message === "object" && "failed" in message) reject(new Error(String(message.failed)));
      onMessage?.(message, worker);
    });
    worker.on("error", reject);
    worker.on("exit", (exitCode) => resolve({ messages, exitCode }));
  });
}

function doneValue<T>(outcome: Outcome): T {
  const done = outcome.messages.find((m): m is { done: T } => typeof m === "object" && m !== null && "done" in m);
  if (!done) throw new Error(`worker posted no result: ${JSON.stringify(outcome.messages)}`);
  return done.done;
}

describe("tensors in worker threads", () => {
  it("work in a worker: create, view, matmul, load, dispose", async () => {
    const base = nativeMemory();
    const outcome = await finish(
      startWorker(
        `
        const a = nn.Tensor.fromArray([1, 2, 3, 4], [2, 2], "float64");
        const b = nn.Tensor.fromArray([5, 6, 7, 8], [2, 2], "float64");
        const c = a.matmul(b);
        const d = await a.matmulAsync(b);
        const loaded = nn.loadNpySync(workerData.npy);
        const result = { c: [...c.data()], d: [...d.data()], loadedSum: loaded.sum(), held: nn.nativeMemory().bytes };
        for (const t of [a, b, c, d, loaded]) t.dispose();
        return result;
        `,
        { npy: fixture("npy/float32_2d_37x53.npy") },
      ),
    );
    expect(outcome.exitCode).toBe(0);
    const value = doneValue<{ c: number[]; d: number[]; loadedSum: number; held: number }>(outcome);
    expect(value.c).toEqual([19, 22, 43, 50]);
    expect(value.d).toEqual([19, 22, 43, 50]);
    expect(nativeMemory().bytes).toBe(base.bytes);
    expect(nativeMemory().tensors).toBe(base.tensors);
    using same = loadNpySync(fixture("npy/float32_2d_37x53.npy"));
    expect(value.loadedSum).toBe(same.sum());
  });

  it("frees what a worker never disposed when it exits", async () => {
    const base = nativeMemory();
    const outcome = await finish(
      startWorker(`
        globalThis.kept = [];
        for (let i = 0; i < 16; i++) globalThis.kept.push(nn.Tensor.zeros([64 * 1024 + i], "float32"));
        globalThis.view = globalThis.kept[0].data();
        return nn.nativeMemory();
      `),
    );
    expect(outcome.exitCode).toBe(0);
    const inside = doneValue<{ bytes: number; tensors: number }>(outcome);
    let expected = 0;
    for (let i = 0; i < 16; i++) expected += (64 * 1024 + i) * 4;
    expect(inside.bytes - base.bytes).toBe(expected);
    expect(inside.tensors - base.tensors).toBe(16);
    // The worker has exited: its environment cleanup freed every block it still held.
    expect(nativeMemory().bytes).toBe(base.bytes);
    expect(nativeMemory().tensors).toBe(base.tensors);
  });

  it("several workers allocate and exit concurrently while the main thread works", async () => {
    const base = nativeMemory();
    const workers = Array.from({ length: 4 }, (_, i) =>
      finish(
        startWorker(
          `
          const kept = [];
          for (let j = 0; j < 50; j++) {
            const t = nn.Tensor.fromArray(new Float64Array(1000).fill(workerData.i + j), [10, 100]);
            const p = await t.matmulAsync(nn.Tensor.zeros([100, 3], "float64"));
            if (j % 2 === 0) t.dispose(); else kept.push(t);
            p.dispose();
          }
          globalThis.kept = kept;
          return kept.length;
          `,
          { i },
        ),
      ),
    );
    const mainTensors: Tensor[] = [];
    for (let j = 0; j < 200; j++) mainTensors.push(Tensor.zeros([257]));
    const outcomes = await Promise.all(workers);
    for (const outcome of outcomes) {
      expect(outcome.exitCode).toBe(0);
      expect(doneValue<number>(outcome)).toBe(25);
    }
    expect(nativeMemory().bytes).toBe(base.bytes + 200 * 257 * 4);
    for (const t of mainTensors) t.dispose();
    expect(nativeMemory().bytes).toBe(base.bytes);
    expect(nativeMemory().tensors).toBe(base.tensors);
  });

  it("posting a tensor's view to a worker copies it: disposing the tensor cannot free the copy", async () => {
    const t = Tensor.fromArray(new Float32Array(4096).fill(2.5));
    const view = t.data();
    const worker = startWorker(`
      return await new Promise((resolve) => {
        require("node:worker_threads").parentPort.once("message", (v) => {
          // Read after the main thread disposed the tensor.
          setTimeout(() => resolve({ length: v.length, sum: v.reduce((s, x) => s + x, 0) }), 50);
        });
      });
    `);
    const result = finish(worker);
    worker.postMessage(view, [view.buffer as ArrayBuffer]);
    // The view stays attached on this side (external memory is never transferred)...
    expect(view.length).toBe(4096);
    view[0] = 100;
    t.dispose();
    // ...and the worker got a copy taken before the write and the dispose.
    const outcome = await result;
    expect(doneValue<{ length: number; sum: number }>(outcome)).toEqual({ length: 4096, sum: 4096 * 2.5 });
  });
});
