import { afterEach, describe, expect, it, vi } from "vitest";
import {
  benchmark,
  cachedMemo,
  clearMemoCache,
  ContextKeyError,
  isMemoCached,
  Memo,
  memoCacheSize,
  ParameterError,
  parametrize,
  product,
  run,
  Tensor,
  type BenchmarkRecord,
  type State,
} from "nnbench";
import { Resource as CountedResource } from "../helpers/resource.js";

class Resource extends CountedResource<string> {}

const events: string[] = [];

class ResourceMemo extends Memo<Resource> {
  constructor(readonly id: string) {
    super();
  }
  @cachedMemo
  call(): Resource {
    events.push(`load ${this.id}`);
    return new Resource(this.id);
  }
  override toString(): string {
    return this.id;
  }
}

class FailingMemo extends Memo<Resource> {
  @cachedMemo
  call(): Resource {
    throw new Error("cannot load");
  }
}

function byName(records: BenchmarkRecord[], name: string): BenchmarkRecord {
  const r = records.find((x) => x.name === name);
  if (r === undefined) throw new Error(`no record ${name}`);
  return r;
}

afterEach(() => {
  events.length = 0;
  clearMemoCache();
  vi.restoreAllMocks();
});

describe("run()", () => {
  it("returns nnbench-shaped records and goes on after a failing benchmark", async () => {
    const mul = benchmark(function multiply({ a, b }: { a: number; b: number }) {
      return a * b;
    }, { tags: ["fast"], description: "Multiplies two integers." });
    const failing = benchmark(function fails({ a }: { a: number }): number {
      throw new Error(`this benchmark always fails (${a})`);
    });
    let inner = 0n;
    const pow = benchmark(async function power({ a, b }: { a: number; b: number }) {
      const t0 = process.hrtime.bigint();
      await new Promise((r) => setTimeout(r, 1));
      inner = process.hrtime.bigint() - t0;
      return a ** b;
    });
    const before = Math.floor(Date.now() / 1000);
    const result = await run([mul, failing, pow], { name: "r1", params: { a: 2, b: 10 }, context: { host: "ci" } });
    expect(result.run).toBe("r1");
    expect(result.context).toEqual({ host: "ci" });
    expect(result.timestamp).toBeGreaterThanOrEqual(before);
    expect(result.partial).toBeUndefined();
    expect(result.benchmarks.map((r) => r.name)).toEqual(["multiply", "fails", "power"]);
    const [m, f, p] = result.benchmarks;
    expect(m).toMatchObject({
      name: "multiply",
      function: "multiply",
      description: "Multiplies two integers.",
      error_occurred: false,
      error_message: "",
      parameters: { a: 2, b: 10 },
      value: 20,
      tags: ["fast"],
    });
    expect(m!.time_ns).toBeGreaterThan(0);
    expect(f).toMatchObject({ error_occurred: true, error_message: "this benchmark always fails (2)", error_kind: "error", parameters: { a: 2 } });
    expect(f).not.toHaveProperty("value");
    expect(p).toMatchObject({ value: 1024, error_occurred: false });
    expect(p!.time_ns).toBeGreaterThanOrEqual(Number(inner)); // the timed span encloses the awaited work
    for (const r of result.benchmarks) {
      expect(Object.keys(r.memory!).sort()).toEqual([
        "external_peak_bytes", "heap_peak_bytes", "heap_used_delta_bytes", "native_delta_bytes", "native_peak_bytes",
        "rss_end_bytes", "rss_method", "rss_peak_bytes", "rss_start_bytes",
      ]);
    }
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it("generates a run name when none is given", async () => {
    const r = await run([benchmark(() => 1)]);
    expect(r.run).toMatch(/^nnbench-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
  });

  it("filters by tags", async () => {
    const a = benchmark(() => 1, { name: "a", tags: ["fast"] });
    const b = benchmark(() => 2, { name: "b", tags: ["slow"] });
    const fam = parametrize([{ n: 1 }], { tags: ["fast", "matmul"] })(function mm({ n }: { n: number }) {
      return n;
    });
    const r = await run([a, b, fam], { tags: ["fast"] });
    expect(r.benchmarks.map((x) => x.name)).toEqual(["a", "mm_n=1"]);
    expect((await run([a, b, fam], { tags: ["matmul"] })).benchmarks.map((x) => x.name)).toEqual(["mm_n=1"]);
  });

  it("merges context providers and rejects a duplicate key", async () => {
    const r = await run([benchmark(() => 1)], { context: [() => ({ a: 1 }), async () => ({ b: "x" }), { c: true }] });
    expect(r.context).toEqual({ a: 1, b: "x", c: true });
    await expect(run([benchmark(() => 1)], { context: [() => ({ a: 1 }), () => ({ a: 2 })] })).rejects.toThrow(ContextKeyError);
  });

  it("family values take precedence over run params, which take precedence over defaults", async () => {
    const seen: unknown[] = [];
    const fam = parametrize([{ a: 1 }, { a: 2 }])(function f({ a, b = 5, c = "dflt" }: { a: number; b?: number; c?: string }) {
      seen.push([a, b, c]);
      return a + b;
    });
    const r = await run([fam], { params: { a: 100, b: 7 } });
    expect(seen).toEqual([[1, 7, "dflt"], [2, 7, "dflt"]]);
    // Literal defaults are recorded too.
    expect(r.benchmarks.map((x) => x.parameters)).toEqual([{ a: 1, b: 7, c: "dflt" }, { a: 2, b: 7, c: "dflt" }]);
  });

  it("a required parameter that nothing supplies fails before anything runs", async () => {
    const ran: string[] = [];
    const ok = benchmark(function ok() {
      ran.push("ok");
    });
    const needing = benchmark(function needs({ data }: { data: number }) {
      ran.push("needs");
      return data;
    });
    const err = await run([ok, needing]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParameterError);
    expect((err as ParameterError).parameter).toBe("data");
    expect((err as ParameterError).benchmark).toBe("needs");
    expect((err as ParameterError).code).toBe("ERR_MISSING_PARAMETER");
    expect(String((err as Error).message)).toMatch(/needs requires parameter "data"/);
    expect(ran).toEqual([]);
  });

  it("checks family members up front, and records a generator member that lacks a parameter", async () => {
    const fn = function g({ a, b }: { a: number; b: number }) {
      return a + b;
    };
    await expect(run([parametrize([{ a: 1, b: 2 }, { a: 3 }] as never)(fn)])).rejects.toThrow(/g\[1\] requires parameter "b"/);
    function* sets() {
      yield { a: 1, b: 2 };
      yield { a: 3 };
    }
    const r = await run([parametrize(sets() as Iterable<{ a: number; b: number }>)(fn)]);
    expect(r.benchmarks.map((x) => [x.name, x.error_occurred, x.error_message])).toEqual([
      ["g_a=1_b=2", false, ""],
      ["g_a=3", true, expect.stringMatching(/g_a=3 requires parameter "b"/)],
    ]);
  });

  it("warns about run parameters that no benchmark takes", async () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    await run([benchmark(({ a }: { a: number }) => a)], { params: { a: 1, typo: 2 } });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/"typo" is not taken/);
  });

  it("calls setUp, the benchmark and tearDown in order with State, tearDown also after errors", async () => {
    const log: string[] = [];
    const states: State[] = [];
    const hook = (what: string) => async (state: State, params: Readonly<Record<string, unknown>>) => {
      states.push(state);
      log.push(`${what} ${state.name} ${String(params.n)}`);
    };
    const fam = parametrize([{ n: 1 }, { n: 2 }, { n: 3 }], { setUp: hook("setUp"), tearDown: hook("tearDown") })(function f({ n }: { n: number }) {
      log.push(`run ${n}`);
      if (n === 2) throw new Error("two");
      return n;
    });
    const r = await run([fam]);
    expect(log).toEqual([
      "setUp f_n=1 1", "run 1", "tearDown f_n=1 1",
      "setUp f_n=2 2", "run 2", "tearDown f_n=2 2",
      "setUp f_n=3 3", "run 3", "tearDown f_n=3 3",
    ]);
    expect(states.filter((_, i) => i % 2 === 0)).toEqual([
      { name: "f_n=1", family: "f", familySize: 3, familyIndex: 0 },
      { name: "f_n=2", family: "f", familySize: 3, familyIndex: 1 },
      { name: "f_n=3", family: "f", familySize: 3, familyIndex: 2 },
    ]);
    expect(r.benchmarks.map((x) => x.error_occurred)).toEqual([false, true, false]);
  });

  it("a failing setUp or tearDown is recorded as the benchmark's error", async () => {
    const torn: string[] = [];
    const a = benchmark(() => 1, { name: "a", setUp: () => { throw new Error("setUp broke"); }, tearDown: (s) => void torn.push(s.name) });
    const b = benchmark(() => 2, { name: "b", tearDown: () => { throw new Error("tearDown broke"); } });
    const r = await run([a, b]);
    expect(r.benchmarks.map((x) => [x.error_occurred, x.error_message])).toEqual([[true, "setUp broke"], [true, "tearDown broke"]]);
    expect(torn).toEqual(["a"]);
  });

  it("resolves memos just before each benchmark, records them by name and auto-evicts after their last use", async () => {
    const m1 = new ResourceMemo("m1");
    const m2 = new ResourceMemo("m2");
    const fam = product({ model: [m1, m2], n: [1, 2] })(function acc({ model, n }: { model: Resource; n: number }) {
      events.push(`run ${model.id} ${n}`);
      return model.id;
    });
    const later = function later({ model }: { model: Resource }) {
      events.push(`later ${model.id}`);
    };
    const r = await run([fam, parametrize([{ model: m1 }])(later)]);
    expect(events).toEqual(["load m1", "run m1 1", "run m1 2", "load m2", "run m2 1", "run m2 2", "later m1"]);
    expect(r.benchmarks.map((x) => x.parameters)).toEqual([
      { model: "m1", n: 1 }, { model: "m1", n: 2 }, { model: "m2", n: 1 }, { model: "m2", n: 2 }, { model: "m1" },
    ]);
    expect(r.benchmarks.map((x) => x.value)).toEqual(["m1", "m1", "m2", "m2", null]);
    expect(memoCacheSize()).toBe(0);
  });

  it("evicts a memo right after its last use with evict: auto, not with manual", async () => {
    const memos = ["a", "b", "c"].map((id) => new ResourceMemo(id));
    const cachedWhile: string[][] = [];
    const fn = function use({ model }: { model: Resource }) {
      cachedWhile.push(memos.filter((m) => isMemoCached(m)).map(String));
      return model.id;
    };
    await run([product({ model: memos })(fn)]);
    expect(cachedWhile).toEqual([["a"], ["b"], ["c"]]);
    expect(memoCacheSize()).toBe(0);

    cachedWhile.length = 0;
    await run([product({ model: memos })(fn)], { evict: "manual" });
    expect(cachedWhile).toEqual([["a"], ["a", "b"], ["a", "b", "c"]]);
    expect(memoCacheSize()).toBe(3);
  });

  it("keeps a memo that a later benchmark or run parameter still uses", async () => {
    const common = new ResourceMemo("common");
    const values: Resource[] = [];
    const a = benchmark(function a({ model }: { model: Resource }) {
      values.push(model);
    });
    const b = benchmark(function b({ model }: { model: Resource }) {
      values.push(model);
    });
    await run([a, benchmark(() => 0, { name: "between" }), b], { params: { model: common } });
    expect(events).toEqual(["load common"]);
    expect(values[0]).toBe(values[1]);
    expect(values[0]!.disposed).toBe(1);
  });

  it("a generator-fed family evicts a memo when the next member no longer uses it", async () => {
    const m1 = new ResourceMemo("g1");
    const m2 = new ResourceMemo("g2");
    function* sets() {
      for (const [model, n] of [[m1, 1], [m1, 2], [m2, 1]] as const) {
        events.push(`yield ${String(model)} ${n}`);
        yield { model, n };
      }
    }
    const fam = parametrize(sets())(function g({ model, n }: { model: Resource; n: number }) {
      events.push(`run ${model.id} ${n} cached=${[m1, m2].filter((m) => isMemoCached(m)).map(String).join(",")}`);
    });
    await run([fam]);
    expect(events).toEqual([
      "yield g1 1", "load g1", "run g1 1 cached=g1",
      "yield g1 2", "run g1 2 cached=g1",
      "yield g2 1", "load g2", "run g2 1 cached=g2",
    ]);
    expect(memoCacheSize()).toBe(0);
  });

  it("a memo that fails to load is recorded as that benchmark's error", async () => {
    const fam = product({ model: [new FailingMemo(), new ResourceMemo("fine")] })(function f({ model }: { model: Resource }) {
      return model.id;
    });
    const r = await run([fam]);
    expect(r.benchmarks.map((x) => [x.error_occurred, x.error_message, x.value])).toEqual([
      [true, "cannot load", undefined],
      [false, "", "fine"],
    ]);
  });

  it("turns parameter values into JSON and never keeps references to them", async () => {
    class Point {
      constructor(readonly x: number) {}
    }
    const t = Tensor.zeros([3, 4], "float32");
    const fam = parametrize([
      {
        t,
        obj: { toJSON: () => ({ k: 1 }) },
        p: new Point(2),
        arr: [1, "a", null],
        big: 2n ** 70n,
        nan: Number.NaN,
        fn: function named() {},
      },
    ])(function j({ t: tensor, obj, p, arr, big, nan, fn }: Record<string, unknown>) {
      return [tensor, obj, p, arr, big, nan, fn].length;
    });
    const r = await run([fam], { jsonifier: (v) => (v instanceof Point ? `Point(${v.x})` : undefined) });
    expect(r.benchmarks[0]!.parameters).toEqual({
      t: "Tensor(float32, [3, 4])",
      obj: { k: 1 },
      p: "Point(2)",
      arr: [1, "a", null],
      big: "1180591620717411303424",
      nan: "NaN",
      fn: "named",
    });
    t.dispose();
  });

  it("repeats and warms up, recording samples and statistics", async () => {
    let calls = 0;
    const bm = benchmark(() => ++calls, { name: "rep", repeat: 5, warmup: 2 });
    const r = await run([bm]);
    expect(calls).toBe(7);
    const rec = r.benchmarks[0]!;
    expect(rec.value).toBe(7);
    expect(rec.samples_ns).toHaveLength(5);
    expect(rec.stats).toBeDefined();
    const sorted = [...rec.samples_ns!].sort((a, b) => a - b);
    expect(rec.time_ns).toBe(sorted[2]);
    expect(rec.stats!.min).toBe(sorted[0]);
    expect(rec.stats!.max).toBe(sorted[4]);
    expect(rec.stats!.median).toBe(rec.time_ns);

    calls = 0;
    const plain = benchmark(() => ++calls, { name: "plain" });
    const r2 = await run([plain, bm], { repeat: 3, warmup: 1 });
    expect(byName(r2.benchmarks, "plain").samples_ns).toHaveLength(3);
    expect(byName(r2.benchmarks, "rep").samples_ns).toHaveLength(5); // the benchmark's own setting wins
    const once = await run([plain]);
    expect(once.benchmarks[0]).not.toHaveProperty("samples_ns");
    expect(once.benchmarks[0]).not.toHaveProperty("stats");
    await expect(run([plain], { repeat: 0 })).rejects.toThrow(RangeError);
    await expect(run([plain], { evict: "sometimes" as never })).rejects.toThrow(TypeError);
  });

  it("abandons an async benchmark after its timeout", async () => {
    const slow = benchmark(() => new Promise((r) => setTimeout(r, 2000)), { name: "slow", timeout: 20 });
    const r = await run([slow, benchmark(() => 1, { name: "next" })]);
    expect(r.benchmarks[0]).toMatchObject({ error_occurred: true, error_kind: "timeout", error_message: "timed out after 20 ms" });
    expect(r.benchmarks[1]).toMatchObject({ error_occurred: false, value: 1 });
  });

  it("reports progress and stops between benchmarks when aborted", async () => {
    const controller = new AbortController();
    const started: string[] = [];
    const ended: string[] = [];
    const fam = parametrize([{ n: 1 }, { n: 2 }, { n: 3 }])(function p({ n }: { n: number }) {
      if (n === 2) controller.abort();
      return n;
    });
    const m = new ResourceMemo("abort");
    const r = await run([fam, benchmark(({ model }: { model: Resource }) => model.id, { name: "after" })], {
      params: { model: m },
      signal: controller.signal,
      onBenchmarkStart: (i) => started.push(`${i.index}:${i.name}:${i.familyIndex}/${i.familySize}`),
      onBenchmarkEnd: (rec) => ended.push(rec.name),
    });
    expect(r.partial).toBe(true);
    expect(r.benchmarks.map((x) => x.name)).toEqual(["p_n=1", "p_n=2"]);
    expect(started).toEqual(["0:p_n=1:0/3", "1:p_n=2:1/3"]);
    expect(ended).toEqual(["p_n=1", "p_n=2"]);
  });

  it("warns once about a memo whose call() is not cached", async () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    let computed = 0;
    class Uncached extends Memo<number> {
      call(): number {
        return ++computed;
      }
    }
    const r = await run([product({ v: [new Uncached(), new Uncached()], n: [1, 2] })(({ v, n }: { v: number; n: number }) => v * n)]);
    expect(computed).toBe(4);
    expect(r.benchmarks.map((x) => x.value)).toEqual([1, 4, 3, 8]);
    const uncached = warn.mock.calls.map((c) => String(c[0])).filter((m) => m.includes("@cachedMemo"));
    expect(uncached).toEqual([expect.stringMatching(/^memo Uncached: call\(\) is not decorated with @cachedMemo/)]);
  });

  it("rejects things that are not benchmarks", async () => {
    await expect(run([42 as never])).rejects.toThrow(TypeError);
  });
});
