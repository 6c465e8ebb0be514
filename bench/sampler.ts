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

/** CPU time of `work(n)` in ms: unlike wall time, not stretched by other processes on a busy machine. */
function cpuMs(n: number): number {
  const c0 = process.cpuUsage();
  work(n);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

/** Work that takes about `ms` milliseconds on this machine (calibrated after the code is optimized). */
function calibrate(ms: number): number {
  let n = 1 << 20;
  for (let i = 0; i < 20; i++) work(n);
  for (let i = 0; i < 4; i++) {
    const t: number[] = [];
    for (let j = 0; j < 7; j++) t.push(cpuMs(n));
    t.sort((a, b) => a - b);
    n = Math.max(1, Math.round((n * ms) / t[0]!));
  }
  return n;
}

function timeMs(n: number): number {
  const t0 = process.hrtime.bigint();
  work(n);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

let sink = 0;
function work(n: number): void {
  let x = 1.0001;
  for (let i = 0; i < n; i++) x = x * 1.0000001 + 1e-9;
  sink += x;
}



// Calibrate (on CPU time) until the optimized code takes 10 ms (the JIT may speed it up after the first passes).
let n = calibrate(10);
for (let i = 0; i < 5; i++) {
  let best = Infinity;
  for (let j = 0; j < 9; j++) best = Math.min(best, cpuMs(n));
  if (Math.abs(best - 10) < 0.5) break;
  n = Math.round((n * 10) / best);
}
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

// The sampler's own CPU cost, free of other processes' noise: the process's CPU time while this thread
// sleeps and only the sampler works, per sample, as a share of each interval.
{
  const sleep = new Int32Array(new SharedArrayBuffer(4));
  const idle0 = process.cpuUsage();
  Atomics.wait(sleep, 0, 0, 2000);
  const idle = process.cpuUsage(idle0); // what the process costs with no sampler
  const sampler = new MemorySampler({ intervalMs: 1, timeline: true, capacity: 1 << 16 });
  sampler.reset();
  const c0 = process.cpuUsage();
  Atomics.wait(sleep, 0, 0, 2000);
  const c = process.cpuUsage(c0);
  const samples = sampler.takeTimeline().t_ms.length;
  sampler.stop();
  const perSampleUs = Math.max(0, c.user + c.system - idle.user - idle.system) / samples;
  console.log(
    `\nsampler CPU: ${perSampleUs.toFixed(1)} µs per sample (${samples} samples in 2 s, process CPU ${((c.user + c.system) / 1000).toFixed(1)} ms, ${((idle.user + idle.system) / 1000).toFixed(1)} ms without it),\n` +
      `that is ${((perSampleUs / (DEFAULT_MEMORY_INTERVAL_MS * 1000)) * 100).toFixed(3)} % of the default ${DEFAULT_MEMORY_INTERVAL_MS} ms interval and ` +
      `${((perSampleUs / 1000) * 100).toFixed(3)} % at 1 ms`,
  );
}
if (sink === 0) console.log("");
