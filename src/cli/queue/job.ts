/** What the submitter of a distributed run and its workers exchange through the queue. */
import type { BenchmarkRecord, JsonObject } from "../../types.js";
import type { ChildRunOptions } from "../protocol.js";
import type { CodeIdentity } from "./identity.js";

/** One job: a benchmark, a family, or one member of a family. */
export interface JobData {
  /** The run this job belongs to (the submitter's, unique per submission). */
  submission: string;
  /** Position of the job in collection order. */
  order: number;
  /** The benchmark or family name, for progress and error records. */
  label: string;
  /** The benchmark file, relative to the working directory. */
  file: string;
  /** The directory fixtures are looked up to, relative to the working directory. */
  root: string;
  /** Position of the benchmark or family in the file. */
  index: number;
  /** Position of the member in its family, with `--granularity member`. */
  member?: number;
  options: ChildRunOptions;
  /** Per benchmark, in milliseconds. */
  timeout?: number;
  code: CodeIdentity;
}

/** What a worker returns for a job. */
export interface JobResult {
  worker: WorkerContext;
  records: BenchmarkRecord[];
}

/** The machine a record was measured on; every record of a distributed run carries its worker's. */
export interface WorkerContext extends JsonObject {
  /** `host:pid`, unique among the workers of a queue. */
  id: string;
  host: string;
  platform: string;
  arch: string;
  cpu: string;
  cores: number;
  total_memory: number;
  node: string;
  /** The native addon's build: its GEMM instruction set and compiler. */
  addon: JsonObject;
  nnbench: string;
}

/** What a worker reports while a job runs (BullMQ job progress). */
export interface JobProgress extends JsonObject {
  worker: string;
  running: string;
}
