/** Messages between the `nnbench run` process and the child processes that run benchmarks for it. */
import type { BenchmarkRecord } from "../types.js";

/** Options every child runs with. */
export interface ChildRunOptions {
  tags: string[];
  repeat?: number;
  warmup?: number;
  memory?: MemoryCommandOptions;
}

/** The memory options of `nnbench run`, as `run()` takes them. */
export interface MemoryCommandOptions {
  memoryInterval?: number;
  memoryTimeline?: boolean;
  memoryLimit?: string;
  maxMemoBytes?: string;
  failOnLeak?: boolean;
}

/** Parent to child. */
export type ToChild =
  /** Collect `path` and report what would run. */
  | { type: "list"; path: string; options: ChildRunOptions }
  /**
   * Run the benchmarks of `file` (only the `index`-th benchmark or family when given, and of a family
   * only its `member`-th member when given), skipping `skip`. With `stay` the child waits for the next
   * message instead of exiting when done.
   */
  | { type: "run"; file: string; root: string; index?: number; member?: number; skip: string[]; options: ChildRunOptions; stay?: boolean };

/** One benchmark or family a listing found. */
export interface ListedItem {
  file: string;
  /** Position among the items collected from `file`. */
  index: number;
  name: string;
  /** Members: 1 for a single benchmark, -1 when a family's size is unknown. */
  size: number;
}

/** Child to parent. */
export type FromChild =
  | { type: "listed"; items: ListedItem[] }
  | { type: "start"; name: string; nativeBytes: number }
  | { type: "end"; record: BenchmarkRecord; nativeBytes: number }
  | { type: "memory"; nativeBytes: number }
  | { type: "done" }
  | { type: "failed"; message: string; stack?: string };
