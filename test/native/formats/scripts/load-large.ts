// Loads one large .npy or .npz file in a fresh process and prints what it cost, as JSON.
import { loadNpy, loadNpySync, loadNpz, nativeMemory, resetNativePeak } from "../../../../src/index.js";

const [path, mode] = process.argv.slice(2) as [string, "sync" | "async" | "npz" | "mmap"];
const maxRssBytes = (): number => process.resourceUsage().maxRSS * 1024;

resetNativePeak();
const rssBefore = maxRssBytes();
const tensor =
  mode === "sync"
    ? loadNpySync(path)
    : mode === "async"
      ? await loadNpy(path)
      : mode === "mmap"
        ? loadNpySync(path, { mmap: true })
        : Object.values(await loadNpz(path))[0]!;
const rssAfter = maxRssBytes();
const result = {
  byteLength: tensor.byteLength,
  nativePeak: nativeMemory().peakBytes,
  rssGrowth: rssAfter - rssBefore,
  sum: tensor.sum(),
};
tensor.dispose();
process.stdout.write(JSON.stringify({ ...result, bytesAfterDispose: nativeMemory().bytes }));
