/**
 * Distributed runs through a BullMQ queue on a real local redis-server, against the same runs on this
 * machine alone:
 *
 * 1. per-job overhead: 500 trivial benchmarks (10 files of 50) as 500 jobs over 2 workers, versus
 *    `nnbench run -j 2` and one process. The overhead per job is the queue's marginal cost: how much
 *    more 450 more jobs (10 files of 5 against 10 files of 50) take through the queue than in one
 *    process, per job, which leaves out the fixed costs of starting, listing and connecting. It is
 *    given in wall time (2 workers at once) and in CPU time summed over every process involved: the
 *    submitting command and its children, the workers and their benchmark children, and redis-server;
 * 2. a family over 8 lazily loaded models of 256 MiB (the memo guide's), one job per member spread over
 *    2 workers, versus one process running the family.
 *
 * Wall times include starting the submitting `nnbench` command; workers are started (and warmed up
 * with one run) before timing. Each round runs every configuration once, in turn, so that a change of
 * load on the machine touches them all alike; figures are medians over `--rounds`, and the overhead is
 * the median of each round's own estimate.
 *
 *   npm run bench:distributed -- [--rounds 5] [--size-mib 256] [--models 8] [--skip-models]
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ensureModels } from "../examples/memo/models.js";
import { median } from "../src/stats/summary.js";
import { missingServers, startRedis, type RedisServer } from "../test/helpers/servers.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const main = join(root, "dist", "cli", "main.js");
const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    "size-mib": { type: "string", default: "256" },
    models: { type: "string", default: "8" },
    "skip-models": { type: "boolean", default: false },
  },
});
const rounds = Number(values.rounds);
const work = join(root, ".tmp", "bench-distributed");

/** The per-job overhead the queue should stay within, in milliseconds. */
const TARGET_MS = 5;

/** Clock ticks per second of the CPU times in `/proc/<pid>/stat`. */
const TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** Of `/proc/<pid>/stat`: the parent, and CPU milliseconds of the process itself and of the children it has reaped. */
function procStat(pid: number | "self"): { ppid: number; ownMs: number; reapedMs: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ").map(Number);
    // Fields 14 to 17 of stat(5): utime, stime, cutime, cstime.
    return { ppid: f[1]!, ownMs: ((f[11]! + f[12]!) * 1000) / TICKS, reapedMs: ((f[13]! + f[14]!) * 1000) / TICKS };
  } catch {
    return undefined; // exited meanwhile
  }
}

/** CPU milliseconds of the processes `roots` and of every process under them, living or reaped. */
function treeCpuMs(roots: readonly number[]): number {
  const children = new Map<number, number[]>();
  const cpu = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const st = procStat(pid);
    if (!st) continue;
    cpu.set(pid, st.ownMs + st.reapedMs);
    children.set(st.ppid, [...(children.get(st.ppid) ?? []), pid]);
  }
  let total = 0;
  const todo = [...roots];
  for (let pid = todo.pop(); pid !== undefined; pid = todo.pop()) {
    total += cpu.get(pid) ?? 0;
    todo.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** Wall and CPU milliseconds of one command. */
interface Timing {
  wall: number;
  cpu: number;
}

/**
 * Runs `nnbench ...args` to its end. Its CPU time is the growth of this process's reaped children's time
 * (the command and its own children), plus that of the long-lived `others` (workers, redis-server).
 */
function nnbench(args: string[], others: readonly number[] = []): Timing {
  const reaped0 = procStat("self")!.reapedMs;
  const others0 = treeCpuMs(others);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [main, ...args], { cwd: root, encoding: "utf8" });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`nnbench ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return { wall, cpu: procStat("self")!.reapedMs - reaped0 + treeCpuMs(others) - others0 };
}

/** Runs each configuration once per round, in turn, and returns every configuration's timings. */
function interleaved<K extends string>(configs: Record<K, () => Timing>): Record<K, Timing[]> {
  const keys = Object.keys(configs) as K[];
  const out = Object.fromEntries(keys.map((k) => [k, [] as Timing[]])) as Record<K, Timing[]>;
  for (let i = 0; i < rounds; i++) for (const k of keys) out[k].push(configs[k]());
  return out;
}

function ms(t: number): string {
  return `${t.toFixed(0).padStart(7)} ms`;
}

function wallOf(ts: readonly Timing[]): number {
  return median(ts.map((t) => t.wall));
}

function startWorkers(url: string, n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, [main, "worker", "--queue", url], { cwd: root, stdio: "ignore" }));
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(
    workers.map((w) => {
      const exited = new Promise((resolve) => w.once("exit", resolve));
      w.kill("SIGTERM");
      return exited;
    }),
  );
}

function trivialBenchmarks(dir: string, perFile: number): void {
  mkdirSync(dir, { recursive: true });
  for (let f = 0; f < 10; f++) {
    const lines = ['import { benchmark } from "nnbench";', ""];
    for (let b = 0; b < perFile; b++) lines.push(`export const b${b} = benchmark(function f${f}_b${b}(): number { return ${f * perFile + b}; });`);
    writeFileSync(join(dir, `trivial_${f}.ts`), `${lines.join("\n")}\n`);
  }
}

function modelFamily(dir: string, paths: string[]): void {
  mkdirSync(dir, { recursive: true });
  const models = relative(dir, join(root, "examples", "memo", "models.js"));
  writeFileSync(
    join(dir, "conf.ts"),
    `import { inputBatch } from ${JSON.stringify(models)};\nexport function data() { return inputBatch(16); }\n`,
  );
  writeFileSync(
    join(dir, "family.ts"),
    `import { accuracyFamily } from ${JSON.stringify(models)};\nexport const accuracy = accuracyFamily(${JSON.stringify(paths)}, { tearDownEvicts: true });\n`,
  );
}

/** Part 1: the queue's overhead per job, in wall and CPU time. */
async function queueOverhead(redis: RedisServer): Promise<void> {
  const trivial = join(work, "trivial");
  const few = join(work, "few");
  trivialBenchmarks(trivial, 50);
  trivialBenchmarks(few, 5);
  const jobs = 500;
  const more = jobs - 50;
  const url = redis.url("bench");
  const workers = startWorkers(url, 2);
  const busy = [...workers.map((w) => w.pid!), redis.pid];
  try {
    nnbench(["run", trivial, "--queue", url, "-o", join(work, "warm.json")]); // workers import the files
    const t = interleaved({
      here: () => nnbench(["run", trivial, "-o", join(work, "here.json")]),
      hereFew: () => nnbench(["run", few, "-o", join(work, "here-few.json")]),
      local: () => nnbench(["run", trivial, "-j", "2", "-o", join(work, "local.json")]),
      queued: () => nnbench(["run", trivial, "--queue", url, "-o", join(work, "queued.json")], busy),
      queuedFew: () => nnbench(["run", few, "--queue", url, "-o", join(work, "queued-few.json")], busy),
    });
    // Each round's own estimate: what 450 more jobs cost through the queue beyond what they cost in one process.
    const perJob = (k: keyof Timing): number =>
      median(t.queued.map((q, i) => (q[k] - t.queuedFew[i]![k] - (t.here[i]![k] - t.hereFew[i]![k])) / more));
    const [wall, cpu] = [perJob("wall"), perJob("cpu")];
    console.log(`${jobs} trivial benchmarks in 10 files, medians of ${rounds} rounds (wall time of the whole command; noisy on a shared machine)`);
    console.log(`  in one process, no children      ${ms(wallOf(t.here))}   (50 benchmarks: ${ms(wallOf(t.hereFew))})`);
    console.log(`  -j 2 (a child per file)          ${ms(wallOf(t.local))}`);
    console.log(
      `  queue, 2 workers, ${jobs} jobs       ${ms(wallOf(t.queued))}   (50 jobs: ${ms(wallOf(t.queuedFew))}; ` +
        `${(wallOf(t.local) / wallOf(t.queued)).toFixed(2)}x the speed of -j 2)`,
    );
    console.log(`queue overhead per job, the marginal cost of ${more} more jobs beyond one process (median of the rounds' estimates)`);
    console.log(`  wall time, 2 workers             ${wall.toFixed(2).padStart(7)} ms   target <= ${TARGET_MS} ms: ${wall <= TARGET_MS ? "met" : "NOT MET"}`);
    console.log(`  CPU time, all processes          ${cpu.toFixed(2).padStart(7)} ms   (submitter, workers, their children, redis-server)`);
  } finally {
    await stopWorkers(workers);
  }
}

/** Part 2: a family over large models, one job per member over 2 workers, against one process. */
async function modelsSpread(redis: RedisServer): Promise<void> {
  const sizeMiB = Number(values["size-mib"]);
  const count = Number(values.models);
  const paths = ensureModels(join(root, "examples", "memo", "data", "distributed"), count, sizeMiB);
  const family = join(work, "models");
  modelFamily(family, paths);
  const url = redis.url("models");
  const workers = startWorkers(url, 2);
  try {
    nnbench(["run", join(family, "family.ts"), "--queue", url, "--granularity", "member", "-o", join(work, "warm-models.json")]);
    const t = interleaved({
      one: () => nnbench(["run", join(family, "family.ts"), "-o", join(work, "one.json")]),
      spread: () => nnbench(["run", join(family, "family.ts"), "--queue", url, "--granularity", "member", "-o", join(work, "spread.json")]),
    });
    const [one, spread] = [wallOf(t.one), wallOf(t.spread)];
    console.log(`\na family over ${count} models of ${sizeMiB} MiB, medians of ${rounds} rounds (noisy on a shared machine)`);
    console.log(`  one process on this machine      ${ms(one)}`);
    console.log(`  queue, 2 workers, job per member ${ms(spread)}  (${(one / spread).toFixed(2)}x the speed of one process)`);
  } finally {
    await stopWorkers(workers);
  }
}

async function benchmarkQueue(): Promise<void> {
  const missing = missingServers();
  if (missing) throw new Error(missing);
  spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
  rmSync(work, { recursive: true, force: true });
  const redis = await startRedis();
  try {
    await queueOverhead(redis);
    if (!values["skip-models"]) await modelsSpread(redis);
  } finally {
    await redis.stop();
  }
}

await benchmarkQueue();
