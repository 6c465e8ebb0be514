/** Run options for memory: the memo cache budget, the leak check and a run-wide disposer. */
import { afterEach, describe, expect, it } from "vitest";
import { clearMemoCache, isMemoCached, memo, parametrize, product, run, benchmark } from "nnbench";

const MiB = 1024 * 1024;
afterEach(() => clearMemoCache());

/** A memo whose value is `mib` MiB of touched JavaScript memory, recording loads and releases. */
function arrayMemo(name: string, mib: number, log: string[]) {
  return memo(
    () => {
      log.push(`load ${name}`);
      return { data: new Uint8Array(mib * MiB).fill(1), release: () => void log.push(`release ${name}`) };
    },
    name,
  );
}

describe("maxMemoBytes", () => {
  it("evicts the least recently used memo that no pending benchmark needs before loading another", async () => {
    const log: string[] = [];
    const a = arrayMemo("a", 48, log);
    const b = arrayMemo("b", 48, log);
    const c = arrayMemo("c", 48, log);
    // With evict: "manual" nothing is evicted after its last use; only the budget makes room.
    const fam = parametrize([{ m: a }, { m: b }, { m: a }, { m: c }])(function use({ m }: { m: { data: Uint8Array } }) {
      return m.data[0];
    });
    const r = await run([fam], { evict: "manual", maxMemoBytes: "100MiB" });
    expect(r.benchmarks.every((x) => !x.error_occurred)).toBe(true);
    // Loading c would pass 100 MiB: b (used before a's second use, and needed by nothing pending) goes first.
    expect(log).toEqual(["load a", "load b", "release b", "load c"]);
    expect(isMemoCached(a)).toBe(true);
    expect(isMemoCached(c)).toBe(true);
  });

  it("rejects a budget it cannot read", async () => {
    await expect(run([benchmark(() => 1)], { maxMemoBytes: "lots" })).rejects.toThrow(/maxMemoBytes/);
  });
});

describe("leak check", () => {
  const leaked: Uint8Array[] = [];
  afterEach(() => void leaked.splice(0));

  it("reports memory a benchmark leaves behind after eviction and GC, and failOnLeak makes it an error", async () => {
    const leaky = benchmark(function leaky() {
      leaked.push(new Uint8Array(64 * MiB).fill(1));
      return 1;
    });
    const clean = benchmark(function clean() {
      return new Uint8Array(64 * MiB).fill(1)[0];
    });
    const r = await run([leaky, clean]);
    expect(r.benchmarks[0]!.memory!.retained_bytes).toBeGreaterThan(60 * MiB);
    expect(r.benchmarks[0]!.error_occurred).toBe(false);
    expect(r.benchmarks[1]!.memory!.retained_bytes).toBeUndefined();

    leaked.splice(0);
    const strict = await run([leaky, clean], { failOnLeak: true });
    expect(strict.benchmarks.map((x) => x.error_occurred)).toEqual([true, false]);
    expect(strict.benchmarks[0]!.error_message).toMatch(/^memory leak: .* retained after tearDown, eviction and garbage collection/);
  });

  it("does not count a memo that stays cached for a later benchmark", async () => {
    const log: string[] = [];
    const m = arrayMemo("kept", 64, log);
    const fam = product({ m: [m], n: [1, 2] })(function use({ m, n }: { m: { data: Uint8Array }; n: number }) {
      return m.data[0]! + n;
    });
    const r = await run([fam]);
    expect(r.benchmarks.map((x) => x.memory!.retained_bytes)).toEqual([undefined, undefined]);
    expect(log).toEqual(["load kept", "release kept"]);
  });
});

describe("a run's disposer", () => {
  it("frees evicted values instead of their own dispose methods", async () => {
    const log: string[] = [];
    const m = arrayMemo("x", 1, log);
    await run([parametrize([{ m }])(function use({ m }: { m: unknown }) { return m !== undefined; })], {
      disposer: () => void log.push("run disposer"),
    });
    expect(log).toEqual(["load x", "run disposer"]);
  });
});
