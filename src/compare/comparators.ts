/**
 * Comparators on a benchmark's value, as in Python nnbench: the built-in ones, and loading a user's own
 * from a comparison file.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { ComparisonError } from "../errors.js";
import { importFile } from "../run/import-file.js";
import type { JsonObject, JsonValue } from "../types.js";

/**
 * Decides whether a benchmark's value in a later run compares favourably with its value in the
 * baseline. Implement it to write your own; `toString()` describes the rule in the output.
 */
export interface Comparator {
  compare(value: JsonValue | undefined, baseline: JsonValue | undefined): boolean;
  toString(): string;
}

function bothNumbers(a: JsonValue | undefined, b: JsonValue | undefined): [number, number] | undefined {
  return typeof a === "number" && typeof b === "number" ? [a, b] : undefined;
}

/** Passes when the value is at least the baseline's (`x ≥ y`), e.g. for accuracy. */
export class GreaterEqual implements Comparator {
  compare(value: JsonValue | undefined, baseline: JsonValue | undefined): boolean {
    const n = bothNumbers(value, baseline);
    return n !== undefined && n[0] >= n[1];
  }
  toString(): string {
    return "x ≥ y";
  }
}

/** Passes when the value is at most the baseline's (`x ≤ y`), e.g. for a loss. */
export class LessEqual implements Comparator {
  compare(value: JsonValue | undefined, baseline: JsonValue | undefined): boolean {
    const n = bothNumbers(value, baseline);
    return n !== undefined && n[0] <= n[1];
  }
  toString(): string {
    return "x ≤ y";
  }
}

/** Passes when the value is within `thresh` of the baseline's (`|x − y| ≤ thresh`). */
export class AbsDiffLessEqual implements Comparator {
  readonly thresh: number;

  /** Accepts the threshold, or nnbench's keyword arguments `{ thresh }`. */
  constructor(thresh: number | { thresh?: unknown; threshold?: unknown }) {
    const t = typeof thresh === "number" ? thresh : (thresh.thresh ?? thresh.threshold);
    if (typeof t !== "number" || !Number.isFinite(t) || t < 0) {
      throw new ComparisonError(`AbsDiffLessEqual needs a threshold >= 0 ("kwargs": {"thresh": 0.01}), got ${JSON.stringify(t)}`);
    }
    this.thresh = t;
  }
  compare(value: JsonValue | undefined, baseline: JsonValue | undefined): boolean {
    const n = bothNumbers(value, baseline);
    return n !== undefined && Math.abs(n[0] - n[1]) <= this.thresh;
  }
  toString(): string {
    return `|x − y| ≤ ${this.thresh}`;
  }
}

/** The comparators a comparison file can name by class alone. */
export const BUILTIN_COMPARATORS = { GreaterEqual, LessEqual, AbsDiffLessEqual } as const;

function isComparator(v: unknown): v is Comparator {
  return typeof v === "object" && v !== null && typeof (v as { compare?: unknown }).compare === "function";
}

/** One entry of a comparison file. */
export interface ComparatorSpec {
  /** A built-in class name, or `"path/to/module.js:ExportName"` (also `"module"` + `"class"`). */
  class: string;
  module?: string;
  kwargs?: JsonObject;
}

/** The module path (if any) and export name a spec names. */
function targetOf(spec: ComparatorSpec): { modulePath: string | undefined; exportName: string } {
  const colon = spec.class.lastIndexOf(":");
  if (spec.module === undefined && colon > 0) return { modulePath: spec.class.slice(0, colon), exportName: spec.class.slice(colon + 1) };
  return { modulePath: spec.module, exportName: spec.class };
}

function makeBuiltin(exportName: string, kwargs: JsonObject, where: string): Comparator {
  const Builtin = (BUILTIN_COMPARATORS as Record<string, new (kw: JsonObject) => Comparator>)[exportName];
  if (!Builtin) {
    throw new ComparisonError(
      `${where}: unknown comparator class "${exportName}"; built in: ${Object.keys(BUILTIN_COMPARATORS).join(", ")}, ` +
        `or give "path/to/module.js:ExportName"`,
    );
  }
  // Python nnbench passes kwargs by name; the built-ins here take them as one object.
  return new Builtin(kwargs);
}

/** A user's export: a class (constructed with `kwargs`), a factory (called with `kwargs`) or a comparator object. */
async function makeUserComparator(modulePath: string, exportName: string, kwargs: JsonObject, baseDir: string, where: string): Promise<Comparator> {
  let mod: Record<string, unknown>;
  try {
    mod = await importFile(path.resolve(baseDir, modulePath));
  } catch (err) {
    throw new ComparisonError(`${where}: cannot import ${modulePath}: ${(err as Error).message}`, { cause: err });
  }
  const exported = mod[exportName];
  if (exported === undefined) throw new ComparisonError(`${where}: ${modulePath} has no export "${exportName}"`);
  let made: unknown = exported;
  if (typeof exported === "function") {
    const isClass = /^class[\s{]/.test(Function.prototype.toString.call(exported));
    try {
      made = isClass ? new (exported as new (kw: JsonObject) => unknown)(kwargs) : (exported as (kw: JsonObject) => unknown)(kwargs);
    } catch (err) {
      throw new ComparisonError(`${where}: constructing ${exportName} failed: ${(err as Error).message}`, { cause: err });
    }
  }
  if (!isComparator(made)) throw new ComparisonError(`${where}: ${exportName} is not a comparator (an object with a compare(value, baseline) method)`);
  return made;
}

/**
 * Builds a comparator from its spec. A user's export may be a class (constructed with `kwargs`),
 * a factory function (called with `kwargs`) or a comparator object. Module paths resolve from `baseDir`.
 */
export async function makeComparator(spec: ComparatorSpec, baseDir = process.cwd(), where = "comparator"): Promise<Comparator> {
  if (typeof spec !== "object" || spec === null || typeof spec.class !== "string" || spec.class === "") {
    throw new ComparisonError(`${where}: expected {"class": "<name>", "kwargs": {...}}`);
  }
  const kwargs = spec.kwargs ?? {};
  if (typeof kwargs !== "object" || kwargs === null || Array.isArray(kwargs)) throw new ComparisonError(`${where}: "kwargs" must be an object`);
  const { modulePath, exportName } = targetOf(spec);
  if (modulePath === undefined) return makeBuiltin(exportName, kwargs, where);
  return makeUserComparator(modulePath, exportName, kwargs, baseDir, where);
}

async function readJsonObject(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    throw new ComparisonError(`cannot read comparison file ${file}: ${(err as Error).message}`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ComparisonError(`comparison file ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new ComparisonError(`comparison file ${file} must hold an object of benchmark name -> {"class", "kwargs"}`);
  }
  return doc as Record<string, unknown>;
}

/**
 * Reads a comparison file shaped like Python nnbench's:
 * `{ "<benchmark or function name>": { "class": "GreaterEqual", "kwargs": {} } }`.
 * Custom comparators' module paths resolve from the file's directory.
 */
export async function loadComparisonFile(file: string): Promise<Record<string, Comparator>> {
  const doc = await readJsonObject(file);
  const out: Record<string, Comparator> = {};
  for (const [name, spec] of Object.entries(doc)) {
    out[name] = await makeComparator(spec as ComparatorSpec, path.dirname(path.resolve(file)), `${file}: "${name}"`);
  }
  return out;
}
