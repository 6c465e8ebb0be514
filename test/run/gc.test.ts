/**
 * The collection before a run: always full by default; "as-needed" collects only the garbage made since
 * the last full collection, and only as far as it has to. Real V8 collections, observed through the heap
 * and external memory figures they change.
 */
import { describe, expect, it } from "vitest";
import { collectBeforeRun, fullGc, GC_SLACK_BYTES } from "../../src/run/gc.js";
import { benchmark, run } from "nnbench";

function held(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** An array of 8 bytes per element, 8 times the slack: a large object, allocated in the young generation. */
function bigArray(): number[] {
  return new Array<number>(GC_SLACK_BYTES).fill(1);
}

/** Where {@link churn} keeps its latest object, so that none can be optimized away. */
let latest: unknown;

/** Allocates short-lived objects (some 100 MB) until the young generation has been collected many times over. */
function churn(): number {
  for (let i = 0; i < 2_000_000; i++) latest = { i, pair: [i, i + 1] };
  return (latest as { i: number }).i;
}

describe("the collection before a run", () => {
  it("is full by default, however little there is to collect", async () => {
    await fullGc();
    expect(await collectBeforeRun("full")).toBe("full");
  });

  it("as needed: collects nothing when little was allocated since the last full collection", async () => {
    await fullGc();
    expect(await collectBeforeRun("as-needed")).toBe("none");
  });

  it("as needed: collects the young generation when the garbage is there", async () => {
    await fullGc();
    let garbage: number[] | undefined = bigArray();
    expect(garbage.length).toBe(GC_SLACK_BYTES);
    garbage = undefined;
    const before = held();
    expect(await collectBeforeRun("as-needed")).toBe("young");
    expect(before - held()).toBeGreaterThan(GC_SLACK_BYTES);
  });

  it("as needed: collects the whole heap when the garbage outlived young collections", async () => {
    await fullGc();
    let garbage: number[] | undefined = bigArray();
    expect(churn()).toBeGreaterThan(0); // the array survives young collections and is promoted
    garbage.fill(2);
    garbage = undefined;
    const before = held();
    expect(await collectBeforeRun("as-needed")).toBe("full");
    expect(before - held()).toBeGreaterThan(GC_SLACK_BYTES);
  });

  it("as needed: cannot see garbage that was alive at the last full collection", async () => {
    let garbage: number[] | undefined = bigArray();
    await fullGc();
    expect(garbage.length).toBe(GC_SLACK_BYTES);
    garbage = undefined;
    expect(await collectBeforeRun("as-needed")).toBe("none");
  });

  it("run() takes the choice, and refuses another", async () => {
    const b = benchmark(function answer(): number {
      return 42;
    });
    const result = await run([b], { gcBeforeRun: "as-needed" });
    expect(result.benchmarks.map((r) => [r.name, r.value])).toEqual([["answer", 42]]);
    await expect(run([b], { gcBeforeRun: "sometimes" as "full" })).rejects.toThrow(/gcBeforeRun must be "full" or "as-needed", got sometimes/);
  });
});
