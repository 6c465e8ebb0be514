/** The interface every result destination implements. */
import type { BenchmarkResult } from "../types.js";

/** Writes benchmark results to a target and reads them back. */
export interface Reporter {
  /** Stores one run's result at `target`. */
  write(result: BenchmarkResult, target: string): Promise<void>;
  /** Every run stored at `target`, in the order they were stored. */
  read(target: string): Promise<BenchmarkResult[]>;
}
