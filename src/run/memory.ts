/**
 * The memory figures of one benchmark: a measurement starts before its memos load and finishes after its
 * tearDown, and gives the record's `memory` object.
 */

import { nativeMemory, resetNativePeak } from "../native/index.js";
import type { MemoryRecord } from "../types.js";

/** What a measurement remembers from its start. */
export interface MemoryMeasurement {
  readonly heapUsedBefore: number;
  readonly nativeBytesBefore: number;
}

/** Starts measuring one benchmark: records the heap and native bytes held now and resets the native peak. */
export function startMemoryMeasurement(): MemoryMeasurement {
  const heapUsedBefore = process.memoryUsage().heapUsed;
  const nativeBytesBefore = nativeMemory().bytes;
  resetNativePeak();
  return { heapUsedBefore, nativeBytesBefore };
}

/** Finishes a measurement: the record's `memory` object. */
export function finishMemoryMeasurement(m: MemoryMeasurement): MemoryRecord {
  const after = nativeMemory();
  return {
    native_peak_bytes: after.peakBytes,
    native_delta_bytes: after.bytes - m.nativeBytesBefore,
    heap_used_delta_bytes: process.memoryUsage().heapUsed - m.heapUsedBefore,
    rss_peak_bytes: process.resourceUsage().maxRSS * 1024,
  };
}
