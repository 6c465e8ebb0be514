/**
 * Reading an array from a file into another floating-point dtype, in bounded chunks: the file's
 * bytes pass through one chunk-sized buffer and are converted into the target tensor, so the peak
 * is the converted tensor plus one chunk, never a full-size copy in the file's dtype.
 */
import { DTypeError } from "../../errors.js";
import { addon } from "../addon.js";
import { type DType, type FloatDType, dtypeCode, isFloatDType, itemSize } from "../dtype.js";
import { type IoSteps, readInto, readIntoChecked } from "./file-io.js";
import { type Tensor, newStorage, wrapStorage } from "../tensor.js";

/** Bytes of the file read per step (a multiple of every item size). */
export const CONVERT_CHUNK_BYTES = 8 << 20;

/**
 * A CRC-32 check over the bytes a converting read streams (a stored `.npz` member's): the CRC is
 * continued natively over each chunk as it is read, from `seed`, and handed to `finish`, which
 * completes it and throws to refuse the array. Nothing is read twice.
 */
export interface StreamCrc {
  /** The CRC-32 of the bytes in the file before the array's data. */
  readonly seed: number;
  /** Judges the CRC-32 of everything up to the end of the data; throwing refuses the array. */
  readonly finish: (crc: number) => IoSteps<void>;
}

/** Options of `readConverted`. */
export interface ReadConvertedOptions {
  /** Bytes of the file read per step; CONVERT_CHUNK_BYTES by default. */
  readonly chunkBytes?: number;
  /** Check the bytes read against a CRC-32 before the array is returned. */
  readonly crc?: StreamCrc;
}

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
 * On any failure, a refused CRC-32 among them, nothing read is left allocated.
 */
export function* readConverted(
  source: ArraySource,
  target: FloatDType,
  truncated: (got: number, want: number) => Error,
  options: ReadConvertedOptions = {},
): IoSteps<Tensor> {
  if (!isFloatDType(source.dtype)) {
    throw new DTypeError(`cannot load ${source.dtype} data as ${target}: only float16, bfloat16, float32 and float64 convert`);
  }
  const item = itemSize(source.dtype);
  const count = source.byteLength / item;
  const out = newStorage(count * itemSize(target), false);
  const chunkBytes = options.chunkBytes ?? CONVERT_CHUNK_BYTES;
  const step = Math.max(item, Math.min(Math.floor(chunkBytes / 8) * 8, source.byteLength));
  const chunk = newStorage(source.byteLength === 0 ? 0 : step, false);
  const check = options.crc;
  let crc = check?.seed ?? 0;
  try {
    for (let done = 0; done < source.byteLength; done += step) {
      const length = Math.min(step, source.byteLength - done);
      let got: number;
      if (check) ({ bytes: got, crc32: crc } = yield* readIntoChecked(source.position + done, chunk, 0, length, crc));
      else got = yield* readInto(source.position + done, chunk, 0, length);
      if (got !== length) throw truncated(done + got, source.byteLength);
      if (source.bigEndian) addon.byteSwap(chunk, item);
      addon.convert(chunk, dtypeCode(source.dtype), 0, out, dtypeCode(target), done / item, length / item);
    }
    if (check) yield* check.finish(crc);
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
