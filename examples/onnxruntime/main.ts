/**
 * onnxruntime-node models benchmarked with nnbench: a family over K MatMul models, each opened as an
 * `InferenceSession` by a memo. With the default evict: "auto" the runner releases each session after its
 * last benchmark (and collects garbage), so the process holds one model at a time; every record says what
 * its own benchmark took.
 *
 *   npm run example:onnxruntime -- [--models 4] [--size-mib 128] [--data-dir examples/onnxruntime/data]
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ConsoleReporter, residentBytes, run } from "nnbench";
import { ensureOnnxModels, inferenceFamily, warmUpRuntime } from "./models.js";

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    models: { type: "string", default: "4" },
    "size-mib": { type: "string", default: "128" },
    "data-dir": { type: "string", default: join(here, "data") },
  },
});
const count = Number(values.models);
const sizeMiB = Number(values["size-mib"]);
if (!Number.isInteger(count) || count < 1 || !(sizeMiB > 0)) {
  console.error("usage: main.ts [--models N] [--size-mib N] [--data-dir DIR]");
  process.exit(2);
}

const MiB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

const paths = ensureOnnxModels(values["data-dir"], count, sizeMiB);
await warmUpRuntime(values["data-dir"]);
const before = residentBytes();
const result = await run([inferenceFamily(paths)], { name: "onnxruntime", memoryTimeline: true });

await new ConsoleReporter().write(result);
console.log(`\n${count} models of ${sizeMiB} MiB; RSS before the family ${mib(before)}`);
for (const r of result.benchmarks) {
  const m = r.memory!;
  console.log(
    `${r.name.padEnd(16)} RSS peak ${mib(m.rss_peak_bytes!)} (own +${mib(m.rss_peak_bytes! - m.rss_start_bytes!)}, ` +
      `over the family's start +${mib(m.rss_peak_bytes! - before)}), after eviction ${mib(m.rss_end_bytes!)} [${m.rss_method}]`,
  );
}
