/**
 * The run's plan, made before anything runs: where each benchmark's parameters come from, which fixtures
 * it takes, and after which benchmark each memo is used for the last time (the eviction schedule).
 */

import { isBenchmark, isBenchmarkFamily } from "../define/benchmark.js";
import { ParameterError } from "../errors.js";
import { isMemo, type Memo } from "../define/memo.js";
import type { Params } from "../types.js";
import type { Runnable } from "./collect.js";
import type { FixtureResolver } from "./fixtures.js";

/** Where a benchmark's parameter comes from. */
export type Source = { from: "bound" | "run" | "fixture"; value: unknown } | { from: "default" };

/** Fixture values, by parameter name. */
export type Fixtures = ReadonlyMap<string, unknown>;

/** What the runner needs to know before running: fixtures and when each memo is last used. */
export interface Plan {
  readonly items: readonly Runnable[];
  /** For each memo statically known to be used, the last item index that uses it. */
  readonly lastItem: Map<Memo<unknown>, number>;
  /** For families with known members: per item, memo -> last member index. */
  readonly lastMember: Map<number, Map<Memo<unknown>, number>>;
  /** Fixture values by item index and name. */
  readonly fixtures: Map<number, Fixtures>;
}

/** Whether `o` has its own key `k`. */
export function has(o: Params, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/** Works out where each parameter of a benchmark (given its bound values) comes from. */
export function sources(item: Runnable, bound: Params, runParams: Params, fixtures: Fixtures | undefined): Map<string, Source> {
  const out = new Map<string, Source>();
  const names = new Set([...item.interface.names, ...Object.keys(bound)]);
  if (item.interface.rest) for (const k of Object.keys(runParams)) names.add(k);
  for (const name of names) {
    if (has(bound, name)) out.set(name, { from: "bound", value: bound[name] });
    else if (has(runParams, name)) out.set(name, { from: "run", value: runParams[name] });
    else if (fixtures?.has(name) === true) out.set(name, { from: "fixture", value: fixtures.get(name) });
    else out.set(name, { from: "default" });
  }
  return out;
}

/** The memos among a benchmark's parameter values. */
export function memosOf(srcs: Map<string, Source>): Set<Memo<unknown>> {
  const out = new Set<Memo<unknown>>();
  for (const s of srcs.values()) if (s.from !== "default" && isMemo(s.value)) out.add(s.value);
  return out;
}

/** The first required parameter that nothing supplies, if any. */
export function missingRequired(item: Runnable, bound: Params, runParams: Params, fixtures: Fixtures | undefined): string | undefined {
  for (const name of item.interface.required) {
    if (!has(bound, name) && !has(runParams, name) && fixtures?.has(name) !== true) return name;
  }
  return undefined;
}

/** The error for a required parameter that nothing supplies. */
export function missingError(item: Runnable, benchmarkName: string, name: string): ParameterError {
  return new ParameterError(
    `benchmark ${benchmarkName} requires parameter ${JSON.stringify(name)}, which no family value, run parameter ` +
      `or fixture${item.origin ? ` (conf.* files from ${item.origin.file} up to ${item.origin.root})` : ""} supplies`,
    name,
    benchmarkName,
    "ERR_MISSING_PARAMETER",
  );
}

/** The bound values of each member, where known without producing members. */
function memberParams(item: Runnable): readonly Params[] | undefined {
  return isBenchmark(item) ? [item.bound] : item.paramSets;
}

/** Resolves a fixture for every name of `item` that not every member binds and no run parameter gives. */
async function resolveFixtures(item: Runnable, runParams: Params, resolver: FixtureResolver): Promise<Map<string, unknown>> {
  const sets = memberParams(item);
  const boundKeys = new Set<string>();
  if (sets !== undefined) for (const s of sets) for (const k of Object.keys(s)) boundKeys.add(k);
  if (isBenchmarkFamily(item) && sets === undefined && item.keys !== undefined) for (const k of item.keys) boundKeys.add(k);
  const fx = new Map<string, unknown>();
  for (const name of item.interface.names) {
    if (boundKeys.has(name) && sets !== undefined && sets.every((s) => has(s, name))) continue;
    if (has(runParams, name)) continue;
    const r = await resolver.resolve(name, item.origin);
    if (r.found) fx.set(name, r.value);
  }
  return fx;
}

/** Records the last use of each memo by item `i`; throws when a known member misses a required parameter. */
function scheduleItem(plan: Plan, i: number, item: Runnable, runParams: Params, fx: Fixtures): void {
  const sets = memberParams(item);
  if (sets === undefined) {
    // A one-shot family: members are unknown until produced; run parameters and fixtures it may take count.
    for (const name of item.interface.names) {
      const v = has(runParams, name) ? runParams[name] : fx.get(name);
      if (isMemo(v)) plan.lastItem.set(v, i);
    }
    return;
  }
  const perMember = new Map<Memo<unknown>, number>();
  for (const [j, s] of sets.entries()) {
    const label = isBenchmark(item) ? item.name : `${item.name}[${j}]`;
    const missing = missingRequired(item, s, runParams, fx);
    if (missing !== undefined) throw missingError(item, label, missing);
    for (const m of memosOf(sources(item, s, runParams, fx))) {
      plan.lastItem.set(m, i);
      perMember.set(m, j);
    }
  }
  plan.lastMember.set(i, perMember);
}

/** Warns about run parameters that no benchmark takes. */
function warnUnusedParams(items: readonly Runnable[], runParams: Params): void {
  if (items.some((item) => item.interface.rest)) return;
  const taken = new Set(items.flatMap((item) => item.interface.names));
  for (const k of Object.keys(runParams)) {
    if (!taken.has(k)) process.emitWarning(`run parameter ${JSON.stringify(k)} is not taken by any benchmark`, { code: "NNBENCH_UNUSED_PARAMETER" });
  }
}

/** Checks parameters, resolves fixtures and computes when each memo is used for the last time. */
export async function plan(items: readonly Runnable[], runParams: Params, resolver: FixtureResolver): Promise<Plan> {
  const out: Plan = { items, lastItem: new Map(), lastMember: new Map(), fixtures: new Map() };
  for (const [i, item] of items.entries()) {
    const fx = await resolveFixtures(item, runParams, resolver);
    out.fixtures.set(i, fx);
    scheduleItem(out, i, item, runParams, fx);
  }
  warnUnusedParams(items, runParams);
  return out;
}
