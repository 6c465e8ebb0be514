/**
 * Finding benchmarks: importing benchmark files and picking out the exported benchmarks and families.
 */

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { isBenchmark, isBenchmarkFamily } from "../define/benchmark.js";
import { CollectError } from "../errors.js";
import { importFile } from "./import-file.js";
import type { Benchmark, BenchmarkFamily } from "../types.js";

/** Options of `collect()`. */
export interface CollectOptions {
  /** Keep only benchmarks and families carrying at least one of these tags. */
  tags?: readonly string[];
}

/** Something `run()` accepts: a benchmark or a family. */
export type Runnable = Benchmark | BenchmarkFamily;

const SOURCE = /\.(?:ts|mts|js|mjs)$/;

function isBenchmarkFile(name: string): boolean {
  return SOURCE.test(name) && !/\.d\.m?ts$/.test(name) && !name.startsWith("conf.");
}

/** Every benchmark file under `dir`, depth first, entries sorted by name; skips node_modules and dot-folders. */
export function benchmarkFiles(dir: string): string[] {
  const out: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === "node_modules" || e.name.startsWith(".")) continue;
      out.push(...benchmarkFiles(p));
    } else if (e.isFile() && isBenchmarkFile(e.name)) out.push(p);
  }
  return out;
}

/** Picks benchmarks and families out of exported values (also inside exported arrays), without repeats. */
function pick(values: Iterable<unknown>, into: Runnable[], seen: Set<unknown>): void {
  for (const v of values) {
    if (seen.has(v)) continue;
    if (isBenchmark(v) || isBenchmarkFamily(v)) {
      seen.add(v);
      into.push(v);
    } else if (Array.isArray(v)) {
      seen.add(v);
      pick(v, into, seen);
    }
  }
}

/** Export names in the order the file declares them (module namespaces list them alphabetically). */
function exportOrder(file: string, names: readonly string[]): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [...names];
  }
  const position = (name: string): number => {
    const escaped = name.replace(/[$]/g, "\\$");
    const decl = new RegExp(`\\bexport\\s+(?:declare\\s+)?(?:const|let|var|function\\*?|async\\s+function\\*?|class)\\s+${escaped}\\b`).exec(text);
    if (decl) return decl.index;
    const listed = new RegExp(`\\bexport\\s*\\{[^}]*\\b${escaped}\\b`).exec(text);
    return listed ? listed.index : Number.MAX_SAFE_INTEGER;
  };
  const pos = new Map(names.map((n) => [n, position(n)] as const));
  return [...names].sort((a, b) => pos.get(a)! - pos.get(b)!);
}

function hasTag(item: Runnable, tags: readonly string[] | undefined): boolean {
  return tags === undefined || tags.length === 0 || item.tags.some((t) => tags.includes(t));
}

/**
 * Imports a benchmark file (`.ts`, `.mts`, `.js`, `.mjs`), or every such file in a directory tree
 * (sorted; `node_modules` and `conf.*` fixture files skipped), and returns its exported benchmarks and
 * families in declaration order, keeping those with one of `tags` when given. TypeScript needs no compile
 * step. Also accepts an already imported module object (or an array of benchmarks).
 */
export async function collect(pathOrModule: string | object, options: CollectOptions = {}): Promise<Runnable[]> {
  const out: Runnable[] = [];
  const seen = new Set<unknown>();
  if (typeof pathOrModule !== "string") {
    if (typeof pathOrModule !== "object" || pathOrModule === null) throw new TypeError("collect() takes a path or a module object");
    pick(Array.isArray(pathOrModule) ? pathOrModule : Object.values(pathOrModule), out, seen);
    return out.filter((b) => hasTag(b, options.tags));
  }
  const root = resolve(pathOrModule);
  if (!existsSync(root)) throw new CollectError(`no such benchmark file or directory: ${pathOrModule}`);
  const isDir = statSync(root).isDirectory();
  if (!isDir && !SOURCE.test(root)) throw new CollectError(`${pathOrModule} is not a .ts, .mts, .js or .mjs file`);
  const files = isDir ? benchmarkFiles(root) : [root];
  for (const file of files) {
    let module: Record<string, unknown>;
    try {
      module = await importFile(file);
    } catch (e) {
      throw new CollectError(`cannot import ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const found: Runnable[] = [];
    pick(
      exportOrder(file, Object.keys(module)).map((k) => module[k]),
      found,
      seen,
    );
    for (const item of found) {
      if (item.origin === undefined) item.origin = { file, root: isDir ? root : resolve(root, "..") };
      out.push(item);
    }
  }
  return out.filter((b) => hasTag(b, options.tags));
}
