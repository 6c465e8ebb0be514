/**
 * `Model`: weights in native memory and the product that applies them.
 */
import { extname } from "node:path";

import { DTypeError, DisposedError, NpyFormatError, SafetensorsFormatError } from "../errors.js";
import { type FloatDType, isFloatDType } from "./dtype.js";
import { type MatmulOptions, matmul, matmulAsync } from "./matmul.js";
import { type IoSteps, readFileAsync, readFileSync } from "./formats/file-io.js";
import { readNpy, readNpyHeader } from "./formats/npy.js";
import { listNpzKeys, readNpzMemberAs, readNpzMembers } from "./formats/npz.js";
import { readConverted } from "./formats/read-converted.js";
import { readEntry, readSafetensorsHeader, selectEntries } from "./formats/safetensors.js";
import type { Tensor } from "./tensor.js";

/** Options of `Model.load`. */
export interface ModelLoadOptions {
  /** The `.npz` member or `.safetensors` tensor holding the weights. Default: the only one, or `weights`. */
  readonly key?: string;
  /**
   * Hold the weights in this dtype, converting while loading (round to nearest even). From `.npy`
   * and `.safetensors` files and stored `.npz` members the data streams through a bounded buffer,
   * so loading float32 weights as `"bfloat16"` peaks at the 16-bit model plus at most 8 MiB;
   * compressed `.npz` members are inflated whole, then converted. An `.npz` member's CRC-32 is
   * checked either way, as `loadNpz` checks it.
   */
  readonly dtype?: FloatDType;
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

  /**
   * Loads weights from a `.npy` file, a `.npz` member or a `.safetensors` tensor, blocking (so a
   * memo's `call()` can return it).
   */
  static load(path: string, options: ModelLoadOptions = {}): Model {
    checkDType(options.dtype);
    return new Model(readFileSync(path, (size) => readWeights(path, size, options)), path);
  }

  /** `Model.load` off the JavaScript thread. */
  static async loadAsync(path: string, options: ModelLoadOptions = {}): Promise<Model> {
    checkDType(options.dtype);
    return new Model(await readFileAsync(path, (size) => readWeights(path, size, options)), path);
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

function isNpz(path: string): boolean {
  return extname(path).toLowerCase() === ".npz";
}

function checkDType(dtype: unknown): void {
  if (dtype !== undefined && !(typeof dtype === "string" && isFloatDType(dtype as FloatDType))) {
    throw new DTypeError(`Model.load: dtype must be "bfloat16", "float16", "float32" or "float64", got ${JSON.stringify(dtype)}`);
  }
}

/** Reads the weights of a `.npy`, `.npz` or `.safetensors` file, converting chunk by chunk when asked to. */
function* readWeights(path: string, size: number, options: ModelLoadOptions): IoSteps<Tensor> {
  if (isNpz(path)) {
    const key = options.key ?? defaultKey(path, yield* listNpzKeys(path, size), npzError);
    if (options.dtype !== undefined) return yield* readNpzMemberAs(path, size, key, options.dtype);
    const members = yield* readNpzMembers(path, size, { keys: [key] });
    return members[key] as Tensor;
  }
  if (extname(path).toLowerCase() === ".safetensors") {
    const header = yield* readSafetensorsHeader(path, size);
    const key = options.key ?? defaultKey(path, header.tensors.map((t) => t.name), (p, m) => new SafetensorsFormatError(p, m));
    const [entry] = selectEntries(path, header, [key]);
    if (entry === undefined) throw new SafetensorsFormatError(path, `no tensor '${key}'`);
    if (options.dtype === undefined || options.dtype === entry.dtype) return yield* readEntry(path, entry);
    const truncated = (got: number, want: number): Error => new SafetensorsFormatError(path, `tensor '${key}' is truncated: read ${got} of ${want} bytes`);
    return yield* readConverted(entry, options.dtype, truncated);
  }
  if (options.dtype === undefined) return yield* readNpy(path, 0, size);
  const header = yield* readNpyHeader(path, 0, size);
  if (header.dtype === options.dtype) return yield* readNpy(path, 0, size);
  const source = { ...header, position: header.dataOffset, byteLength: header.dataBytes };
  return yield* readConverted(source, options.dtype, (got, want) => new NpyFormatError(path, `data is truncated: expected ${want} bytes, read ${got}`));
}

function npzError(path: string, message: string): Error {
  return new NpyFormatError(path, message);
}

function defaultKey(path: string, keys: readonly string[], error: (path: string, message: string) => Error): string {
  if (keys.length === 1 && keys[0] !== undefined) return keys[0];
  if (keys.includes("weights")) return "weights";
  throw error(path, `cannot tell which ${isNpz(path) ? "member" : "tensor"} holds the weights (${keys.join(", ")}); pass { key }`);
}
