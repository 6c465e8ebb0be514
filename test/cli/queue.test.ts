import type { ChildProcess } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { hashFiles, shortHash } from "../../src/cli/queue/identity.js";
import { parseQueueAddress } from "../../src/cli/queue/address.js";
import { QueueAddressError } from "../../src/errors.js";
import { gemmInfo } from "../../src/native/matmul.js";
import { readResults } from "../../src/reporter/index.js";
import type { BenchmarkRecord } from "../../src/types.js";
import { freePort, skipWithoutServers, startRedis, type RedisServer } from "../helpers/servers.js";
import { DATA, ROOT, ensureBuilt, nnbench, start, type CliResult } from "./helpers.js";

const GRID = path.join(ROOT, "test/data/queue");
const LANES = path.join(ROOT, "test/data/queue-child");
const GRID_NAMES = [...Array.from({ length: 12 }, (_, i) => `cell_i=${i}`), "answer", "scaled_k=2", "scaled_k=3"];

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), "nnbench-cli-queue-"));
}

/** What must agree between a local and a distributed run. */
function essence(records: BenchmarkRecord[]): [string, unknown, unknown][] {
  return records.map((r) => [r.name, r.value ?? null, r.parameters] as [string, unknown, unknown]).sort((a, b) => a[0].localeCompare(b[0]));
}

describe("queue addresses", () => {
  it("parse redis://host:port[/name]", () => {
    expect(parseQueueAddress("redis://10.0.0.5:6380/nightly")).toMatchObject({ connection: { host: "10.0.0.5", port: 6380 }, name: "nightly" });
    expect(parseQueueAddress("redis://u:secret@h")).toMatchObject({ connection: { host: "h", port: 6379, username: "u", password: "secret" }, name: "nnbench", display: "redis://u:***@h" });
    expect(() => parseQueueAddress("http://h:1")).toThrow(QueueAddressError);
    expect(() => parseQueueAddress("redis://h/a:b")).toThrow(/may not contain/);
  });
});

describe("nnbench run --queue without a Redis server", () => {
  beforeAll(ensureBuilt, 300_000);

  it("says which address it cannot reach, and exits 2", async () => {
    const port = await freePort();
    const r = await nnbench(["run", path.join(DATA, "basic"), "--queue", `redis://user:hidden@127.0.0.1:${port}/q`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`nnbench: error: cannot reach Redis at redis://user:***@127.0.0.1:${port}/q`);
    expect(r.stderr).not.toContain("hidden");
  }, 120_000);
});

describe.skipIf(skipWithoutServers())("nnbench run --queue with real Redis workers", () => {
  let redis: RedisServer;
  const workers: { child: ChildProcess; done: Promise<CliResult> }[] = [];
  let queueNumber = 0;

  beforeAll(async () => {
    [redis] = await Promise.all([startRedis(), ensureBuilt()]);
  }, 300_000);
  afterAll(async () => redis?.stop());
  afterEach(async () => {
    for (const w of workers.splice(0)) {
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGTERM");
      await w.done;
    }
  });

  function queue(): string {
    return redis.url(`test-${process.pid}-${++queueNumber}`);
  }

  function worker(url: string, options: { cwd?: string; env?: Record<string, string> } = {}): { child: ChildProcess; done: Promise<CliResult> } {
    const w = start(["worker", "--queue", url, "--stall-timeout", "1000", "--log-level", "info"], options);
    workers.push(w);
    return w;
  }

  it("spreads a run over 3 workers and gets the records of the same run on one machine", async () => {
    const dir = tmp();
    const url = queue();
    for (let i = 0; i < 3; i++) worker(url);
    const local = await nnbench(["run", GRID, "-o", path.join(dir, "local.json")]);
    expect(local.code).toBe(0);
    const queued = await nnbench(["run", GRID, "--queue", url, "--granularity", "member", "-n", "spread", "-o", path.join(dir, "queued.json")]);
    expect(queued.stderr).toBe("");
    expect(queued.code).toBe(0);
    const [mine] = await readResults(path.join(dir, "local.json"));
    const [theirs] = await readResults(path.join(dir, "queued.json"));
    expect(theirs!.run).toBe("spread");
    expect(essence(theirs!.benchmarks)).toEqual(essence(mine!.benchmarks));
    // Collection order, and each record names the machine that measured it.
    expect(theirs!.benchmarks.map((b) => b.name)).toEqual(mine!.benchmarks.map((b) => b.name));
    for (const b of theirs!.benchmarks) {
      expect(b.worker).toMatchObject({ host: expect.any(String), cpu: expect.any(String), node: process.versions.node, addon: expect.any(Object) });
    }
    expect(new Set(theirs!.benchmarks.map((b) => b.worker!.id)).size).toBeGreaterThan(1);
  }, 240_000);

  it("gives the job of a worker killed mid-job to another worker: every record exactly once", async () => {
    const dir = tmp();
    const url = queue();
    const marker = path.join(dir, "marker");
    const env = { NNBENCH_TEST_MARKER: marker };
    const a = worker(url, { env });
    const b = worker(url, { env });
    const run = start(["run", GRID, "--queue", url, "--granularity", "member", "-o", path.join(dir, "out.json")]);
    // Kill the worker that has just started a cell, in the middle of it.
    let victim: number | undefined;
    let cut = "";
    for (let i = 0; i < 1200 && victim === undefined; i++) {
      const lines = existsSync(marker) ? readFileSync(marker, "utf8").trim().split("\n") : [];
      if (lines.length >= 3) [cut, victim] = [lines.at(-1)!.split(" ")[0]!, Number(lines.at(-1)!.split(" ")[1])];
      else await sleep(25);
    }
    const killed = [a, b].find((w) => w.child.pid === victim);
    expect(killed).toBeDefined();
    killed!.child.kill("SIGKILL");
    const r = await run.done;
    expect(r.code).toBe(0);
    const [res] = await readResults(path.join(dir, "out.json"));
    expect(res!.benchmarks.map((x) => x.name)).toEqual(GRID_NAMES);
    expect(res!.benchmarks.filter((x) => x.error_occurred)).toEqual([]);
    // The cell cut short ran again, on the other worker.
    const starts = readFileSync(marker, "utf8").trim().split("\n").map((l) => l.split(" "));
    const survivor = [a, b].find((w) => w !== killed)!;
    expect(starts.filter(([cell]) => cell === cut).map(([, pid]) => Number(pid))).toEqual([victim, survivor.child.pid]);
    expect(new Set(res!.benchmarks.map((x) => x.worker!.id)).has(`${String(res!.benchmarks[0]!.worker!.host)}:${survivor.child.pid}`)).toBe(true);
  }, 240_000);

  it("a worker whose benchmark files differ refuses the jobs, naming both hashes", async () => {
    // Two copies of the benchmarks inside the repository (so that they import this nnbench), one edited.
    const base = path.join(ROOT, ".tmp", `queue-${process.pid}-${Date.now()}`);
    const mine = path.join(base, "submitter");
    const theirs = path.join(base, "worker");
    try {
      for (const d of [mine, theirs]) {
        mkdirSync(path.join(d, "bench"), { recursive: true });
        cpSync(path.join(GRID, "grid.ts"), path.join(d, "bench", "grid.ts"));
      }
      appendFileSync(path.join(theirs, "bench", "grid.ts"), "\n// edited on the worker\n");
      const url = queue();
      const w = worker(url, { cwd: theirs });
      const out = path.join(tmp(), "out.json");
      const r = await nnbench(["run", "bench", "--queue", url, "-o", out], { cwd: mine });
      expect(r.code).toBe(1);
      const expected = [shortHash(hashFiles(["bench/grid.ts"], mine)), shortHash(hashFiles(["bench/grid.ts"], theirs))];
      expect(expected[0]).not.toBe(expected[1]);
      const [res] = await readResults(out);
      expect(res!.benchmarks.length).toBeGreaterThan(0);
      for (const rec of res!.benchmarks) {
        expect(rec.error_occurred).toBe(true);
        expect(rec.error_message).toMatch(new RegExp(`submitter ${expected[0]} .*worker ${expected[1]} `));
      }
      expect(w.child.exitCode).toBeNull();
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  }, 240_000);

  it("records a benchmark that crashes or hangs its child as that benchmark's error, and the worker goes on", async () => {
    const url = queue();
    const w = worker(url);
    const out = path.join(tmp(), "crash.json");
    const r = await nnbench(["run", path.join(DATA, "crash"), "--queue", url, "--timeout", "3000", "-o", out]);
    expect(r.code).toBe(1);
    const [res] = await readResults(out);
    expect(res!.benchmarks.map((b) => [b.name, b.error_kind ?? "ok", b.value ?? null])).toEqual([
      ["first", "ok", 1],
      ["before_crash", "ok", 2],
      ["segfault", "crash", null],
      ["after_crash", "ok", 3],
      ["hangs", "timeout", null],
      ["after_hang", "ok", 4],
    ]);
    expect(res!.benchmarks[2]!.error_message).toBe("the child process crashed (signal SIGSEGV)");
    expect(w.child.exitCode).toBeNull();
    // The same worker takes the next run.
    const next = path.join(tmp(), "next.json");
    expect((await nnbench(["run", path.join(DATA, "basic"), "--queue", url, "-o", next])).code).toBe(1);
    const [after] = await readResults(next);
    expect(after!.benchmarks.map((b) => b.worker!.id)).toEqual(Array(5).fill(res!.benchmarks[0]!.worker!.id));
  }, 240_000);

  it("runs jobs one after another in one child process, and in a fresh one after a crash, a timeout or a memory limit", async () => {
    const url = queue();
    const w = worker(url);
    const out = path.join(tmp(), "lanes.json");
    const r = await nnbench(["run", LANES, "--queue", url, "--timeout", "5000", "--memory-limit", "256MiB", "-o", out]);
    expect(r.code).toBe(1);
    const [res] = await readResults(out);
    const records = res!.benchmarks;
    expect(records.map((b) => [b.name, b.error_kind ?? "ok"])).toEqual([
      ["first", "ok"],
      ["second", "ok"],
      ["segfault", "crash"],
      ["after_crash", "ok"],
      ["again_after_crash", "ok"],
      ["hangs", "timeout"],
      ["after_hang", "ok"],
      ["runaway", "memory_limit"],
      ["after_runaway", "ok"],
    ]);
    // Each benchmark returned the id of the process that ran it.
    const pid = (name: string): unknown => records.find((b) => b.name === name)!.value;
    expect(pid("first")).toEqual(expect.any(Number));
    expect(pid("second")).toBe(pid("first"));
    expect(pid("after_crash")).not.toBe(pid("second"));
    expect(pid("again_after_crash")).toBe(pid("after_crash"));
    expect(pid("after_hang")).not.toBe(pid("again_after_crash"));
    expect(pid("after_runaway")).not.toBe(pid("after_hang"));
    expect(new Set(records.map((b) => pid(b.name))).has(w.child.pid)).toBe(false);
    expect(new Set(records.map((b) => b.worker!.id)).size).toBe(1);
    expect(w.child.exitCode).toBeNull();
  }, 240_000);

  it("compare warns when a run's workers, or the runs compared, measured on different machines", async () => {
    const dir = tmp();
    const { isa, availableIsas } = gemmInfo();
    const otherIsa = availableIsas.find((i) => i !== isa)!;
    const local = path.join(dir, "local.json");
    expect((await nnbench(["run", GRID, "-n", "local", "--context", "native", "-o", local])).code).toBe(0);
    // One worker as this machine is.
    const alike = queue();
    worker(alike);
    const same = path.join(dir, "same.json");
    expect((await nnbench(["run", GRID, "--queue", alike, "--granularity", "member", "-n", "same", "-o", same])).code).toBe(0);
    // Two workers, one of them running the addon's GEMM on another instruction set.
    const mixed = queue();
    worker(mixed);
    const odd = worker(mixed, { env: { NNBENCH_GEMM_ISA: otherIsa } });
    const both = path.join(dir, "mixed.json");
    expect((await nnbench(["run", GRID, "--queue", mixed, "--granularity", "member", "-n", "mixed", "-o", both])).code).toBe(0);
    const [res] = await readResults(both);
    const oddId = `${String(res!.benchmarks[0]!.worker!.host)}:${odd.child.pid}`;
    const onOdd = res!.benchmarks.filter((b) => b.worker!.id === oddId).map((b) => b.name);
    expect(onOdd.length).toBeGreaterThan(0);
    expect(onOdd.length).toBeLessThan(GRID_NAMES.length);

    // A run on this machine and a run on a worker just like it: nothing to warn of.
    const quiet = await nnbench(["compare", local, same]);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).not.toContain("warning");

    const r = await nnbench(["compare", local, same, both]);
    expect(r.code).toBe(0);
    const warnings = r.stdout.split("\n").filter((l) => l.startsWith("warning: "));
    const shown = (names: string[]) => (names.length > 10 ? `${names.slice(0, 10).join(", ")} and ${names.length - 10} more` : names.join(", "));
    const difference = `addon.gemm_isa ${JSON.stringify(isa)} vs ${JSON.stringify(otherIsa)}`;
    expect(warnings).toContain(
      `warning: runs "local" and "mixed" measured ${onOdd.length} benchmark${onOdd.length > 1 ? "s" : ""} on different machines: ` +
        `${difference} (the run's own machine vs worker ${oddId}; ${shown(onOdd)})`,
    );
    const within = warnings.filter((w) => w.startsWith('warning: run "mixed" was measured on different machines: '));
    expect(within).toHaveLength(1);
    // Against the workers that measured the most benchmarks, whichever those are.
    expect([`${difference} (`, `addon.gemm_isa ${JSON.stringify(otherIsa)} vs ${JSON.stringify(isa)} (`].some((d) => within[0]!.includes(d))).toBe(true);
    expect(within[0]).toContain(`worker ${oddId}: ${shown(onOdd)}`);
    expect(warnings).toHaveLength(2);
  }, 240_000);

  it("SIGINT takes the queued jobs back and writes what finished, marked partial", async () => {
    const dir = tmp();
    const url = queue();
    const marker = path.join(dir, "marker");
    worker(url, { env: { NNBENCH_TEST_MARKER: marker } });
    const out = path.join(dir, "partial.json");
    const run = start(["run", GRID, "--queue", url, "--granularity", "member", "-o", out]);
    for (let i = 0; i < 1200; i++) {
      if (existsSync(marker) && readFileSync(marker, "utf8").trim().split("\n").length >= 3) break;
      await sleep(25);
    }
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code).toBe(130);
    const [res] = await readResults(out);
    expect(res!.partial).toBe(true);
    const finished = res!.benchmarks.filter((b) => !b.error_occurred);
    expect(finished.length).toBeGreaterThanOrEqual(2);
    expect(finished.length).toBeLessThan(GRID_NAMES.length);
    // Nothing more is run for the interrupted submission (at most the job running at the time finishes).
    await sleep(1000);
    const seen = readFileSync(marker, "utf8").trim().split("\n").length;
    await sleep(1500);
    expect(readFileSync(marker, "utf8").trim().split("\n").length).toBe(seen);
  }, 240_000);
});
