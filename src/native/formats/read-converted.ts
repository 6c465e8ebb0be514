/**
 * Reading an array from a file into another floating-point dtype, in bounded chunks: the file's
 * bytes pass through one chunk-sized buffer and are converted into the target tensor, so the peak
 * is the converted tensor plus one chunk, never a full-size copy in the file's dtype.
 */
import { DTypeError } from "../../errors.js";
import { addon } from "../addon.js";
import { type DType, type FloatDType, dtypeCode, isFloatDType, itemSize } from "../dtype.js";
import { type IoSteps, readInto } from "./file-io.js";
import { type Tensor, newStorage, wrapStorage } from "../tensor.js";

/** Bytes of the file read per step (a multiple of every item size). */
export const CONVERT_CHUNK_BYTES = 8 << 20;

/** Where an array's bytes are in a file and how they are laid out. */
export interface ArraySource {
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** File offset of the first byte. */
  readonly position: number;
  readonly byteLength: number;
  readonly bigEndian?: boolean;
  readonly fortranOrder?: boolean;
}

/**
 * Reads `source` converted to `target`. `truncated(got, want)` makes the error for a short read.
 * Chunks default to CONVERT_CHUNK_BYTES.
 */
export function* readConverted(
  source: ArraySource,
  target: FloatDType,
  truncated: (got: number, want: number) => Error,
  chunkBytes = CONVERT_CHUNK_BYTES,
): IoSteps<Tensor> {
  if (!isFloatDType(source.dtype)) {
    throw new DTypeError(`cannot load ${source.dtype} data as ${target}: only float16, bfloat16, float32 and float64 convert`);
  }
  const item = itemSize(source.dtype);
  const count = source.byteLength / item;
  const out = newStorage(count * itemSize(target), false);
  const step = Math.max(item, Math.min(Math.floor(chunkBytes / 8) * 8, source.byteLength));
  const chunk = newStorage(source.byteLength === 0 ? 0 : step, false);
  try {
    for (let done = 0; done < source.byteLength; done += step) {
      const length = Math.min(step, source.byteLength - done);
      const got = yield* readInto(source.position + done, chunk, 0, length);
      if (got !== length) throw truncated(done + got, source.byteLength);
      if (source.bigEndian) addon.byteSwap(chunk, item);
      addon.convert(chunk, dtypeCode(source.dtype), 0, out, dtypeCode(target), done / item, length / item);
    }
  } catch (error) {
    out.dispose();
    throw error;
  } finally {
    chunk.dispose();
  }
  const tensor = wrapStorage(out, source.shape, target);
  if (!source.fortranOrder || source.shape.length < 2) return tensor;
  // Fortran order: reorder the converted array, so the peak is twice the converted size.
  try {
    const ordered = newStorage(tensor.byteLength, false);
    addon.fortranToC(out, ordered, source.shape, itemSize(target));
    return wrapStorage(ordered, source.shape, target);
  } finally {
    tensor.dispose();
  }
}
