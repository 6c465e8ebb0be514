/**
 * NumPy `.npz` archives: ZIP files of `.npy` members, stored or deflate-compressed. Stored members
 * are read straight into native memory; compressed ones are inflated chunk by chunk into it, so
 * no full-size intermediate buffer is ever made. Every member's CRC-32 is checked as it is read,
 * as Python's zipfile does.
 */
import { createRequire } from "node:module";

import { NnbenchError, NpyFormatError, ZipFormatError } from "../../errors.js";
import { addon } from "../addon.js";
import { type IoSteps, readBytes, readFileAsync, readFileSync, writeBytes, writeFileAsync, writeFileSync, writeFrom } from "./file-io.js";
import { MAX_HEADER_BYTES, PREAMBLE_BYTES, formatHeader, parseHeader, parsePreamble } from "./npy-header.js";
import { asFormatError, checkSavable, checkSpanCrc, finishTensor, headerCrc, readNpy, readNpyHeader } from "./npy.js";
import { readConverted } from "./read-converted.js";
import type { FloatDType } from "../dtype.js";
import { Tensor, newStorage, storageOf, wrapStorage } from "../tensor.js";

import {
  type WrittenEntry,
  ZIP64_MEMBER_THRESHOLD,
  type ZipEntry,
  centralDirectory,
  localHeader,
  localSizesPatch,
  memberDataOffset,
  readCentralDirectory,
} from "./zip.js";

/** fflate, loaded on the first deflated member (importing nnbench does not pay for it). */
let fflateModule: typeof import("fflate") | undefined;
function fflate(): typeof import("fflate") {
  return (fflateModule ??= createRequire(import.meta.url)("fflate") as typeof import("fflate"));
}

/** Options of `loadNpz`. */
export interface LoadNpzOptions {
  /** Load only these members (names without `.npy`); a missing one is an error. */
  readonly keys?: readonly string[];
  /**
   * Map stored (uncompressed) members instead of reading them, as `loadNpy`'s `mmap` does. Their
   * CRC-32 is then not checked unless `verify` is set.
   */
  readonly mmap?: boolean;
  /**
   * With `mmap`, check each mapped member's CRC-32 on load, as a read load always does: a member
   * whose bytes do not match raises `NpyFormatError`. This reads every page once, so the load is
   * no longer O(1). Default false.
   */
  readonly verify?: boolean;
}

/** Options of `saveNpz`. */
export interface SaveNpzOptions {
  /** Deflate-compress members, as `np.savez_compressed` does. Default false. */
  readonly compress?: boolean;
}

/** DEFLATE cannot expand data by more than about 1032:1; larger claims are lies. */
const MAX_DEFLATE_RATIO = 1032;
const CHUNK_BYTES = 1 << 20;

function keyOf(entry: ZipEntry): string {
  return entry.name.endsWith(".npy") ? entry.name.slice(0, -4) : entry.name;
}

/** Reads the members `options.keys` names (all when undefined) of the archive of `size` bytes at `path`. */
export function* readNpzMembers(path: string, size: number, options: LoadNpzOptions): IoSteps<Record<string, Tensor>> {
  const keys = options.keys;
  const entries = yield* readEntries(path, size, keys);
  const wanted = keys ? new Set(keys) : undefined;
  const out: Record<string, Tensor> = {};
  try {
    for (const entry of entries) {
      if (wanted && !wanted.has(keyOf(entry))) continue;
      const tensor = yield* readMember(path, size, entry, options);
      // An own property even for keys like "__proto__", so every tensor is returned (and disposed on failure).
      Object.defineProperty(out, keyOf(entry), { value: tensor, enumerable: true, writable: true, configurable: true });
    }
    return out;
  } catch (error) {
    for (const tensor of Object.values(out)) tensor.dispose();
    throw error;
  }
}

/** The archive's entries, checked; every name in `keys` must be among them. */
function* readEntries(path: string, size: number, keys: readonly string[] | undefined): IoSteps<ZipEntry[]> {
  let entries: ZipEntry[];
  try {
    entries = yield* readCentralDirectory(size);
    checkUniqueKeys(entries);
  } catch (error) {
    throw asFormatError(path, error);
  }
  const present = new Set(entries.map(keyOf));
  const missing = (keys ?? []).filter((k) => !present.has(k));
  if (missing.length > 0) {
    throw new NpyFormatError(path, `no member ${missing.map((k) => `'${k}'`).join(", ")}; the archive holds ${[...present].map((k) => `'${k}'`).join(", ") || "nothing"}`);
  }
  return entries;
}

/** Refuses an archive naming one key twice: the second array would silently replace the first. */
function checkUniqueKeys(entries: readonly ZipEntry[]): void {
  const seen = new Set<string>();
  for (const entry of entries) {
    const key = keyOf(entry);
    if (seen.has(key)) throw new ZipFormatError(`the archive holds member '${key}' more than once`);
    seen.add(key);
  }
}

function* readMember(path: string, size: number, entry: ZipEntry, options: LoadNpzOptions): IoSteps<Tensor> {
  try {
    if (!entry.name.endsWith(".npy")) throw new ZipFormatError(`member '${entry.name}' is not a .npy array`);
    if (entry.name.split(/[\\/]/).includes("..") || entry.name.startsWith("/")) {
      throw new ZipFormatError(`member name '${entry.name}' is not a plain relative name`);
    }
    const start = yield* memberDataOffset(entry, size);
    if (entry.method === 0) {
      if (entry.compressedSize !== entry.uncompressedSize) throw new ZipFormatError(`stored member '${entry.name}' has inconsistent sizes`);
      const mmap = options.mmap ?? false;
      const crc = !mmap || options.verify ? entry.crc32 : undefined;
      return yield* readNpy(`${path}[${entry.name}]`, start, entry.compressedSize, { mmap }, crc);
    }
    return yield* inflateMember(path, entry, start);
  } catch (error) {
    throw asFormatError(path, error);
  }
}

/** Inflates a deflated `.npy` member into native memory, checking every size the archive claims. */
function* inflateMember(path: string, entry: ZipEntry, start: number): IoSteps<Tensor> {
  const where = `${path}[${entry.name}]`;
  if (entry.uncompressedSize > entry.compressedSize * MAX_DEFLATE_RATIO + 1024) {
    throw new ZipFormatError(`member '${entry.name}' claims ${entry.uncompressedSize} bytes from ${entry.compressedSize} compressed`);
  }
  let head = new Uint8Array(0); // bytes of the .npy header gathered so far
  let tensor: Tensor | undefined;
  let target: Uint8Array | undefined;
  let headerEnd = 0;
  let header: ReturnType<typeof parseHeader> | undefined;
  let written = 0; // data bytes placed in the tensor
  let total = 0; // bytes inflated
  let crc = 0;
  let failure: unknown;

  const inflater = new (fflate().Inflate)();
  inflater.ondata = (chunk: Uint8Array): void => {
    if (failure !== undefined) return;
    try {
      total += chunk.length;
      if (total > entry.uncompressedSize) throw new ZipFormatError(`member '${entry.name}' inflates to more than its declared ${entry.uncompressedSize} bytes`);
      crc = addon.crc32(chunk, crc);
      let data = chunk;
      if (header === undefined) {
        const joined = new Uint8Array(head.length + chunk.length);
        joined.set(head);
        joined.set(chunk, head.length);
        head = joined;
        if (head.length < PREAMBLE_BYTES && total < entry.uncompressedSize) return;
        const preamble = parsePreamble(head.subarray(0, PREAMBLE_BYTES));
        headerEnd = preamble.headerStart + preamble.headerLength;
        if (preamble.headerLength > MAX_HEADER_BYTES || headerEnd > entry.uncompressedSize) {
          throw new ZipFormatError(`member '${entry.name}' has a header longer than the member`);
        }
        if (head.length < headerEnd) return;
        header = parseHeader(head.subarray(preamble.headerStart, headerEnd), preamble, entry.uncompressedSize - headerEnd);
        tensor = wrapStorage(newStorage(header.dataBytes, false), header.shape, header.dtype);
        target = new Uint8Array(tensor.data().buffer, 0, header.dataBytes);
        data = head.subarray(headerEnd);
        head = new Uint8Array(0);
      }
      if (target === undefined || header === undefined) return;
      if (written + data.length > header.dataBytes) throw new ZipFormatError(`member '${entry.name}' holds more data than its header declares`);
      target.set(data, written);
      written += data.length;
    } catch (error) {
      failure = error;
    }
  };

  try {
    for (let at = 0; at < entry.compressedSize && failure === undefined; at += CHUNK_BYTES) {
      const length = Math.min(CHUNK_BYTES, entry.compressedSize - at);
      const chunk = yield* readBytes(start + at, length);
      if (chunk.length !== length) throw new ZipFormatError(`member '${entry.name}' is truncated`);
      inflater.push(chunk, at + length >= entry.compressedSize);
    }
    if (failure !== undefined) throw failure;
    if (header === undefined || tensor === undefined) throw new ZipFormatError(`member '${entry.name}' ends inside its .npy header`);
    if (total !== entry.uncompressedSize) throw new ZipFormatError(`member '${entry.name}' inflates to ${total} bytes, not the declared ${entry.uncompressedSize}`);
    if (written !== header.dataBytes) throw new NpyFormatError(where, `data is truncated: expected ${header.dataBytes} bytes, got ${written}`);
    if ((crc >>> 0) !== (entry.crc32 >>> 0)) throw new ZipFormatError(`member '${entry.name}' fails its CRC-32 check`);
    return finishTensor(header, tensor);
  } catch (error) {
    tensor?.dispose();
    // fflate reports corrupt streams with plain Errors that carry a numeric code.
    if (error instanceof Error && !(error instanceof NnbenchError) && "code" in error) {
      throw new ZipFormatError(`member '${entry.name}' is not valid deflate data (${error.message})`);
    }
    throw error;
  }
}

/**
 * Loads the arrays of a `.npz` archive into native memory, keyed by member name without `.npy`.
 * With `keys`, only those members are read. Malformed archives raise `NpyFormatError`.
 */
export function loadNpz(path: string, options: LoadNpzOptions = {}): Promise<Record<string, Tensor>> {
  return readFileAsync(path, (size) => readNpzMembers(path, size, options));
}

/** `loadNpz`, blocking. */
export function loadNpzSync(path: string, options: LoadNpzOptions = {}): Record<string, Tensor> {
  return readFileSync(path, (size) => readNpzMembers(path, size, options));
}

/**
 * Reads member `key` converted to `dtype`: a stored member streams through a bounded buffer (as
 * `readConverted` does for `.npy`), a compressed one is inflated whole, then converted. Either way
 * the member's CRC-32 is checked as its bytes are read, as `loadNpz` does.
 */
export function* readNpzMemberAs(path: string, size: number, key: string, dtype: FloatDType): IoSteps<Tensor> {
  const entries = yield* readEntries(path, size, [key]);
  const entry = entries.find((e) => keyOf(e) === key) as ZipEntry;
  if (entry.method === 0 && entry.name.endsWith(".npy") && entry.compressedSize === entry.uncompressedSize) {
    const where = `${path}[${entry.name}]`;
    let start: number;
    try {
      start = yield* memberDataOffset(entry, size);
    } catch (error) {
      throw asFormatError(path, error);
    }
    const header = yield* readNpyHeader(where, start, entry.compressedSize);
    if (header.dtype !== dtype) {
      const source = { ...header, position: start + header.dataOffset, byteLength: header.dataBytes };
      const crc = {
        seed: yield* headerCrc(where, start, header),
        finish: (crc: number) => checkSpanCrc(where, start, entry.compressedSize, header, crc, entry.crc32),
      };
      const truncated = (got: number, want: number): Error => new NpyFormatError(where, `data is truncated: expected ${want} bytes, read ${got}`);
      return yield* readConverted(source, dtype, truncated, { crc });
    }
  }
  const tensor = yield* readMember(path, size, entry, {});
  if (tensor.dtype === dtype) return tensor;
  try {
    return tensor.astype(dtype);
  } finally {
    tensor.dispose();
  }
}

/** The member names (without `.npy`) of the archive of `size` bytes at `path`. */
export function* listNpzKeys(path: string, size: number): IoSteps<string[]> {
  return (yield* readEntries(path, size, undefined)).map(keyOf);
}

/** The member names of a `.npz` archive (without `.npy`), read from its directory only. */
export function npzKeysSync(path: string): string[] {
  return readFileSync(path, (size) => listNpzKeys(path, size));
}

function* writeArchive(tensors: Readonly<Record<string, Tensor>>, compress: boolean): IoSteps<void> {
  const now = new Date();
  const entries: WrittenEntry[] = [];
  let position = 0;
  for (const [key, tensor] of Object.entries(tensors)) {
    const header = formatHeader(tensor.dtype, tensor.shape);
    const data = new Uint8Array(storageOf(tensor).arrayBuffer(), 0, tensor.byteLength);
    const uncompressedSize = header.length + tensor.byteLength;
    const entry: WrittenEntry = {
      name: new TextEncoder().encode(`${key}.npy`),
      method: compress ? 8 : 0,
      crc32: addon.crc32(data, addon.crc32(header)),
      compressedSize: uncompressedSize,
      uncompressedSize,
      localHeaderOffset: position,
      zip64: uncompressedSize >= ZIP64_MEMBER_THRESHOLD,
    };
    const local = localHeader(entry, now);
    yield* writeBytes(position, local);
    position += local.length;
    if (compress) {
      const pending: Uint8Array[] = [];
      const deflater = new (fflate().Deflate)({ level: 6 });
      deflater.ondata = (chunk: Uint8Array): void => {
        pending.push(chunk);
      };
      let compressed = 0;
      const pieces = [header, ...chunks(data)];
      for (const [i, piece] of pieces.entries()) {
        deflater.push(piece, i === pieces.length - 1);
        for (const out of pending.splice(0)) {
          yield* writeBytes(position + compressed, out);
          compressed += out.length;
        }
      }
      entry.compressedSize = compressed;
      yield* writeBytes(entry.localHeaderOffset + 14, localSizesPatch(entry));
      position += compressed;
    } else {
      yield* writeBytes(position, header);
      position += header.length;
      if (tensor.byteLength > 0) yield* writeFrom(position, storageOf(tensor), 0, tensor.byteLength);
      position += tensor.byteLength;
    }
    entries.push(entry);
  }
  yield* writeBytes(position, centralDirectory(entries, position, now));
}

function chunks(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += 16 * CHUNK_BYTES) out.push(data.subarray(at, at + 16 * CHUNK_BYTES));
  return out;
}

function checkMembers(path: string, tensors: Readonly<Record<string, Tensor>>): void {
  for (const [key, tensor] of Object.entries(tensors)) {
    if (!(tensor instanceof Tensor)) throw new TypeError(`saveNpz: '${key}' is not a Tensor`);
    if (key.length === 0 || key.includes("/") || key.includes("\\")) throw new TypeError(`saveNpz: '${key}' is not a valid member name`);
    checkSavable(`${path} (member '${key}')`, tensor);
  }
}

/** Saves tensors as a `.npz` archive that `np.load` reads (deflated with `compress`). */
export function saveNpz(path: string, tensors: Readonly<Record<string, Tensor>>, options: SaveNpzOptions = {}): Promise<void> {
  checkMembers(path, tensors);
  return writeFileAsync(path, writeArchive(tensors, options.compress ?? false));
}

/** `saveNpz`, blocking. */
export function saveNpzSync(path: string, tensors: Readonly<Record<string, Tensor>>, options: SaveNpzOptions = {}): void {
  checkMembers(path, tensors);
  writeFileSync(path, writeArchive(tensors, options.compress ?? false));
}
