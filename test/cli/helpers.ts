/**
 * Running the real `nnbench` command in a child process. The command runs from the compiled package
 * (`dist/cli/main.js`, what `npm install` gives users), so benchmark files that `import "nnbench"`
 * share its module instance; `ensureBuilt()` compiles `src/` first when `dist/` is missing or older.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { readResults } from "../../src/reporter/index.js";
import type { BenchmarkResult } from "../../src/types.js";
import { FIXTURES } from "../helpers/fixtures.js";

export const ROOT = path.resolve(__dirname, "../..");
export const MAIN = path.join(ROOT, "dist/cli/main.js");
export const DATA = path.join(ROOT, "test/data/cli");
export const PY = path.join(FIXTURES, "nnbench-py");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.name.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const REPORT_SCRIPT = path.join(ROOT, "dist/reporter/html/client.bundle.js");

function builtIsFresh(): boolean {
  const newest = newestMtime(path.join(ROOT, "src"));
  return existsSync(MAIN) && statSync(MAIN).mtimeMs >= newest && existsSync(REPORT_SCRIPT) && statSync(REPORT_SCRIPT).mtimeMs >= newest;
}

/** Compiles the TypeScript sources to dist/ unless they are up to date (one build at a time). */
export async function ensureBuilt(): Promise<void> {
  if (builtIsFresh()) return;
  const lock = path.join(tmpdir(), "nnbench-cli-test-build.lock");
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed test process is stale after five minutes.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 300_000) rmdirSync(lock);
      } catch {
        /* released meanwhile */
      }
      if (i > 1200) throw new Error(`timed out waiting for ${lock}`);
      await sleep(100);
    }
  }
  try {
    if (builtIsFresh()) return;
    // tsc still writes its output when other parts of the tree have type errors; dist/ is what matters.
    spawnSync(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "ignore" });
    // The HTML report's page script, bundled as the package build does.
    spawnSync(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/build-report-client.ts"], { cwd: ROOT, stdio: "ignore" });
    if (!existsSync(MAIN) || !existsSync(REPORT_SCRIPT)) throw new Error("building dist/ failed: run npm run build:ts");
  } finally {
    rmdirSync(lock);
  }
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string>;
}

function environment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...extra };
  // The test runner's own variables must not leak into the command (it would think it runs under vitest).
  for (const k of Object.keys(env)) if (k.startsWith("VITEST") || k === "NODE_OPTIONS") delete env[k];
  return env;
}

/** Starts `nnbench ...args` without waiting for it. */
export function start(args: string[], options: CliOptions = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: options.cwd ?? ROOT, env: environment(options.env), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<CliResult>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

/** Runs `nnbench ...args` to completion. */
export function nnbench(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return start(args, options).done;
}

/**
 * Waits (up to a minute) until the benchmarks of `test/data/cli/slow` have written at least `steps`
 * lines to their `NNBENCH_TEST_MARKER` file, that is until that many steps have started.
 */
export async function waitForSteps(marker: string, steps: number): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (existsSync(marker) && readFileSync(marker, "utf8").trim().split("\n").length >= steps) return;
    await sleep(50);
  }
}

/**
 * Runs `nnbench run <slow benchmarks> ...args -o out`, sends `signal` once `steps` steps have started,
 * and returns how the command ended with the partial result it wrote.
 */
export async function interruptRun(args: string[], out: string, steps: number, signal: NodeJS.Signals): Promise<{ r: CliResult; result: BenchmarkResult }> {
  const marker = path.join(path.dirname(out), "started.txt");
  const { child, done } = start(["run", path.join(DATA, "slow"), ...args, "-o", out], { env: { NNBENCH_TEST_MARKER: marker } });
  await waitForSteps(marker, steps);
  child.kill(signal);
  const r = await done;
  const [result] = await readResults(out);
  if (result === undefined) throw new Error(`${out} holds no run`);
  return { r, result };
}
