/**
 * Project configuration of the `nnbench` command, found by walking up from the working directory:
 * the first directory holding `nnbench.config.ts`, `nnbench.config.mts`, `nnbench.config.js`,
 * `nnbench.config.mjs`, `nnbench.config.json`, or a `package.json` with an `nnbench` key, wins.
 *
 * ```json
 * {
 *   "nnbench": {
 *     "logLevel": "info",
 *     "output": "results/latest.json",
 *     "providers": [{ "name": "gpu", "module": "./tools/context.js", "export": "gpuInfo", "args": [0] }],
 *     "context": ["git", "cpu", "gpu", "team=vision"]
 *   }
 * }
 * ```
 *
 * `providers` defines context providers by name; `context` lists what every run records, with the
 * syntax of `--context` (a provider name or `key=value`). A module's export is called with `args`:
 * a returned object is context, a returned function is a provider and is called in turn.
 */
import { existsSync, promises as fs } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { ConfigError } from "../errors.js";
import { importFile } from "../run/import-file.js";
import type { JsonObject, JsonValue } from "../types.js";

/** A context provider defined in the configuration. */
export interface ProviderSpec {
  /** The name `--context` and `context` use. */
  name: string;
  /** A path (relative to the configuration file) or package name. */
  module: string;
  /** The export to call; default `default`. */
  export?: string;
  /** Arguments it is called with. */
  args?: JsonValue[];
}

/** What the configuration may set. */
export interface NnbenchConfig {
  logLevel?: "silent" | "error" | "warn" | "info" | "debug";
  /** Where `nnbench run` writes results when `-o` is not given. */
  output?: string;
  providers?: ProviderSpec[];
  /** Context entries every run records: provider names or `key=value`. */
  context?: string[];
  /** Defaults of `nnbench run` options. */
  jobs?: number;
  repeat?: number;
  warmup?: number;
  timeout?: number;
}

/** A configuration and where it came from. */
export interface LoadedConfig {
  config: NnbenchConfig;
  /** The file it was read from; undefined when none was found. */
  file?: string;
  /** The directory relative paths in it resolve from. */
  dir: string;
}

/** Configuration file names, in the order they are looked for in each directory. */
export const CONFIG_FILES = [
  "nnbench.config.ts",
  "nnbench.config.mts",
  "nnbench.config.js",
  "nnbench.config.mjs",
  "nnbench.config.json",
] as const;

const KEYS: Record<keyof NnbenchConfig, (v: unknown) => boolean> = {
  logLevel: (v) => typeof v === "string" && ["silent", "error", "warn", "info", "debug"].includes(v),
  output: (v) => typeof v === "string" && v !== "",
  providers: (v) => Array.isArray(v),
  context: (v) => Array.isArray(v) && v.every((x) => typeof x === "string"),
  jobs: (v) => Number.isInteger(v) && (v as number) >= 1,
  repeat: (v) => Number.isInteger(v) && (v as number) >= 1,
  warmup: (v) => Number.isInteger(v) && (v as number) >= 0,
  timeout: (v) => typeof v === "number" && v > 0,
};

const EXPECTED: Record<keyof NnbenchConfig, string> = {
  logLevel: 'one of "silent", "error", "warn", "info", "debug"',
  output: "a results target such as results.json or sqlite://results.db",
  providers: "an array of {name, module, export?, args?}",
  context: 'an array of strings (provider names or "key=value")',
  jobs: "an integer >= 1",
  repeat: "an integer >= 1",
  warmup: "an integer >= 0",
  timeout: "a number of milliseconds > 0",
};

/** Checks a configuration object; `source` names it in errors. */
export function validateConfig(value: unknown, source: string): NnbenchConfig {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(`${source}: the nnbench configuration must be an object`);
  }
  for (const [key, v] of Object.entries(value)) {
    const check = KEYS[key as keyof NnbenchConfig];
    if (!check) throw new ConfigError(`${source}: unknown key "${key}"; known keys: ${Object.keys(KEYS).join(", ")}`);
    if (!check(v)) throw new ConfigError(`${source}: "${key}" must be ${EXPECTED[key as keyof NnbenchConfig]}`);
  }
  const config = value as NnbenchConfig;
  const names = new Set<string>();
  config.providers?.forEach((p, i) => {
    const where = `${source}: providers[${i}]`;
    if (typeof p !== "object" || p === null) throw new ConfigError(`${where} must be an object`);
    if (typeof p.name !== "string" || !/^[\w.-]+$/.test(p.name)) throw new ConfigError(`${where}.name must be a word (letters, digits, _ . -)`);
    if (typeof p.module !== "string" || p.module === "") throw new ConfigError(`${where}.module must be a module path`);
    if (p.export !== undefined && typeof p.export !== "string") throw new ConfigError(`${where}.export must be a string`);
    if (p.args !== undefined && !Array.isArray(p.args)) throw new ConfigError(`${where}.args must be an array`);
    if (names.has(p.name)) throw new ConfigError(`${where}: provider "${p.name}" is defined twice`);
    names.add(p.name);
  });
  return config;
}

async function readConfigFile(file: string): Promise<NnbenchConfig> {
  try {
    if (file.endsWith(".json")) {
      const text = await fs.readFile(file, "utf8");
      return validateConfig(JSON.parse(text) as unknown, file);
    }
    const mod = await importFile(file);
    return validateConfig(mod.default ?? mod.config, file);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** Finds and reads the nearest configuration above `cwd`; an empty configuration when there is none. */
export async function loadConfig(cwd = process.cwd()): Promise<LoadedConfig> {
  let dir = path.resolve(cwd);
  for (;;) {
    for (const name of CONFIG_FILES) {
      const file = path.join(dir, name);
      if (existsSync(file)) return { config: await readConfigFile(file), file, dir };
    }
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg)) {
      let doc: unknown;
      try {
        doc = JSON.parse(await fs.readFile(pkg, "utf8")) as unknown;
      } catch (err) {
        throw new ConfigError(`cannot read ${pkg}: ${(err as Error).message}`, { cause: err });
      }
      const section = (doc as { nnbench?: unknown } | null)?.nnbench;
      if (section !== undefined) return { config: validateConfig(section, `${pkg} "nnbench"`), file: pkg, dir };
    }
    const parent = path.dirname(dir);
    if (parent === dir) return { config: {}, dir: path.resolve(cwd) };
    dir = parent;
  }
}

/** Imports a configured provider and returns a function producing its context. */
export async function loadProvider(spec: ProviderSpec, dir: string): Promise<() => Promise<JsonObject>> {
  let file: string;
  if (spec.module.startsWith(".") || path.isAbsolute(spec.module)) {
    file = path.resolve(dir, spec.module);
  } else {
    try {
      file = createRequire(path.join(dir, "noop.js")).resolve(spec.module);
    } catch (err) {
      throw new ConfigError(`context provider "${spec.name}": cannot find module ${spec.module}`, { cause: err });
    }
  }
  let mod: Record<string, unknown>;
  try {
    mod = await importFile(file);
  } catch (err) {
    throw new ConfigError(`context provider "${spec.name}": cannot import ${spec.module}: ${(err as Error).message}`, { cause: err });
  }
  const exportName = spec.export ?? "default";
  const fn = mod[exportName];
  if (typeof fn !== "function") throw new ConfigError(`context provider "${spec.name}": ${spec.module} has no function export "${exportName}"`);
  return () => callProvider(fn as (...args: unknown[]) => unknown, spec.args ?? [], `context provider "${spec.name}"`);
}

/**
 * Calls a provider or provider factory: a returned function is called in turn (so both `system` and
 * `CPUInfo` work), and the final value must be an object.
 */
export async function callProvider(fn: (...args: unknown[]) => unknown, args: readonly unknown[], what: string): Promise<JsonObject> {
  let out = await fn(...args);
  if (typeof out === "function") out = await (out as () => unknown)();
  if (typeof out !== "object" || out === null || Array.isArray(out)) throw new ConfigError(`${what} did not return an object`);
  return out as JsonObject;
}
