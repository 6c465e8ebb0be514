// Creates and disposes `count` tensors of `bytes` each, one at a time, and prints how much the
// process's peak resident memory grew meanwhile (JSON).
import { Tensor, nativeMemory } from "../../../src/index.js";

const bytes = Number(process.argv[2]);
const count = Number(process.argv[3]);
const peakBefore = process.resourceUsage().maxRSS * 1024;
for (let i = 0; i < count; i++) {
  using t = Tensor.zeros([bytes / 4], "float32");
  t.data()[i % t.size] = i;
}
const peakAfter = process.resourceUsage().maxRSS * 1024;
process.stdout.write(JSON.stringify({ peakGrowth: peakAfter - peakBefore, bytesHeld: nativeMemory().bytes }));
