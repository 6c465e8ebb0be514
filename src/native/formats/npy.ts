/**
 * NumPy `.npy` files: bytes go from the file straight into native memory.
 */
import { NpyFormatError, NpyHeaderError, ZipFormatError } from "../../errors.js";
import { addon } from "../addon.js";
import { type DType, itemSize } from "../dtype.js";
import {
  type IoSteps,
  readBytes,
  readFileAsync,
  mapRange,
  readFileSync,
  readInto,
  readIntoChecked,
  writeBytes,
  writeFileAsync,
  writeFileSync,
  writeFrom,
} from "./file-io.js";
import { MAX_DIMENSIONS, MAX_HEADER_BYTES, type NpyHeader, PREAMBLE_BYTES, formatHeader, parseHeader, parsePreamble } from "./npy-header.js";
import { Tensor, newStorage, storageOf, wrapStorage } from "../tensor.js";

/** Reads and checks the header of the `.npy` bytes at `base`, which span `span` bytes of the file. */
export function* readNpyHeader(path: string, base: number, span: number): IoSteps<NpyHeader> {
  try {
    const preambleBytes = yield* readBytes(base, Math.min(PREAMBLE_BYTES, span));
    const preamble = parsePreamble(preambleBytes);
    const headerEnd = preamble.headerStart + preamble.headerLength;
    if (preamble.headerLength > MAX_HEADER_BYTES || headerEnd > span) {
      throw new NpyHeaderError(`header length ${preamble.headerLength} runs past the end of the data (${span} bytes)`);
    }
    const text = yield* readBytes(base + preamble.headerStart, preamble.headerLength);
    return parseHeader(text, preamble, span - headerEnd);
  } catch (error) {
    throw asFormatError(path, error);
  }
}

/**
 * Names `path` in a format error a parser raised without knowing the file, and turns a `TypeError` or
 * `RangeError` from reading malformed bytes into an `NpyFormatError`; other errors pass through.
 */
export function asFormatError(path: string, error: unknown): unknown {
  if (error instanceof NpyFormatError) {
    if (error.path !== "") return error;
    if (error instanceof NpyHeaderError) return new NpyHeaderError(error.reason, { path, cause: error.cause });
    if (error instanceof ZipFormatError) return new ZipFormatError(error.reason, { path, cause: error.cause });
    return new NpyFormatError(path, error.reason, { cause: error.cause });
  }
  if (error instanceof TypeError || error instanceof RangeError) return new NpyFormatError(path, error.message, { cause: error });
  return error;
}

/** Makes a C-ordered, native-endian tensor from data laid out as `header` says, in place where possible. */
export function finishTensor(header: NpyHeader, raw: Tensor): Tensor {
  if (header.bigEndian) addon.byteSwap(storageOf(raw), itemSize(header.dtype));
  if (!header.fortranOrder || header.shape.length < 2) return raw;
  try {
    const ordered = newStorage(raw.byteLength, false);
    addon.fortranToC(storageOf(raw), ordered, header.shape, itemSize(header.dtype));
    return wrapStorage(ordered, header.shape, header.dtype);
  } finally {
    raw.dispose();
  }
}

/** Options of `loadNpy`. */
export interface LoadNpyOptions {
  /**
   * Map the file's data instead of reading it: loading is O(1) and pages are read on first touch.
   * The mapping is private (writes to the tensor never reach the file); the file must not be
   * truncated while the tensor lives. Big-endian or Fortran-ordered data is converted on load.
   */
  readonly mmap?: boolean;
}

/**
 * Reads a whole `.npy` array at `base` (spanning `span` bytes) into a new tensor. With `crc32`, the
 * CRC-32 its container records for those `span` bytes (a stored `.npz` member's), every byte is
 * checked against it (mapped data too: that reads every page) and a mismatch is an `NpyFormatError`.
 */
export function* readNpy(path: string, base: number, span: number, options: LoadNpyOptions = {}, crc32?: number): IoSteps<Tensor> {
  const header = yield* readNpyHeader(path, base, span);
  // The CRC runs in file order: over the header, then the data as it is read, then what follows.
  const check = crc32 !== undefined;
  const headCrc = check ? yield* headerCrc(path, base, header) : 0;
  let raw: Tensor;
  let crc = headCrc;
  if (options.mmap) {
    raw = wrapStorage(yield* mapRange(base + header.dataOffset, header.dataBytes), header.shape, header.dtype);
  } else {
    [raw, crc] = yield* readData(path, base, header, check ? headCrc : undefined);
  }
  try {
    if (check) {
      if (options.mmap && header.dataBytes > 0) crc = addon.crc32(new Uint8Array(storageOf(raw).arrayBuffer(), 0, header.dataBytes), crc);
      yield* checkSpanCrc(path, base, span, header, crc, crc32);
    }
    return finishTensor(header, raw);
  } catch (error) {
    raw.dispose();
    throw error;
  }
}

/** Reads the data of the `.npy` at `base` into a new tensor; with `crc`, also `crc` continued over the data. */
function* readData(path: string, base: number, header: NpyHeader, crc: number | undefined): IoSteps<[Tensor, number]> {
  const raw = wrapStorage(newStorage(header.dataBytes, false), header.shape, header.dtype);
  try {
    const position = base + header.dataOffset;
    const read =
      crc !== undefined
        ? yield* readIntoChecked(position, storageOf(raw), 0, header.dataBytes, crc)
        : { bytes: yield* readInto(position, storageOf(raw), 0, header.dataBytes), crc32: 0 };
    if (read.bytes !== header.dataBytes) {
      throw new NpyFormatError(path, `data is truncated: expected ${header.dataBytes} bytes, read ${read.bytes}`);
    }
    return [raw, read.crc32];
  } catch (error) {
    raw.dispose();
    throw error;
  }
}

/** Bytes of the span outside the data (header before, padding after) read per step. */
const CRC_CHUNK_BYTES = 1 << 20;

/**
 * The CRC-32 of the bytes of the `.npy` at `base` before its data (magic, version, header), for the
 * reader of the data to continue.
 */
export function* headerCrc(path: string, base: number, header: NpyHeader): IoSteps<number> {
  try {
    return yield* bytesCrc(base, header.dataOffset, 0);
  } catch (error) {
    throw asFormatError(path, error);
  }
}

/**
 * Checks the `.npy` span of `span` bytes at `base` against `expected`, the CRC-32 its container
 * records: `crc` is the CRC-32 of the span up to the end of the data, which this continues over
 * the bytes after it. A mismatch is an `NpyFormatError` naming `path`.
 */
export function* checkSpanCrc(path: string, base: number, span: number, header: NpyHeader, crc: number, expected: number): IoSteps<void> {
  const dataEnd = header.dataOffset + header.dataBytes;
  let actual: number;
  try {
    actual = yield* bytesCrc(base + dataEnd, span - dataEnd, crc);
  } catch (error) {
    throw asFormatError(path, error);
  }
  if (actual !== expected >>> 0) {
    throw new NpyFormatError(path, `stored bytes do not match the CRC-32 the archive records (0x${hex(expected)}, read 0x${hex(actual)})`);
  }
}

/** `crc` updated with the `length` bytes at `position`. */
function* bytesCrc(position: number, length: number, crc: number): IoSteps<number> {
  for (let at = 0; at < length; at += CRC_CHUNK_BYTES) {
    const want = Math.min(CRC_CHUNK_BYTES, length - at);
    const bytes = yield* readBytes(position + at, want);
    if (bytes.length !== want) throw new NpyHeaderError(`file ends ${length - at - bytes.length} bytes early`);
    crc = addon.crc32(bytes, crc);
  }
  return crc;
}

function hex(crc: number): string {
  return (crc >>> 0).toString(16).padStart(8, "0");
}

/** Writes `tensor` as `.npy` bytes at `base`; returns the bytes written. */
export function* writeNpy(base: number, tensor: Tensor): IoSteps<number> {
  const header = formatHeader(tensor.dtype, tensor.shape);
  yield* writeBytes(base, header);
  if (tensor.byteLength > 0) yield* writeFrom(base + header.length, storageOf(tensor), 0, tensor.byteLength);
  return header.length + tensor.byteLength;
}

/** The dtype and shape a `.npy` file holds, read from its header only. */
export interface NpyInfo {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly fortranOrder: boolean;
  readonly version: 1 | 2 | 3;
}

/**
 * Loads a `.npy` file into a new tensor in native memory. Malformed or unsupported files raise
 * `NpyFormatError` (naming the file and the reason) before anything is allocated.
 */
export function loadNpy(path: string, options: LoadNpyOptions = {}): Promise<Tensor> {
  return readFileAsync(path, (size) => readNpy(path, 0, size, options));
}

/** `loadNpy`, blocking. */
export function loadNpySync(path: string, options: LoadNpyOptions = {}): Tensor {
  return readFileSync(path, (size) => readNpy(path, 0, size, options));
}

/** Reads only the header of a `.npy` file. */
export function readNpyInfoSync(path: string): NpyInfo {
  return readFileSync(path, (size) => readNpyHeader(path, 0, size));
}

/** Checks that `tensor` can be saved as an array NumPy reads: live, and at most 64 dimensions. */
export function checkSavable(path: string, tensor: Tensor): void {
  storageOf(tensor);
  if (tensor.shape.length > MAX_DIMENSIONS) {
    throw new NpyFormatError(path, `a tensor of ${tensor.shape.length} dimensions cannot be saved: NumPy arrays have at most ${MAX_DIMENSIONS}`);
  }
}

function* writeWhole(tensor: Tensor): IoSteps<void> {
  yield* writeNpy(0, tensor);
}

/** Saves `tensor` as a `.npy` file (format 1.0, or 2.0 for very long headers) that NumPy reads back unchanged. */
export function saveNpy(path: string, tensor: Tensor): Promise<void> {
  checkSavable(path, tensor);
  return writeFileAsync(path, writeWhole(tensor));
}

/** `saveNpy`, blocking. */
export function saveNpySync(path: string, tensor: Tensor): void {
  checkSavable(path, tensor);
  writeFileSync(path, writeWhole(tensor));
}
