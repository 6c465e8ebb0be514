/**
 * Large MatMul models for onnxruntime-node, a memo that opens one as an `InferenceSession`, and a family
 * over K of them. Evicting the memo calls the session's `release()`, so its weights are freed at once.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import * as ort from "onnxruntime-node";
import { memo, product, type BenchmarkFamily, type Memo } from "nnbench";
import { writeMatMulModel } from "./onnx-writer.js";

/** Input features of every model: W is `IN_FEATURES x outFeatures` float32. */
export const IN_FEATURES = 1024;
const MiB = 1024 * 1024;

/**
 * Session options that keep a model's memory at one copy of its weights: the weights stay in the
 * external data file onnxruntime maps (no copy while loading), no pre-packed second copy of W, and no
 * arena that keeps freed blocks. Without them, loading a model briefly takes about twice its size.
 */
export const LEAN_SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  enableCpuMemArena: false,
  extra: { session: { disable_prepacking: "1" } },
};

/** Writes `model1.onnx` .. `model<count>.onnx` (weights of `sizeMiB` MiB each, as external data) into `dir`. */
export function ensureOnnxModels(dir: string, count: number, sizeMiB: number): string[] {
  mkdirSync(dir, { recursive: true });
  const outFeatures = Math.max(1, Math.round((sizeMiB * MiB) / 4 / IN_FEATURES));
  const paths: string[] = [];
  for (let k = 1; k <= count; k++) {
    const path = join(dir, `model${k}.onnx`);
    paths.push(path);
    const weights = `${path}.weights`;
    if (existsSync(path) && existsSync(weights) && statSync(weights).size === IN_FEATURES * outFeatures * 4) continue;
    writeMatMulModel(path, { inFeatures: IN_FEATURES, outFeatures, externalData: true, weight: (i) => ((i + k) % 17) / 1024 });
  }
  return paths;
}

/** A memo that opens the model at `path` as a session; eviction releases it. */
export function sessionMemo(path: string): Memo<ort.InferenceSession> {
  return memo(() => ort.InferenceSession.create(path, LEAN_SESSION_OPTIONS), basename(path, ".onnx"));
}

/** One input row of ones. */
export function inputRow(): ort.Tensor {
  return new ort.Tensor("float32", new Float32Array(IN_FEATURES).fill(1), [1, IN_FEATURES]);
}

/** A family over the sessions of `paths`: each member runs its model on one row and returns y[0]. */
export function inferenceFamily(paths: readonly string[]): BenchmarkFamily {
  return product({ model: paths.map(sessionMemo) }, { name: "infer_{model}" })(async function infer({ model }: { model: ort.InferenceSession }) {
    const out = await model.run({ x: inputRow() });
    return (out.y!.data as Float32Array)[0];
  });
}

/** Loads onnxruntime's code and allocators with a tiny model, so later RSS growth is the models' own. */
export async function warmUpRuntime(dir: string): Promise<void> {
  const path = join(dir, "tiny.onnx");
  writeMatMulModel(path, { inFeatures: IN_FEATURES, outFeatures: 4 });
  const s = await ort.InferenceSession.create(path, LEAN_SESSION_OPTIONS);
  await s.run({ x: inputRow() });
  await s.release();
}
