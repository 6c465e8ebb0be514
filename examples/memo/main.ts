/**
 * The memo guide, runnable: three large models benchmarked one after another, each loaded lazily by a
 * memo and evicted in tearDown, so the process never holds more than one of them.
 *
 *   npm start -- [--size-mib 256] [--batch 16] [--data-dir examples/memo/data]
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ConsoleReporter, nativeMemory, run } from "nnbench";
import { accuracyFamily, ensureModels, FEATURES, inputBatch, rowsFor } from "./models.js";

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    "size-mib": { type: "string", default: "256" },
    batch: { type: "string", default: "16" },
    "data-dir": { type: "string", default: join(here, "data") },
  },
});
const sizeMiB = Number(values["size-mib"]);
const batch = Number(values.batch);
if (!(sizeMiB > 0) || !Number.isInteger(batch) || batch < 1) {
  console.error("usage: main.ts [--size-mib N] [--batch N] [--data-dir DIR]");
  process.exit(2);
}

const MiB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

const paths = ensureModels(values["data-dir"], 3, sizeMiB);
using data = inputBatch(batch);
const family = accuracyFamily(paths, { tearDownEvicts: true });
// The tearDown evicts each model itself, so the runner's automatic eviction is switched off here;
// without the tearDown, the default evict: "auto" gives the same peak.
const result = await run([family], { name: "memo-guide", params: { data }, evict: "manual" });

await new ConsoleReporter().write(result);
const peak = Math.max(...result.benchmarks.map((r) => r.memory?.native_peak_bytes ?? 0));
console.log(`\n${paths.length} models of ${mib(rowsFor(sizeMiB) * FEATURES * 4)} each; native peak ${mib(peak)}; held after the run ${mib(nativeMemory().bytes)}`);

