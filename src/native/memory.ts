/**
 * Exact figures on the native memory tensors hold.
 */
import { addon, type NativeMemoryStats } from "./addon.js";

export type { NativeMemoryStats } from "./addon.js";

/**
 * Native bytes held by tensors now, the peak since the last `resetNativePeak()`, and the number of
 * live tensors. Counts elements x item size of every tensor in the process, so the figures are
 * exact and the same on every machine.
 */
export function nativeMemory(): NativeMemoryStats {
  return addon.nativeMemory();
}

/** Starts a new peak: `nativeMemory().peakBytes` becomes the bytes held now. */
export function resetNativePeak(): void {
  addon.resetNativePeak();
}
