/**
 * Terminating a worker while its async products, reads and writes are in flight: the process
 * survives, the operations finish before the worker's memory is freed, and every byte is
 * returned. Each scenario runs in a child process, so a fatal error fails the test instead of
 * taking the test runner down with it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { IMPORT_NNBENCH, workerSource } from "./worker-support.js";

const dir = mkdtempSync(join(tmpdir(), "nnbench-terminate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * In a fresh node process: starts a worker that runs `body` (with `nn` and `post` in scope),
 * terminates it as soon as it posts "started", and prints the exit code and the process-wide
 * native memory before and after.
 */
function terminateMidOperation(body: string): { exitCode: number; before: number; during: number; after: number; tensorsAfter: number } {
  const worker = workerSource(`
      ${body}
      post({ started: nn.nativeMemory().bytes });
      await new Promise(() => {});
  `);
  const main = `
    import { Worker } from "node:worker_threads";
    ${IMPORT_NNBENCH}
    const before = nn.nativeMemory().bytes;
    let during = -1;
    const w = new Worker(${JSON.stringify(worker)}, { eval: true, execArgv: [] });
    w.on("message", (m) => {
      if (m.failed) { console.error(m.failed); process.exit(3); }
      during = m.started;
      void w.terminate();
    });
    const exitCode = await new Promise((resolve) => w.on("exit", resolve));
    const after = nn.nativeMemory();
    console.log(JSON.stringify({ exitCode, before, during, after: after.bytes, tensorsAfter: after.tensors }));
  `;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", main], { encoding: "utf8", timeout: 120_000 });
  if (child.status !== 0) {
    throw new Error(`the process ended with status ${child.status} (signal ${child.signal}):\n${child.stderr.slice(-2000)}`);
  }
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as ReturnType<typeof terminateMidOperation>;
}

describe("terminating a worker mid-operation", () => {
  it("with async products in flight on operands it already disposed", () => {
    const r = terminateMidOperation(`
      const n = 768;
      const a = nn.Tensor.empty([n, n], "float64");
      const b = nn.Tensor.empty([n, n], "float64");
      a.data().fill(1);
      b.data().fill(2);
      globalThis.pending = [0, 1, 2, 3].map(() => a.matmulAsync(b));
      a.dispose();
    `);
    expect(r.exitCode).toBe(1);
    expect(r.during).toBeGreaterThan(r.before);
    expect(r.after).toBe(r.before);
    expect(r.tensorsAfter).toBe(0);
  });

  it("with async loads and saves in flight", () => {
    const r = terminateMidOperation(`
      const big = nn.Tensor.empty([16 << 20], "float32");
      big.data().fill(1.5);
      nn.saveNpySync(${JSON.stringify(join(dir, "big.npy"))}, big);
      const held = nn.nativeMemory().bytes;
      globalThis.pending = [
        nn.loadNpy(${JSON.stringify(join(dir, "big.npy"))}),
        nn.loadNpy(${JSON.stringify(join(dir, "big.npy"))}),
        nn.saveNpy(${JSON.stringify(join(dir, "copy.npy"))}, big),
      ];
      // A load allocates its tensor and queues the read in the same step: once both tensors
      // exist, both reads are on the pool.
      while (nn.nativeMemory().bytes < held + 2 * big.byteLength) await new Promise((resolve) => setImmediate(resolve));
    `);
    expect(r.exitCode).toBe(1);
    expect(r.during).toBeGreaterThan(r.before);
    expect(r.after).toBe(r.before);
    expect(r.tensorsAfter).toBe(0);
  });
});
