/**
 * Fixtures, as in pytest's conftest: a parameter that nothing else supplies is looked up as an exported
 * function of that name in a `conf.ts` (or `.mts`, `.js`, `.mjs`) beside the benchmark file, then in
 * parent directories up to the directory `collect()` was given.
 */

import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { FixtureError } from "../errors.js";
import { importFile } from "./import-file.js";
import { parseParameters } from "../define/params.js";
import type { BenchmarkOrigin } from "../types.js";

/** File names searched for fixtures, in order, in each directory. */
export const CONF_FILES = ["conf.ts", "conf.mts", "conf.js", "conf.mjs"] as const;

type FixtureFn = (params: Record<string, unknown>) => unknown;

interface Found {
  /** The conf file that defines the fixture. */
  file: string;
  fn: FixtureFn;
}

/** The directories searched for a benchmark defined in `file`, nearest first, ending at `root`. */
export function fixtureDirectories(origin: BenchmarkOrigin): string[] {
  let rootDir = resolve(origin.root);
  if (existsSync(rootDir) && statSync(rootDir).isFile()) rootDir = dirname(rootDir);
  const dirs: string[] = [];
  let dir = dirname(resolve(origin.file));
  for (;;) {
    dirs.push(dir);
    if (dir === rootDir) break;
    const parent = dirname(dir);
    // Stop at the filesystem root, or when `file` is not under `root` at all.
    if (parent === dir || !(dir + sep).startsWith(rootDir + sep)) break;
    dir = parent;
  }
  return dirs;
}

/**
 * Resolves fixtures for one run. Each fixture is computed once per conf file (so once per directory) and
 * may itself take other fixtures (or run parameters) by destructuring them.
 */
export class FixtureResolver {
  readonly #modules = new Map<string, Promise<Record<string, unknown> | undefined>>();
  readonly #values = new Map<string, Promise<unknown>>();
  readonly #runParams: Readonly<Record<string, unknown>>;

  constructor(runParams: Readonly<Record<string, unknown>> = {}) {
    this.#runParams = runParams;
  }

  async #confModule(dir: string): Promise<{ file: string; module: Record<string, unknown> } | undefined> {
    for (const name of CONF_FILES) {
      const file = join(dir, name);
      if (!existsSync(file)) continue;
      let p = this.#modules.get(file);
      if (p === undefined) {
        p = importFile(file).catch((e: unknown) => {
          throw new FixtureError(`cannot load fixtures from ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        });
        this.#modules.set(file, p);
      }
      const module = await p;
      if (module !== undefined) return { file, module };
    }
    return undefined;
  }

  async #find(name: string, dirs: readonly string[]): Promise<Found | undefined> {
    for (const dir of dirs) {
      const conf = await this.#confModule(dir);
      const fn = conf?.module[name];
      if (conf !== undefined && typeof fn === "function") return { file: conf.file, fn: fn as FixtureFn };
    }
    return undefined;
  }

  /** Whether a fixture named `name` is visible from a benchmark defined at `origin`. */
  async has(name: string, origin: BenchmarkOrigin | undefined): Promise<boolean> {
    if (origin === undefined) return false;
    return (await this.#find(name, fixtureDirectories(origin))) !== undefined;
  }

  /**
   * The value of fixture `name` for a benchmark defined at `origin`, or `undefined` with `found: false`
   * when no conf file defines it.
   */
  async resolve(name: string, origin: BenchmarkOrigin | undefined): Promise<{ found: boolean; value?: unknown }> {
    if (origin === undefined) return { found: false };
    return this.#resolveIn(name, fixtureDirectories(origin), []);
  }

  async #resolveIn(name: string, dirs: readonly string[], stack: readonly string[]): Promise<{ found: boolean; value?: unknown }> {
    const found = await this.#find(name, dirs);
    if (found === undefined) return { found: false };
    const key = `${found.file}\0${name}`;
    if (stack.includes(key)) {
      const chain = [...stack, key].map((k) => k.split("\0")[1]).join(" -> ");
      throw new FixtureError(`fixtures depend on each other in a cycle: ${chain} (in ${found.file})`);
    }
    let p = this.#values.get(key);
    if (p === undefined) {
      p = this.#compute(name, found, dirs, [...stack, key]);
      this.#values.set(key, p);
    }
    return { found: true, value: await p };
  }

  async #compute(name: string, found: Found, dirs: readonly string[], stack: readonly string[]): Promise<unknown> {
    const parsed = parseParameters(found.fn);
    if (parsed.kind === "positional")
      throw new FixtureError(`fixture ${name} in ${found.file} must destructure the fixtures it takes (${parsed.reason})`);
    const args: Record<string, unknown> = {};
    if (parsed.kind === "destructured") {
      const own = dirname(found.file);
      for (const dep of parsed.info.names) {
        if (Object.prototype.hasOwnProperty.call(this.#runParams, dep)) {
          args[dep] = this.#runParams[dep];
          continue;
        }
        // A fixture that takes its own name extends the one from a parent directory.
        const from = dep === name ? dirs.slice(dirs.indexOf(own) + 1) : dirs.slice(dirs.indexOf(own));
        const r = await this.#resolveIn(dep, from, stack);
        if (r.found) args[dep] = r.value;
        else if (parsed.info.required.includes(dep))
          throw new FixtureError(`fixture ${name} in ${found.file} takes ${dep}, which no run parameter or fixture supplies`);
      }
    }
    try {
      return await found.fn(args);
    } catch (e) {
      throw new FixtureError(`fixture ${name} in ${found.file} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
}
