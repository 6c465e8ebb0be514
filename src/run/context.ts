/**
 * Context providers: functions returning facts about where a run happened (machine, Node.js, packages,
 * git), merged into the result's `context`.
 */

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join } from "node:path";
import { ContextKeyError } from "../errors.js";
import { gemmInfo } from "../native/index.js";
import type { JsonObject, JsonValue } from "../types.js";

/** Returns facts to merge into a run's context. May be async. */
export type ContextProvider = () => JsonObject | Promise<JsonObject>;

/** What `run(..., { context })` accepts: a plain object, or a list of providers and objects. */
export type ContextInput = JsonObject | ReadonlyArray<ContextProvider | JsonObject>;

/** Calls every provider and merges the objects; a key given twice is a `ContextKeyError`. */
export async function buildContext(input: ContextInput | undefined): Promise<JsonObject> {
  if (input === undefined) return {};
  if (!Array.isArray(input)) return { ...(input as JsonObject) };
  const out: JsonObject = {};
  for (const item of input as ReadonlyArray<ContextProvider | JsonObject>) {
    const part = typeof item === "function" ? await item() : item;
    if (typeof part !== "object" || part === null || Array.isArray(part))
      throw new TypeError("a context provider must return an object");
    for (const [k, v] of Object.entries(part)) {
      if (Object.prototype.hasOwnProperty.call(out, k)) throw new ContextKeyError(k);
      out[k] = v;
    }
  }
  return out;
}

/** `{ system: "Linux" }`: the operating system's name. */
export function system(): JsonObject {
  return { system: os.type() };
}

/** `{ cpuarch: "x86_64" }`: the machine's architecture as the OS names it. */
export function cpuarch(): JsonObject {
  return { cpuarch: os.machine() };
}

/** `{ node_version: "20.19.0" }`. */
export function nodeVersion(): JsonObject {
  return { node_version: process.versions.node };
}

function packageVersion(name: string, from: string): string | null {
  const require = createRequire(join(from, "noop.js"));
  try {
    return (require(`${name}/package.json`) as { version?: string }).version ?? null;
  } catch {
    // Packages whose exports hide package.json: find it beside the resolved entry point.
    try {
      let dir = dirname(require.resolve(name));
      for (;;) {
        try {
          const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
          if (pkg.name === name) return pkg.version ?? null;
        } catch {
          /* keep walking up */
        }
        const parent = dirname(dir);
        if (parent === dir) return null;
        dir = parent;
      }
    } catch {
      return null;
    }
  }
}

/**
 * A provider of `{ node: { version, v8, platform, packages: { name: version } } }`; package versions are
 * resolved from the current working directory (null when a package is not installed).
 */
export function NodeInfo(...packages: string[]): ContextProvider {
  return () => {
    const versions: JsonObject = {};
    for (const p of packages) versions[p] = packageVersion(p, process.cwd());
    return { node: { version: process.versions.node, v8: process.versions.v8, platform: process.platform, packages: versions } };
  };
}

async function git(args: string[], cwd: string): Promise<string | undefined> {
  // Loaded here: node:child_process brings the network and stream modules, which importing nnbench should not.
  const { execFile } = await import("node:child_process");
  return new Promise((resolvePromise) => {
    execFile("git", args, { cwd, timeout: 10_000 }, (err, stdout) => resolvePromise(err ? undefined : stdout.trim()));
  });
}

function providerOf(url: string): string {
  const host = /^(?:[a-z+]+:\/\/)?(?:[^@/]+@)?([^/:]+)/i.exec(url)?.[1] ?? "";
  return host;
}

function repositoryOf(url: string): string {
  const m = /[:/]([^/:]+\/[^/]+?)(?:\.git)?\/?$/.exec(url);
  return m?.[1] ?? url;
}

/**
 * A provider of `{ git: { commit, tag, provider, repository, dirty } }` for the repository around the
 * current working directory, read with the `git` command. Outside a repository (or without git) every
 * field is empty and `dirty` is false.
 */
export function GitEnvironmentInfo(remote = "origin", cwd = process.cwd()): ContextProvider {
  return async () => {
    const commit = (await git(["rev-parse", "HEAD"], cwd)) ?? "";
    const tag = commit ? ((await git(["describe", "--tags", "--exact-match"], cwd)) ?? "") : "";
    const url = (await git(["remote", "get-url", remote], cwd)) ?? "";
    const status = await git(["status", "--porcelain", "--untracked-files=no"], cwd);
    const info: { [k: string]: JsonValue } = {
      commit,
      tag,
      provider: url ? providerOf(url) : "",
      repository: url ? repositoryOf(url) : "",
      dirty: status !== undefined && status.length > 0,
    };
    return { git: info };
  };
}

/**
 * A provider of `{ cpu: { architecture, model, cores, frequency, frequency_unit, total_memory,
 * memory_unit } }`. `frequency` is the first core's current clock in MHz as the OS reports it (0 when it
 * does not); `total_memory` is in bytes.
 */
export function CPUInfo(): ContextProvider {
  return () => {
    const cpus = os.cpus();
    return {
      cpu: {
        architecture: os.machine(),
        system: os.type(),
        model: cpus[0]?.model.trim() ?? "",
        cores: typeof os.availableParallelism === "function" ? os.availableParallelism() : cpus.length,
        frequency: cpus[0]?.speed ?? 0,
        frequency_unit: "MHz",
        total_memory: os.totalmem(),
        memory_unit: "B",
      },
    };
  };
}

/**
 * A provider of `{ native: { gemm_isa, detected_isa, available_isas, float32_tile, float64_tile, threads,
 * compiler } }`: how the native addon's matrix-multiply kernel runs on this machine, which decides the
 * speed of `Model.apply` and `Tensor.matmul`.
 */
export function NativeInfo(): ContextProvider {
  return () => {
    const g = gemmInfo();
    return {
      native: {
        gemm_isa: g.isa,
        detected_isa: g.detectedIsa,
        available_isas: [...g.availableIsas],
        float32_tile: g.float32Tile,
        float64_tile: g.float64Tile,
        threads: g.threads,
        compiler: g.compiler,
      },
    };
  };
}
