import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { classifyDeath } from "../../src/cli/workers.js";
import { readResults } from "../../src/reporter/index.js";
import { DATA, ensureBuilt, interruptRun, nnbench } from "./helpers.js";

beforeAll(ensureBuilt, 300_000);

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), "nnbench-cli-workers-"));
}

describe("classifyDeath", () => {
  it("tells timeouts, out-of-memory deaths and crashes apart", () => {
    expect(classifyDeath(null, "SIGKILL", "", 500)).toEqual({ kind: "timeout", message: "timed out after 500 ms; the child process was killed" });
    expect(classifyDeath(134, null, "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory").kind).toBe("oom");
    expect(classifyDeath(null, "SIGABRT", "terminate called after throwing an instance of 'std::bad_alloc'").kind).toBe("oom");
    expect(classifyDeath(null, "SIGKILL", "").kind).toBe("oom");
    expect(classifyDeath(null, "SIGSEGV", "")).toEqual({ kind: "crash", message: "the child process crashed (signal SIGSEGV)" });
    expect(classifyDeath(3, null, "").message).toBe("the child process crashed (exit code 3)");
  });
});

describe("nnbench run in child processes", () => {
  it("-j 2 records a crashing and a hanging benchmark as errors and keeps every other result", async () => {
    const out = path.join(tmp(), "crash.json");
    const r = await nnbench(["run", path.join(DATA, "crash"), "-j", "2", "--timeout", "3000", "-n", "crashy", "-o", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/segfault: the child process crashed \(signal SIGSEGV\)/);
    const [res] = await readResults(out);
    expect(res!.run).toBe("crashy");
    const by = Object.fromEntries(res!.benchmarks.map((b) => [b.name, b]));
    // Collection order is kept whichever child finished first.
    expect(res!.benchmarks.map((b) => b.name)).toEqual(["first", "before_crash", "segfault", "after_crash", "hangs", "after_hang"]);
    expect(by.first).toMatchObject({ error_occurred: false, value: 1 });
    expect(by.before_crash).toMatchObject({ error_occurred: false, value: 2 });
    expect(by.segfault).toMatchObject({ error_occurred: true, error_kind: "crash", error_message: "the child process crashed (signal SIGSEGV)" });
    expect(by.after_crash).toMatchObject({ error_occurred: false, value: 3 });
    expect(by.hangs).toMatchObject({ error_occurred: true, error_kind: "timeout", error_message: "timed out after 3000 ms; the child process was killed" });
    expect(by.after_hang).toMatchObject({ error_occurred: false, value: 4 });
  }, 180_000);

  it("records an abort as a crash and a heap exhaustion as out of memory", async () => {
    const out = path.join(tmp(), "die.json");
    // A small heap for the children makes the heap benchmark die quickly.
    const r = await nnbench(["run", path.join(DATA, "die"), "-j", "2", "-o", out], { env: { NODE_OPTIONS: "--max-old-space-size=96" } });
    expect(r.code).toBe(1);
    const [res] = await readResults(out);
    expect(res!.benchmarks.map((b) => [b.name, b.error_kind ?? "ok", b.value ?? null])).toEqual([
      ["aborts", "crash", null],
      ["after_abort", "ok", 5],
      ["exhausts_heap", "oom", null],
      ["after_oom", "ok", 6],
    ]);
    expect(res!.benchmarks[0]!.error_message).toBe("the child process crashed (signal SIGABRT)");
    expect(res!.benchmarks[2]!.error_message).toMatch(/^out of memory: the child process died/);
  }, 180_000);

  it("--isolate gives the same results as running in process, fixtures included", async () => {
    const dir = tmp();
    const inProcess = path.join(dir, "in.json");
    const isolated = path.join(dir, "iso.ndjson");
    await nnbench(["run", path.join(DATA, "basic"), "-o", inProcess]);
    const r = await nnbench(["run", path.join(DATA, "basic"), "--isolate", "-o", isolated]);
    expect(r.code).toBe(1);
    const [a] = await readResults(inProcess);
    const [b] = await readResults(isolated);
    const summary = (x: typeof a) => x!.benchmarks.map((m) => [m.name, m.value, m.error_occurred, m.parameters, m.memory?.native_peak_bytes]);
    expect(summary(b)).toEqual(summary(a));
  }, 180_000);

  it("finds conf.ts fixtures above a benchmark file in a child process", async () => {
    const out = path.join(tmp(), "nested.json");
    const r = await nnbench(["run", path.join(DATA, "nested"), "-j", "2", "-o", out]);
    expect(r.code).toBe(0);
    const [res] = await readResults(out);
    expect(res!.benchmarks.map((b) => [b.name, b.value, b.parameters])).toEqual([["scaled", 42, { scale: 7 }]]);
  }, 120_000);

  it("writes a partial result on SIGINT while children run", async () => {
    const { r, result: res } = await interruptRun(["-j", "2"], path.join(tmp(), "partial.yaml"), 3, "SIGINT");
    expect(r.code).toBe(130);
    expect(res.partial).toBe(true);
    expect(res.benchmarks.filter((b) => !b.error_occurred).length).toBeGreaterThanOrEqual(2);
    expect(res.benchmarks.at(-1)).toMatchObject({ error_kind: "interrupted" });
  }, 120_000);
});
