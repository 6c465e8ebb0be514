/**
 * What the memory sampler costs a benchmark: a 10 ms CPU-bound function timed with no sampler thread, and
 * with one sampling at the default interval (5 ms) and at 1 ms. Calls alternate between the three; the
 * minimum is the figure least disturbed by other processes, the median is shown beside it.
 *
 *   npm run bench:sampler -- [--rounds 4] [--calls 50]
 */
import { parseArgs } from "node:util";
import { DEFAULT_MEMORY_INTERVAL_MS, MemorySampler } from "nnbench";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "4" }, calls: { type: "string", default: "50" } } });
const rounds = Number(values.rounds);
const calls = Number(values.calls);

/** Work that takes about `ms` milliseconds on this machine (calibrated after the code is optimized). */
function calibrate(ms: number): number {
  let n = 1 << 20;
  for (let i = 0; i < 20; i++) work(n);
  for (let i = 0; i < 4; i++) {
    const t: number[] = [];
    for (let j = 0; j < 7; j++) {
      const t0 = performance.now();
      work(n);
      t.push(performance.now() - t0);
    }
    t.sort((a, b) => a - b);
    n = Math.max(1, Math.round((n * ms) / t[0]!));
  }
  return n;
}

let sink = 0;
function work(n: number): void {
  let x = 1.0001;
  for (let i = 0; i < n; i++) x = x * 1.0000001 + 1e-9;
  sink += x;
}

function timeMs(n: number): number {
  const t0 = process.hrtime.bigint();
  work(n);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

calibrate(10); // the first pass lets the JIT settle; the second measures the optimized code
const n = calibrate(10);
const configs: { name: string; interval: number | undefined }[] = [
  { name: "no sampler", interval: undefined },
  { name: `sampler every ${DEFAULT_MEMORY_INTERVAL_MS} ms (default)`, interval: DEFAULT_MEMORY_INTERVAL_MS },
  { name: "sampler every 1 ms", interval: 1 },
];
// Calls alternate between the configurations, so load from other processes falls on all of them alike.
const times = new Map<string, number[]>(configs.map((c) => [c.name, []]));
for (let i = 0; i < rounds * calls; i++) {
  for (const c of configs) {
    const sampler = c.interval === undefined ? undefined : new MemorySampler({ intervalMs: c.interval, timeline: true });
    sampler?.reset();
    times.get(c.name)!.push(timeMs(n));
    sampler?.stop();
  }
}
const stat = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0]!, median: s[Math.floor(s.length / 2)]! };
};
const base = stat(times.get("no sampler")!);
console.log(`a ${base.min.toFixed(2)} ms CPU-bound benchmark; ${rounds * calls} calls per configuration, interleaved\n`);
console.log(`${"".padEnd(34)} ${"min".padStart(9)} ${"vs none".padStart(8)} ${"median".padStart(9)} ${"vs none".padStart(8)}`);
for (const c of configs) {
  const m = stat(times.get(c.name)!);
  const pct = (x: number, b: number) => `${(((x - b) / b) * 100).toFixed(2)} %`.padStart(8);
  console.log(`${c.name.padEnd(34)} ${m.min.toFixed(3).padStart(6)} ms ${pct(m.min, base.min)} ${m.median.toFixed(3).padStart(6)} ms ${pct(m.median, base.median)}`);
}
if (sink === 0) console.log("");
