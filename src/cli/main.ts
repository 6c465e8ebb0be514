#!/usr/bin/env node
/**
 * The `nnbench` command: `nnbench run` collects and runs benchmarks, `nnbench compare` compares
 * results across runs. Errors print one line to standard error (a stack trace only with
 * `--log-level debug`) and exit non-zero.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { loadConfig, type LoadedConfig } from "./config.js";
import { compareCommand } from "./compare.js";
import { isLogLevel, LOG_LEVELS, Logger } from "./log.js";
import { parseByteSize } from "../text/byte-size.js";
import type { MemoryCommandOptions } from "./protocol.js";
import { reportCommand } from "./report.js";
import { RUN_EXIT, runCommand } from "./run.js";
import { CollectFailure } from "../errors.js";
import type { Granularity } from "./queue/submitter.js";
import { workerCommand } from "./queue/worker.js";
import { nnbenchVersion } from "./version.js";

/** A byte size such as 512MiB, checked when parsed and kept as written. */
function byteSize(value: string): string {
  try {
    parseByteSize(value, "the size");
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return value;
}

function integer(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return n;
  };
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a number > 0");
  return n;
}

function probability(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError("expected a number between 0 and 1");
  return n;
}

function collectValues(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The memory flags of `nnbench run`. */
function memoryOptions(opts: Record<string, unknown>): MemoryCommandOptions {
  return {
    ...(opts.memoryInterval !== undefined ? { memoryInterval: opts.memoryInterval as number } : {}),
    ...(opts.memoryTimeline === true ? { memoryTimeline: true } : {}),
    ...(opts.memoryLimit !== undefined ? { memoryLimit: opts.memoryLimit as string } : {}),
    ...(opts.maxMemoBytes !== undefined ? { maxMemoBytes: opts.maxMemoBytes as string } : {}),
    ...(opts.failOnLeak === true ? { failOnLeak: true } : {}),
  };
}

/** What every command needs: the logger, the configuration, and where its exit code goes. */
interface ProgramContext {
  log: Logger;
  loadedConfig: () => Promise<LoadedConfig>;
  exit: (code: number) => void;
}

/** `nnbench run`. */
function addRunCommand(program: Command, { log, loadedConfig, exit }: ProgramContext): void {
  program
    .command("run")
    .description("Collect the benchmarks in a file or directory, run them and report the results.")
    .argument("[path]", "benchmark file or directory", "benchmarks")
    .option("-n, --name <name>", "name of the run (default: nnbench-<time>-<random>)")
    .option("-t, --tag <tag>", "run only benchmarks with this tag (repeatable)", collectValues, [])
    .option("--context <key=value|provider>", "context to record: key=value, or a provider such as git, cpu, node, system, native (repeatable)", collectValues, [])
    .option("-o, --output <target>", "write results to a file (.json .ndjson .csv .yaml .parquet, optionally .gz), sqlite://path or postgres://user:password@host/db; default: a table on standard output (repeatable)", collectValues, [])
    .option("-j, --jobs <n>", "run benchmark files in n child processes at once", integer(1))
    .option("--repeat <n>", "timed calls per benchmark (default 1)", integer(1))
    .option("--warmup <n>", "untimed calls before timing (default 0)", integer(0))
    .option("--isolate", "run each benchmark or family in its own child process", false)
    .option("--timeout <ms>", "kill a benchmark running longer than this (runs benchmarks in child processes)", positiveNumber)
    .option("--memory-interval <ms>", "milliseconds between memory samples (default 5)", positiveNumber)
    .option("--memory-timeline", "store each benchmark's memory samples and phases in its record", false)
    .option("--memory-limit <size>", "RSS growth a benchmark may use, e.g. 512MiB; beyond it the benchmark is an error (a child process is stopped)", byteSize)
    .option("--max-memo-bytes <size>", "memo cache budget, e.g. 4GiB: least recently used memos are evicted to stay within it", byteSize)
    .option("--fail-on-leak", "make a benchmark that leaves memory behind after eviction and GC an error", false)
    .option("--charts", "draw time and memory charts under the table also when standard output is not a terminal", false)
    .option("--queue <redis-url>", "run through the workers of this queue: redis://host:port[/name] (see nnbench worker)")
    .addOption(new Option("--granularity <unit>", "with --queue: one job per benchmark or family, or per family member").choices(["family", "member"]))
    .action(async (target: string, opts: Record<string, unknown>) => {
      const loaded = await loadedConfig();
      exit(
        await runCommand(
          target,
          {
            tag: opts.tag as string[],
            context: opts.context as string[],
            output: opts.output as string[],
            isolate: opts.isolate === true,
            charts: opts.charts === true,
            ...(opts.name !== undefined ? { name: opts.name as string } : {}),
            ...(opts.jobs !== undefined ? { jobs: opts.jobs as number } : {}),
            ...(opts.repeat !== undefined ? { repeat: opts.repeat as number } : {}),
            ...(opts.warmup !== undefined ? { warmup: opts.warmup as number } : {}),
            ...(opts.timeout !== undefined ? { timeout: opts.timeout as number } : {}),
            memory: memoryOptions(opts),
            ...(opts.queue !== undefined ? { queue: opts.queue as string } : {}),
            ...(opts.granularity !== undefined ? { granularity: opts.granularity as Granularity } : {}),
          },
          loaded,
          log,
        ),
      );
    });
}

/** `nnbench worker`. */
function addWorkerCommand(program: Command, { log, loadedConfig, exit }: ProgramContext): void {
  program
    .command("worker")
    .description("Take benchmark jobs from a queue and run them, from a working directory holding the same benchmark files as the submitter's.")
    .requiredOption("--queue <redis-url>", "the queue: redis://host:port[/name]")
    .option("--concurrency <n>", "jobs at once, each in its own child process (default 1)", integer(1))
    .option("--stall-timeout <ms>", "a job whose worker died goes to another worker after this long (default 30000)", integer(100))
    .action(async (opts: Record<string, unknown>) => {
      await loadedConfig();
      exit(
        await workerCommand(
          {
            queue: opts.queue as string,
            ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency as number } : {}),
            ...(opts.stallTimeout !== undefined ? { stallTimeout: opts.stallTimeout as number } : {}),
          },
          log,
        ),
      );
    });
}

/** `nnbench compare`. */
function addCompareCommand(program: Command, { log, loadedConfig, exit }: ProgramContext): void {
  program
    .command("compare")
    .description(
      "Compare results of two or more runs, every run against the first. Exit code 0 when nothing regressed, 1 when something did, 2 on bad input.",
    )
    .argument("<results...>", "results files, sqlite:// or postgres:// databases (each may hold several runs; ?run=NAME selects one)")
    .option("--comparison-file <file>", 'JSON file of per-benchmark comparators: {"<name>": {"class": "GreaterEqual", "kwargs": {}}}')
    .option("--fail <spec>", "fail on a change beyond a limit, e.g. time:+5%, memory.native_peak_bytes:+10MiB, value:-1% (repeatable)", collectValues, [])
    .option("-C, --include-context <key>", "show this context value (dotted path) per run (repeatable)", collectValues, [])
    .option("--alpha <p>", "significance level of the timing test (default 0.05)", probability)
    .option("--charts", "draw the change of time as bars also when standard output is not a terminal", false)
    .action(async (targets: string[], opts: Record<string, unknown>) => {
      await loadedConfig();
      exit(
        await compareCommand(
          targets,
          {
            fail: opts.fail as string[],
            includeContext: opts.includeContext as string[],
            charts: opts.charts === true,
            ...(opts.comparisonFile !== undefined ? { comparisonFile: opts.comparisonFile as string } : {}),
            ...(opts.alpha !== undefined ? { alpha: opts.alpha as number } : {}),
          },
          log,
        ),
      );
    });
}

/** `nnbench report`. */
function addReportCommand(program: Command, { log, loadedConfig, exit }: ProgramContext): void {
  program
    .command("report")
    .description("Write one self-contained HTML report with charts of the runs in results files or sqlite:// databases; the first run is the baseline.")
    .argument("<results...>", "results files or sqlite:// databases (sqlite://path?run=NAME picks one run)")
    .requiredOption("-o, --output <file.html>", "the HTML file to write")
    .option("--title <text>", "the report's title")
    .option("--fail <spec>", "compare against the first run with this limit, as nnbench compare takes it (repeatable)", collectValues, [])
    .option("--comparison-file <file>", "JSON file of per-benchmark value comparators, as nnbench compare takes it")
    .option("--alpha <p>", "significance level of the timing test (default 0.05)", probability)
    .action(async (targets: string[], opts: Record<string, unknown>) => {
      await loadedConfig();
      exit(
        await reportCommand(
          targets,
          {
            output: opts.output as string,
            fail: opts.fail as string[],
            ...(opts.title !== undefined ? { title: opts.title as string } : {}),
            ...(opts.comparisonFile !== undefined ? { comparisonFile: opts.comparisonFile as string } : {}),
            ...(opts.alpha !== undefined ? { alpha: opts.alpha as number } : {}),
          },
          log,
        ),
      );
    });
}

/** Builds the command line program; `exit` receives the exit code of the command that ran. */
export function buildProgram(log: Logger, loadedConfig: () => Promise<LoadedConfig>, exit: (code: number) => void): Command {
  const program = new Command("nnbench")
    .description("Run benchmarks of machine-learning models in Node.js and compare their results.")
    .version(nnbenchVersion(), "--version", "print the version and exit")
    .addOption(new Option("--log-level <level>", "diagnostics on standard error").choices([...LOG_LEVELS]))
    .showHelpAfterError("(run nnbench --help for usage)")
    .exitOverride();

  const context: ProgramContext = { log, loadedConfig, exit };
  addRunCommand(program, context);
  addWorkerCommand(program, context);
  addCompareCommand(program, context);
  addReportCommand(program, context);

  // Apply --log-level before any command runs.
  program.hook("preAction", (cmd) => {
    const level = cmd.opts().logLevel as unknown;
    if (isLogLevel(level)) log.level = level;
  });
  return program;
}

/** Runs the command line with `argv` (without `node` and the script) and resolves with its exit code. */
export async function main(argv: string[]): Promise<number> {
  const log = new Logger("warn");
  let code: number = RUN_EXIT.ok;
  let configPromise: Promise<LoadedConfig> | undefined;
  const loadedConfig = (): Promise<LoadedConfig> => {
    configPromise ??= loadConfig().then((loaded) => {
      // The command line's --log-level wins over the configuration's.
      if (loaded.config.logLevel && !argv.some((a) => a === "--log-level" || a.startsWith("--log-level="))) log.level = loaded.config.logLevel;
      if (loaded.file) log.debug(`configuration from ${loaded.file}`);
      return loaded;
    });
    return configPromise;
  };
  const program = buildProgram(log, loadedConfig, (c) => (code = c));
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return RUN_EXIT.usage;
    }
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its message (or the help / version) already.
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return 0;
      return RUN_EXIT.usage;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    log.level = log.level === "silent" ? "error" : log.level;
    log.error(e.message);
    if (log.isDebug) {
      process.stderr.write(`${e.stack ?? ""}\n`);
      if (e instanceof CollectFailure && e.childStack) process.stderr.write(`in the child process: ${e.childStack}\n`);
    }
    // Bad input of any kind: a missing file, an invalid configuration, comparison file, threshold or target.
    return RUN_EXIT.usage;
  }
}

// Run when executed as a program (not when imported by tests).
const invoked = process.argv[1] ?? "";
if (/[\\/]cli[\\/]main\.(?:js|ts)$/.test(invoked) || /[\\/]nnbench$/.test(invoked)) {
  // A reader that stops early (`nnbench compare ... | head`) is not an error.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`nnbench: error: ${(err as Error).message}\n`);
      process.exitCode = 2;
    },
  );
}
