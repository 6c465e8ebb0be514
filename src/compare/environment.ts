/**
 * Whether results were measured in comparable environments. A run on one machine describes its machine in
 * its context (the CPU, Node.js, addon build and OS providers); in a run spread over workers
 * (`nnbench run --queue`) the context is the submitter's, and each record names the machine that
 * measured it in `worker`. Timings from different machines, Node.js versions or addon builds are not
 * comparable, so these differences become warnings, naming the fields, benchmarks and workers involved.
 */
import { flattenObject } from "../text/units.js";
import type { BenchmarkRecord, BenchmarkResult, JsonValue } from "../types.js";

/**
 * Context keys whose difference makes timings incomparable: machine, OS, Node.js, and the addon's build
 * (`native.*` from the `NativeInfo` provider: kernel instruction set, tiles, threads, compiler).
 */
function isEnvironmentKey(key: string): boolean {
  const k = key.toLowerCase();
  if (k === "cpu.frequency") return false; // the current clock, changes from moment to moment
  return /^(cpu|cpuarch|system|platform|arch|node|node_version|native|addon|nnbench)(\.|$)/.test(k) || /(^|\.)addon(\.|_|$)/.test(k);
}

/** A machine as the flattened fields a worker records of it (`host`, `cpu`, `addon.gemm_isa`, ...). */
type Machine = Record<string, JsonValue>;

/** Where a run's context, as nnbench's providers write it, says what a worker's fields say. */
const WORKER_FIELD_OF_CONTEXT_KEY: Readonly<Record<string, string>> = {
  "cpu.model": "cpu",
  "cpu.cores": "cores",
  "cpu.total_memory": "total_memory",
  "cpu.architecture": "arch",
  cpuarch: "arch",
  "node.version": "node",
  node_version: "node",
  "node.platform": "platform",
  "native.gemm_isa": "addon.gemm_isa",
  "native.compiler": "addon.compiler",
};

/** Whether some record of `result` was measured by a worker of a queue (its context is then the submitter's). */
function isDistributed(result: BenchmarkResult): boolean {
  return result.benchmarks.some((b) => b.worker !== undefined);
}

/** The machine that measured `record`: its worker's fields less the worker's id, else what its run's context says. */
function machineOf(record: BenchmarkRecord, result: BenchmarkResult): Machine {
  if (record.worker !== undefined) {
    const { id: _id, ...fields } = record.worker;
    return flattenObject(fields);
  }
  const context = flattenObject(result.context);
  const machine: Machine = {};
  for (const [key, field] of Object.entries(WORKER_FIELD_OF_CONTEXT_KEY)) if (key in context) machine[field] = context[key]!;
  return machine;
}

/**
 * The fields whose values differ: of every field either machine names when both come from workers (`all`),
 * else of the fields both name (a run's context tells only some).
 */
function differingFields(a: Machine, b: Machine, all: boolean): string[] {
  const keys = all ? [...new Set([...Object.keys(a), ...Object.keys(b)])] : Object.keys(a).filter((k) => k in b);
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/** `name` or up to ten names, then how many more. */
function listed(names: readonly string[]): string {
  const shown = names.slice(0, 10).join(", ");
  return names.length > 10 ? `${shown} and ${names.length - 10} more` : shown;
}

/** Records measured on one machine, and by which workers. */
interface Side {
  machine: Machine;
  workers: Set<string>;
  benchmarks: string[];
}

function sideOf(machine: Machine): Side {
  return { machine, workers: new Set(), benchmarks: [] };
}

function addRecord(side: Side, record: BenchmarkRecord): void {
  side.benchmarks.push(record.name);
  if (typeof record.worker?.id === "string") side.workers.add(record.worker.id);
}

/** Who measured a side's records: its workers, or its run's own machine. */
function measuredBy(side: Side): string {
  const ids = [...side.workers];
  return ids.length === 0 ? "the run's own machine" : `worker${ids.length > 1 ? "s" : ""} ${listed(ids)}`;
}

/** `field "a" vs "b"` for every differing field. */
function differences(fields: readonly string[], a: Machine, b: Machine): string {
  const shown = (v: JsonValue | undefined): string => (v === undefined ? "(not recorded)" : JSON.stringify(v));
  return fields.map((f) => `${f} ${shown(a[f])} vs ${shown(b[f])}`).join(", ");
}

/** Warnings for every environment key of the runs' contexts (CPU, Node.js version, addon build, OS) whose value differs. */
function runContextWarnings(baseline: BenchmarkResult, other: BenchmarkResult): string[] {
  const a = flattenObject(baseline.context);
  const b = flattenObject(other.context);
  return differingFields(a, b, false)
    .filter(isEnvironmentKey)
    .map((key) => `runs "${baseline.run}" and "${other.run}" differ in context ${key}: ${JSON.stringify(a[key])} vs ${JSON.stringify(b[key])}`);
}

/** Warnings for the benchmarks of both runs (matched by name) that were measured on machines that differ. */
function recordMachineWarnings(baseline: BenchmarkResult, other: BenchmarkResult): string[] {
  const later = new Map<string, BenchmarkRecord>();
  for (const c of other.benchmarks) if (!later.has(c.name)) later.set(c.name, c);
  const pairs = new Map<string, { fields: string[]; base: Side; cur: Side }>();
  const seen = new Set<string>();
  for (const b of baseline.benchmarks) {
    const c = later.get(b.name);
    if (c === undefined || seen.has(b.name)) continue;
    seen.add(b.name);
    const [mb, mc] = [machineOf(b, baseline), machineOf(c, other)];
    const fields = differingFields(mb, mc, b.worker !== undefined && c.worker !== undefined);
    if (fields.length === 0) continue;
    const key = JSON.stringify(fields.map((f) => [f, mb[f], mc[f]]));
    let pair = pairs.get(key);
    if (!pair) pairs.set(key, (pair = { fields, base: sideOf(mb), cur: sideOf(mc) }));
    addRecord(pair.base, b);
    addRecord(pair.cur, c);
  }
  return [...pairs.values()].map(({ fields, base, cur }) => {
    const n = base.benchmarks.length;
    return (
      `runs "${baseline.run}" and "${other.run}" measured ${n} benchmark${n > 1 ? "s" : ""} on different machines: ` +
      `${differences(fields, base.machine, cur.machine)} (${measuredBy(base)} vs ${measuredBy(cur)}; ${listed(base.benchmarks)})`
    );
  });
}

/**
 * Warnings for what makes two runs' timings incomparable: environment keys of their contexts (CPU, Node.js
 * version, addon build, OS) whose values differ, and, when either run was spread over workers (whose
 * records carry `worker`; its context is then the submitter's), the benchmarks measured on machines that
 * differ, naming the fields, the workers and the benchmarks.
 */
export function contextWarnings(baseline: BenchmarkResult, other: BenchmarkResult): string[] {
  if (!isDistributed(baseline) && !isDistributed(other)) return runContextWarnings(baseline, other);
  return recordMachineWarnings(baseline, other);
}

/**
 * Warnings for a run whose records were measured by workers on machines that differ (in host, CPU,
 * cores, memory, Node.js version or addon build): each group of workers unlike the group that measured
 * the most benchmarks, with the differing fields, the workers and the benchmarks on both sides.
 */
export function workerWarnings(result: BenchmarkResult): string[] {
  const sides = new Map<string, Side>();
  for (const record of result.benchmarks) {
    if (record.worker === undefined) continue;
    const machine = machineOf(record, result);
    const key = JSON.stringify(Object.entries(machine).sort(([a], [b]) => a.localeCompare(b)));
    let side = sides.get(key);
    if (!side) sides.set(key, (side = sideOf(machine)));
    addRecord(side, record);
  }
  const [most, ...others] = [...sides.values()].sort((a, b) => b.benchmarks.length - a.benchmarks.length);
  if (most === undefined) return [];
  return others.map(
    (side) =>
      `run "${result.run}" was measured on different machines: ${differences(differingFields(most.machine, side.machine, true), most.machine, side.machine)} ` +
      `(${measuredBy(most)}: ${listed(most.benchmarks)}; ${measuredBy(side)}: ${listed(side.benchmarks)})`,
  );
}
