/**
 * The pieces of the memo guide: model files on disk, a memo that loads one lazily, and a benchmark
 * family over several models.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import {
  cachedMemo,
  evictMemo,
  getMemoByValue,
  Memo,
  Model,
  product,
  saveNpzSync,
  Tensor,
  type BenchmarkFamily,
  type State,
} from "nnbench";

/** Input features per model: weights are `rows x FEATURES` float32. */
export const FEATURES = 8192;
const MiB = 1024 * 1024;

/** Rows of a weight matrix of `sizeMiB` MiB. */
export function rowsFor(sizeMiB: number): number {
  return Math.max(1, Math.round((sizeMiB * MiB) / 4 / FEATURES));
}

/**
 * Writes `model1.npz` .. `model<count>.npz` (float32 weights of about `sizeMiB` MiB each) into `dir`,
 * skipping files that already have the right size, and returns their paths.
 */
export function ensureModels(dir: string, count: number, sizeMiB: number): string[] {
  mkdirSync(dir, { recursive: true });
  const rows = rowsFor(sizeMiB);
  const bytes = rows * FEATURES * 4;
  const paths: string[] = [];
  for (let k = 1; k <= count; k++) {
    const path = join(dir, `model${k}.npz`);
    paths.push(path);
    if (existsSync(path)) {
      const size = statSync(path).size;
      if (size >= bytes && size < bytes + 4096) continue;
    }
    process.stderr.write(`writing ${path} (${(bytes / MiB).toFixed(0)} MiB)\n`);
    using w = Tensor.zeros([rows, FEATURES], "float32");
    const view = w.data();
    // Deterministic, model-specific weights: row r of model k holds (k + r % 7) / FEATURES.
    for (let r = 0; r < rows; r++) view.fill((k + (r % 7)) / FEATURES, r * FEATURES, (r + 1) * FEATURES);
    saveNpzSync(path, { weights: w });
  }
  return paths;
}

/** Loads a model the first time a benchmark needs it; evicting the memo frees its weights. */
export class ModelMemo extends Memo<Model> {
  /** With `dtype`, the weights are held in that 16-bit type (converted while loading). */
  constructor(
    readonly path: string,
    readonly dtype?: "bfloat16" | "float16",
  ) {
    super();
  }

  @cachedMemo
  call(): Model {
    return Model.load(this.path, this.dtype ? { dtype: this.dtype } : {});
  }

  override toString(): string {
    return basename(this.path, ".npz");
  }
}

/** A tearDown that evicts the model the benchmark just used, freeing its native memory now. */
export function evictModel(_state: State, params: Readonly<Record<string, unknown>>): void {
  const m = getMemoByValue(params.model);
  if (m) evictMemo(m);
}

/** The benchmark: apply the model to a batch and reduce the output to a number. */
export function accuracy({ model, data }: { model: Model; data: Tensor }): number {
  using out = model.apply(data);
  return out.sum() / out.size;
}

/** `accuracy` over every model in `paths`, optionally evicting each model in tearDown. */
export function accuracyFamily(paths: readonly string[], options: { tearDownEvicts: boolean; dtype?: "bfloat16" }): BenchmarkFamily {
  const models = paths.map((p) => new ModelMemo(p, options.dtype));
  return product({ model: models }, options.tearDownEvicts ? { tearDown: evictModel } : {})(accuracy);
}

/** A batch of `batch` input vectors (`FEATURES x batch`, all ones). */
export function inputBatch(batch: number): Tensor {
  const t = Tensor.zeros([FEATURES, batch], "float32");
  t.data().fill(1);
  return t;
}
