/**
 * `Model`: weights in native memory and the product that applies them.
 */
import { extname } from "node:path";

import { DisposedError, NpyFormatError } from "../errors.js";
import { type MatmulOptions, matmul, matmulAsync } from "./matmul.js";
import { loadNpy, loadNpySync } from "./formats/npy.js";
import { loadNpz, loadNpzSync, npzKeysSync } from "./formats/npz.js";
import type { Tensor } from "./tensor.js";

/** Options of `Model.load`. */
export interface ModelLoadOptions {
  /** The `.npz` member holding the weights. Default: the only member, or `weights`. */
  readonly key?: string;
}

/**
 * A linear model: a weight matrix in native memory. `apply(x)` computes `weights @ x` on the
 * native kernel. Dispose it (or evict its memo) to free the weights at once.
 */
export class Model implements Disposable {
  readonly #weights: Tensor;
  /** Where the weights were loaded from, when they came from a file. */
  readonly source: string | undefined;

  /** Makes a model that owns `weights` (they are disposed with the model). */
  constructor(weights: Tensor, source?: string) {
    this.#weights = weights;
    this.source = source;
  }

  /** Loads weights from a `.npy` file or a `.npz` member, blocking (so a memo's `call()` can return it). */
  static load(path: string, options: ModelLoadOptions = {}): Model {
    const key = npzMember(path, options);
    const weights = key === undefined ? loadNpySync(path) : loadNpzSync(path, { keys: [key] })[key];
    return new Model(weights as Tensor, path);
  }

  /** `Model.load` off the JavaScript thread. */
  static async loadAsync(path: string, options: ModelLoadOptions = {}): Promise<Model> {
    const key = npzMember(path, options);
    const weights = key === undefined ? await loadNpy(path) : (await loadNpz(path, { keys: [key] }))[key];
    return new Model(weights as Tensor, path);
  }

  /** The weight matrix. It belongs to the model: do not dispose it separately. */
  get weights(): Tensor {
    if (this.#weights.disposed) throw new DisposedError("Model");
    return this.#weights;
  }

  /** True once the weights were freed. */
  get disposed(): boolean {
    return this.#weights.disposed;
  }

  /** `weights @ x` as a new tensor (or into `options.out`). */
  apply(x: Tensor, options?: MatmulOptions): Tensor {
    return matmul(this.weights, x, options);
  }

  /** `apply` off the JavaScript thread. */
  applyAsync(x: Tensor, options?: MatmulOptions): Promise<Tensor> {
    return matmulAsync(this.weights, x, options);
  }

  /** Frees the weights now. Idempotent. */
  dispose(): void {
    this.#weights.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** A short description, e.g. `Model(model1.npz: float32 [256, 256])`. */
  toString(): string {
    const w = this.#weights;
    const what = `${w.dtype} [${w.shape.join(", ")}]`;
    return `Model(${this.source ? `${this.source}: ` : ""}${w.disposed ? "disposed" : what})`;
  }

  /** Models serialize as their description. */
  toJSON(): string {
    return this.toString();
  }
}

/** The `.npz` member holding the weights, or undefined for a `.npy` file. */
function npzMember(path: string, options: ModelLoadOptions): string | undefined {
  if (extname(path).toLowerCase() !== ".npz") return undefined;
  return options.key ?? defaultKey(path, npzKeysSync(path));
}

function defaultKey(path: string, keys: readonly string[]): string {
  if (keys.length === 1 && keys[0] !== undefined) return keys[0];
  if (keys.includes("weights")) return "weights";
  throw new NpyFormatError(path, `cannot tell which member holds the weights (${keys.join(", ")}); pass { key }`);
}
