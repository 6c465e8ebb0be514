import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { collect, CollectError, FixtureError, ParameterError, run, benchmark, isBenchmark } from "nnbench";

const root = fileURLToPath(new URL("../data/framework/collect", import.meta.url));
const calls = () => ((globalThis as { __nnbenchFixtureCalls?: Record<string, number> }).__nnbenchFixtureCalls ??= {});

afterEach(() => {
  for (const k of Object.keys(calls())) delete calls()[k];
});

describe("collect()", () => {
  it("imports every .ts/.mts/.js/.mjs file in a tree, sorted, in declaration order, skipping node_modules, dot-folders and conf files", async () => {
    const found = await collect(root);
    expect(found.map((b) => b.name)).toEqual(["multiply", "pow", "matmul_sum", "failing", "needs_missing", "sum3", "grid"]);
    expect(found.find((b) => b.name === "multiply")!.origin).toEqual({ file: `${root}/models.ts`, root });
    expect(found.find((b) => b.name === "sum3")!.origin!.file).toBe(`${root}/sub/nested.mjs`);
  });

  it("filters by tags", async () => {
    expect((await collect(root, { tags: ["fast", "grid"] })).map((b) => b.name)).toEqual(["multiply", "grid"]);
  });

  it("collects a single file and a module object", async () => {
    expect((await collect(`${root}/sub/nested.mjs`)).map((b) => b.name)).toEqual(["sum3", "grid"]);
    const bm = benchmark(() => 1, { name: "inline" });
    const found = await collect({ bm, other: 1, list: [bm] });
    expect(found).toHaveLength(1);
    expect(isBenchmark(found[0])).toBe(true);
    expect(found[0]!.origin).toBeUndefined();
  });

  it("fails clearly for a missing path or a non-source file", async () => {
    await expect(collect(`${root}/nope`)).rejects.toThrow(CollectError);
    await expect(collect(`${root}/notes.txt`)).rejects.toThrow(/not a .ts/);
  });
});

describe("run() with fixtures from conf files", () => {
  it("supplies parameters from conf files beside the benchmark and in parent directories", async () => {
    const result = await run(await collect(root, { tags: ["fast", "matmul", "grid"] }), { name: "fx" });
    expect(result.benchmarks.map((r) => [r.name, r.parameters, r.value])).toEqual([
      ["multiply", { a: 2, b: 10 }, 20],
      ["matmul_sum_n=16", { n: 16 }, 256],
      ["matmul_sum_n=64", { n: 64 }, 4096],
      ["grid_x=1", { x: 1, c: 6 }, 6],
      ["grid_x=2", { x: 2, c: 6 }, 12],
    ]);
  });

  it("resolves fixtures that take fixtures, each computed once per directory", async () => {
    const all = await collect(root);
    const result = await run(all.filter((b) => b.name !== "needs_missing"));
    const byName = Object.fromEntries(result.benchmarks.map((r) => [r.name, r]));
    expect(byName.pow!.value).toBe(1024);
    // sub/conf.mjs extends b (10 + 1) and derives c from the root's a.
    expect(byName.sum3!.parameters).toEqual({ a: 2, b: 11, c: 6 });
    expect(byName.sum3!.value).toBe(19);
    expect(byName.failing).toMatchObject({ error_occurred: true, error_message: "this benchmark always fails (a=2)" });
    expect(calls()).toEqual({ a: 1, b: 1 });
  });

  it("run parameters take precedence over fixtures", async () => {
    const result = await run(await collect(root, { tags: ["fast"] }), { params: { a: 3 } });
    expect(result.benchmarks[0]!.parameters).toEqual({ a: 3, b: 10 });
  });

  it("a parameter that neither run params nor any conf file supplies is a ParameterError naming it", async () => {
    const err = await run(await collect(root, { tags: ["missing"] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParameterError);
    expect((err as ParameterError).parameter).toBe("nowhere");
    expect((err as Error).message).toMatch(/needs_missing requires parameter "nowhere".*conf\.\* files/);
  });
});

describe("one nnbench per process", () => {
  it("runs benchmarks, families and memos made by a second copy of the modules", async () => {
    const corePath = "../../src/define/benchmark.ts?second-copy";
    const memoPath = "../../src/define/memo.ts?second-copy";
    const core = (await import(/* @vite-ignore */ corePath)) as typeof import("../../src/define/benchmark.js");
    const memoCopy = (await import(/* @vite-ignore */ memoPath)) as typeof import("../../src/define/memo.js");
    const m = memoCopy.memo(() => ({ w: 3, dispose() {} }), "w3");
    const bm = core.benchmark(({ k }: { k: number }) => k + 1, { name: "copy" });
    const fam = core.product({ model: [m] })(function viaCopy({ model }: { model: { w: number } }) {
      return model.w;
    });
    expect(isBenchmark(bm)).toBe(true);
    expect(await collect({ bm, fam })).toHaveLength(2);
    const r = await run([bm, fam], { params: { k: 1 } });
    expect(r.benchmarks.map((x) => [x.name, x.value, x.parameters])).toEqual([
      ["copy", 2, { k: 1 }],
      ["viaCopy_model=w3", 3, { model: "w3" }],
    ]);
  });
});

describe("fixture errors", () => {
  it("reports a failing fixture and a cycle", async () => {
    const dir = fileURLToPath(new URL("../data/framework/fixture-errors", import.meta.url));
    await expect(run(await collect(`${dir}/broken.ts`))).rejects.toThrow(FixtureError);
    await expect(run(await collect(`${dir}/broken.ts`))).rejects.toThrow(/fixture broken in .*conf\.ts failed: no data here/);
    await expect(run(await collect(`${dir}/cycle.ts`))).rejects.toThrow(/cycle: ping -> pong -> ping/);
  });
});
