/**
 * Distributed runs through a BullMQ queue on a real local redis-server, against the same runs on this
 * machine alone:
 *
 * 1. per-job overhead: 500 trivial benchmarks (10 files of 50) as 500 jobs over 2 workers, versus
 *    `nnbench run -j 2` and one process. The overhead per job is the queue's marginal cost: how much
 *    more 450 more jobs (10 files of 5 against 10 files of 50) take through the queue than in one
 *    process, per job, which leaves out the fixed costs of starting, listing and connecting;
 * 2. a family over 8 lazily loaded models of 256 MiB (the memo guide's), one job per member spread over
 *    2 workers, versus one process running the family.
 *
 * Wall times include starting the submitting `nnbench` command; workers are started (and warmed up
 * with one run) before timing. Each figure is the best of `--rounds`.
 *
 *   npm run bench:distributed -- [--rounds 3] [--size-mib 256] [--models 8] [--skip-models]
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ensureModels } from "../examples/memo/models.js";
import { missingServers, startRedis } from "../test/helpers/servers.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const main = join(root, "dist", "cli", "main.js");
const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    "size-mib": { type: "string", default: "256" },
    models: { type: "string", default: "8" },
    "skip-models": { type: "boolean", default: false },
  },
});
const rounds = Number(values.rounds);
const work = join(root, ".tmp", "bench-distributed");

function nnbench(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [main, ...args], { cwd: root, encoding: "utf8" });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`nnbench ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function best(args: string[]): number {
  let min = Infinity;
  for (let i = 0; i < rounds; i++) min = Math.min(min, nnbench(args));
  return min;
}

function ms(t: number): string {
  return `${t.toFixed(0).padStart(7)} ms`;
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

async function benchmarkQueue(): Promise<void> {
  const missing = missingServers();
  if (missing) throw new Error(missing);
  spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
  rmSync(work, { recursive: true, force: true });
  const redis = await startRedis();
  try {
    const trivial = join(work, "trivial");
    const few = join(work, "few");
    trivialBenchmarks(trivial, 50);
    trivialBenchmarks(few, 5);
    const jobs = 500;
    const url = redis.url("bench");
    const workers = startWorkers(url, 2);
    try {
      nnbench(["run", trivial, "--queue", url, "-o", join(work, "warm.json")]); // workers import the files
      const here = best(["run", trivial, "-o", join(work, "here.json")]);
      const hereFew = best(["run", few, "-o", join(work, "here-few.json")]);
      const local = best(["run", trivial, "-j", "2", "-o", join(work, "local.json")]);
      const queued = best(["run", trivial, "--queue", url, "-o", join(work, "queued.json")]);
      const queuedFew = best(["run", few, "--queue", url, "-o", join(work, "queued-few.json")]);
      console.log(`${jobs} trivial benchmarks in 10 files, best of ${rounds} (wall time of the whole command)`);
      console.log(`  in one process, no children     ${ms(here)}   (50 benchmarks: ${ms(hereFew)})`);
      console.log(`  -j 2 (a child per file)         ${ms(local)}`);
      console.log(`  queue, 2 workers, ${jobs} jobs      ${ms(queued)}   (50 jobs: ${ms(queuedFew)}; ${(local / queued).toFixed(2)}x the speed of -j 2)`);
      const perJob = (queued - queuedFew - (here - hereFew)) / (jobs - 50);
      console.log(`  queue overhead per job          ${perJob.toFixed(2).padStart(7)} ms of wall time with 2 workers, ${(perJob * 2).toFixed(2)} ms of a worker's time (target <= 5 ms)`);
    } finally {
      await stopWorkers(workers);
    }

    if (values["skip-models"]) return;
    const sizeMiB = Number(values["size-mib"]);
    const count = Number(values.models);
    const paths = ensureModels(join(root, "examples", "memo", "data", "distributed"), count, sizeMiB);
    const family = join(work, "models");
    modelFamily(family, paths);
    const familyUrl = redis.url("models");
    const modelWorkers = startWorkers(familyUrl, 2);
    try {
      nnbench(["run", join(family, "family.ts"), "--queue", familyUrl, "--granularity", "member", "-o", join(work, "warm-models.json")]);
      const one = best(["run", join(family, "family.ts"), "-o", join(work, "one.json")]);
      const spread = best(["run", join(family, "family.ts"), "--queue", familyUrl, "--granularity", "member", "-o", join(work, "spread.json")]);
      console.log(`\na family over ${count} models of ${sizeMiB} MiB, best of ${rounds}`);
      console.log(`  one process on this machine     ${ms(one)}`);
      console.log(`  queue, 2 workers, job per member ${ms(spread)}  (${(one / spread).toFixed(2)}x the speed of one process)`);
    } finally {
      await stopWorkers(modelWorkers);
    }
  } finally {
    await redis.stop();
  }
}

await benchmarkQueue();
