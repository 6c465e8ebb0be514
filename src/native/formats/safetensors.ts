/**
 * `.safetensors` files: an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the tensors' bytes back to back. The header is checked in full
 * before anything is allocated; the bytes then go from the file straight into native memory (or
 * are mapped).
 */
import { SafetensorsFormatError } from "../../errors.js";
import { type DType, itemSize } from "../dtype.js";
import { type IoSteps, mapRange, readBytes, readFileAsync, readFileSync, readInto, writeBytes, writeFileAsync, writeFileSync, writeFrom } from "./file-io.js";
import { Tensor, checkShape, formatShape, newStorage, storageOf, wrapStorage } from "../tensor.js";

/** The format's dtype names for the dtypes nnbench holds. */
const DTYPE_OF_NAME: Readonly<Record<string, DType>> = {
  BOOL: "bool",
  U8: "uint8",
  I8: "int8",
  I16: "int16",
  U16: "uint16",
  F16: "float16",
  BF16: "bfloat16",
  I32: "int32",
  U32: "uint32",
  F32: "float32",
  F64: "float64",
  I64: "int64",
  U64: "uint64",
};

const NAME_OF_DTYPE = Object.fromEntries(Object.entries(DTYPE_OF_NAME).map(([name, dtype]) => [dtype, name])) as Record<DType, string>;

/** The largest header accepted, as the format's reference implementation bounds it. */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

const METADATA_KEY = "__metadata__";

/** One tensor as the header describes it; `position` is its first byte in the file. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly position: number;
  readonly byteLength: number;
}

/** What a `.safetensors` header holds: the tensors in file order and the free-form metadata. */
export interface SafetensorsHeader {
  readonly tensors: readonly SafetensorsEntry[];
  readonly metadata: Readonly<Record<string, string>>;
}

/** The dtype, shape and metadata a `.safetensors` file holds, from its header alone. */
export interface SafetensorsInfo {
  readonly tensors: Readonly<Record<string, { readonly dtype: DType; readonly shape: readonly number[] }>>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Options of `loadSafetensors`. */
export interface LoadSafetensorsOptions {
  /** Load only these tensors; a missing one is an error. */
  readonly keys?: readonly string[];
  /**
   * Map the file's bytes instead of reading them: loading is O(1) and pages are read on first
   * touch. The mapping is private (writes never reach the file); the file must not be truncated
   * while the tensors live.
   */
  readonly mmap?: boolean;
}

/** Options of `saveSafetensors`. */
export interface SaveSafetensorsOptions {
  /** Free-form string pairs stored under the header's `__metadata__`. */
  readonly metadata?: Readonly<Record<string, string>>;
}

class HeaderProblem extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function ownEntries(value: Record<string, unknown>): [string, unknown][] {
  return Object.keys(value).map((key) => [key, value[key]]);
}

function safeInteger(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new HeaderProblem(`${what} must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function parseEntry(name: string, value: unknown, dataStart: number): SafetensorsEntry {
  if (!isRecord(value)) throw new HeaderProblem(`tensor '${name}' is not described by an object`);
  const keys = Object.keys(value).sort();
  if (keys.join(",") !== "data_offsets,dtype,shape") {
    throw new HeaderProblem(`tensor '${name}' must have exactly dtype, shape and data_offsets, has ${keys.join(", ") || "nothing"}`);
  }
  const dtypeName = value.dtype;
  if (typeof dtypeName !== "string") throw new HeaderProblem(`tensor '${name}': dtype must be a string`);
  const dtype = Object.prototype.hasOwnProperty.call(DTYPE_OF_NAME, dtypeName) ? DTYPE_OF_NAME[dtypeName] : undefined;
  if (dtype === undefined) throw new HeaderProblem(`tensor '${name}': dtype ${JSON.stringify(dtypeName)} is not supported`);
  if (!Array.isArray(value.shape)) throw new HeaderProblem(`tensor '${name}': shape must be an array`);
  const dims = value.shape.map((d, i) => safeInteger(d, `tensor '${name}': shape[${i}]`));
  let count = 1;
  for (const d of dims) {
    count *= d;
    if (!Number.isSafeInteger(count)) throw new HeaderProblem(`tensor '${name}': shape [${dims.join(", ")}] has too many elements`);
  }
  const bytes = count * itemSize(dtype);
  if (!Number.isSafeInteger(bytes)) throw new HeaderProblem(`tensor '${name}': shape [${dims.join(", ")}] has too many bytes`);
  const offsets = value.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2) throw new HeaderProblem(`tensor '${name}': data_offsets must be [begin, end]`);
  const begin = safeInteger(offsets[0], `tensor '${name}': data_offsets[0]`);
  const end = safeInteger(offsets[1], `tensor '${name}': data_offsets[1]`);
  if (end < begin) throw new HeaderProblem(`tensor '${name}': data_offsets [${begin}, ${end}] end before they begin`);
  if (end - begin !== bytes) {
    throw new HeaderProblem(`tensor '${name}': ${dtypeName} ${formatShape(dims)} takes ${bytes} bytes, but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { name, dtype, shape: checkShape(dims).shape, position: dataStart + begin, byteLength: bytes };
}

function parseMetadata(value: unknown): Record<string, string> {
  if (!isRecord(value)) throw new HeaderProblem(`${METADATA_KEY} must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [key, text] of ownEntries(value)) {
    if (typeof text !== "string") throw new HeaderProblem(`${METADATA_KEY}['${key}'] must be a string`);
    Object.defineProperty(out, key, { value: text, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Parses header text for a file whose data section starts at `dataStart` and spans `dataBytes`:
 * every tensor's bytes lie in it, none overlap, and together they cover it without gaps.
 */
export function parseSafetensorsHeader(text: Uint8Array, dataStart: number, dataBytes: number): SafetensorsHeader {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(text));
  } catch (error) {
    throw new HeaderProblem(`the header is not UTF-8 JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isRecord(json)) throw new HeaderProblem("the header is not a JSON object");
  let metadata: Record<string, string> = {};
  const tensors: SafetensorsEntry[] = [];
  for (const [name, value] of ownEntries(json)) {
    if (name === METADATA_KEY) metadata = parseMetadata(value);
    else tensors.push(parseEntry(name, value, dataStart));
  }
  tensors.sort((a, b) => a.position - b.position || a.byteLength - b.byteLength);
  let expected = dataStart;
  for (const t of tensors) {
    if (t.position !== expected) {
      const what = t.position < expected ? "overlaps the tensor before it" : "leaves a gap before it";
      throw new HeaderProblem(`tensor '${t.name}' starts at data offset ${t.position - dataStart}, which ${what} (expected ${expected - dataStart})`);
    }
    expected += t.byteLength;
  }
  if (expected - dataStart !== dataBytes) {
    throw new HeaderProblem(`the tensors cover ${expected - dataStart} data bytes, but the file holds ${dataBytes}`);
  }
  return { tensors, metadata };
}

function asFormatError(path: string, error: unknown): unknown {
  if (error instanceof HeaderProblem) return new SafetensorsFormatError(path, error.message);
  return error;
}

/** Reads and checks the whole header of the `.safetensors` file of `size` bytes. */
export function* readSafetensorsHeader(path: string, size: number): IoSteps<SafetensorsHeader> {
  try {
    if (size < 8) throw new HeaderProblem(`${size} bytes cannot hold the 8-byte header length`);
    const prefix = yield* readBytes(0, 8);
    const length = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
    if (length > BigInt(Math.min(MAX_SAFETENSORS_HEADER_BYTES, size - 8))) {
      throw new HeaderProblem(`header length ${length} runs past the end of the file (${size} bytes) or the ${MAX_SAFETENSORS_HEADER_BYTES}-byte limit`);
    }
    const headerBytes = Number(length);
    if (headerBytes < 2) throw new HeaderProblem(`header length ${headerBytes} cannot hold a JSON object`);
    const text = yield* readBytes(8, headerBytes);
    if (text.length !== headerBytes) throw new HeaderProblem("the header is truncated");
    if (text[0] !== 0x7b) throw new HeaderProblem("the header does not start with '{'");
    return parseSafetensorsHeader(text, 8 + headerBytes, size - 8 - headerBytes);
  } catch (error) {
    throw asFormatError(path, error);
  }
}

/** The entries `keys` names (all when undefined), in file order; a missing name is an error. */
export function selectEntries(path: string, header: SafetensorsHeader, keys: readonly string[] | undefined): SafetensorsEntry[] {
  if (keys === undefined) return [...header.tensors];
  const present = new Set(header.tensors.map((t) => t.name));
  const missing = keys.filter((k) => !present.has(k));
  if (missing.length > 0) {
    const names = [...present].map((k) => `'${k}'`).join(", ") || "nothing";
    throw new SafetensorsFormatError(path, `no tensor ${missing.map((k) => `'${k}'`).join(", ")}; the file holds ${names}`);
  }
  const wanted = new Set(keys);
  return header.tensors.filter((t) => wanted.has(t.name));
}

/** Reads one tensor's bytes into new native memory. */
export function* readEntry(path: string, entry: SafetensorsEntry): IoSteps<Tensor> {
  const tensor = wrapStorage(newStorage(entry.byteLength, false), entry.shape, entry.dtype);
  try {
    const got = yield* readInto(entry.position, storageOf(tensor), 0, entry.byteLength);
    if (got !== entry.byteLength) throw new SafetensorsFormatError(path, `tensor '${entry.name}' is truncated: read ${got} of ${entry.byteLength} bytes`);
    return tensor;
  } catch (error) {
    tensor.dispose();
    throw error;
  }
}

function* readTensors(path: string, size: number, options: LoadSafetensorsOptions): IoSteps<Record<string, Tensor>> {
  const header = yield* readSafetensorsHeader(path, size);
  const entries = selectEntries(path, header, options.keys);
  const out: Record<string, Tensor> = {};
  try {
    for (const entry of entries) {
      const tensor = options.mmap
        ? wrapStorage(yield* mapRange(entry.position, entry.byteLength), entry.shape, entry.dtype)
        : yield* readEntry(path, entry);
      // An own property even for names like "__proto__", so every tensor is returned (and disposed on failure).
      Object.defineProperty(out, entry.name, { value: tensor, enumerable: true, writable: true, configurable: true });
    }
    return out;
  } catch (error) {
    for (const tensor of Object.values(out)) tensor.dispose();
    throw error;
  }
}

/**
 * Loads the tensors of a `.safetensors` file into native memory, keyed by name (with `keys`, only
 * those). Malformed files raise `SafetensorsFormatError` before anything is allocated.
 */
export function loadSafetensors(path: string, options: LoadSafetensorsOptions = {}): Promise<Record<string, Tensor>> {
  return readFileAsync(path, (size) => readTensors(path, size, options));
}

/** `loadSafetensors`, blocking. */
export function loadSafetensorsSync(path: string, options: LoadSafetensorsOptions = {}): Record<string, Tensor> {
  return readFileSync(path, (size) => readTensors(path, size, options));
}

/** Reads only the header of a `.safetensors` file: each tensor's dtype and shape, and the metadata. */
export function safetensorsInfoSync(path: string): SafetensorsInfo {
  const header = readFileSync(path, (size) => readSafetensorsHeader(path, size));
  const tensors: Record<string, { dtype: DType; shape: readonly number[] }> = {};
  for (const t of header.tensors) {
    Object.defineProperty(tensors, t.name, { value: { dtype: t.dtype, shape: t.shape }, enumerable: true, writable: true, configurable: true });
  }
  return { tensors, metadata: header.metadata };
}

/** Lays out a file for `tensors`: the padded header, and each tensor's data offset. */
function layout(tensors: Readonly<Record<string, Tensor>>, options: SaveSafetensorsOptions): { header: Uint8Array; order: [string, Tensor, number][] } {
  const named = Object.keys(tensors).map((name) => {
    const tensor = tensors[name];
    if (!(tensor instanceof Tensor)) throw new TypeError(`saveSafetensors: '${name}' is not a Tensor`);
    if (name === METADATA_KEY) throw new TypeError(`saveSafetensors: '${METADATA_KEY}' is reserved for metadata`);
    storageOf(tensor); // throws DisposedError now rather than half-way through the file
    return [name, tensor] as const;
  });
  // Widest elements first, then by name: every tensor starts aligned to its element size.
  named.sort(([a, x], [b, y]) => itemSize(y.dtype) - itemSize(x.dtype) || (a < b ? -1 : a > b ? 1 : 0));
  const json: Record<string, unknown> = {};
  if (options.metadata !== undefined) {
    const metadata: Record<string, string> = {};
    for (const key of Object.keys(options.metadata)) {
      const value = options.metadata[key];
      if (typeof value !== "string") throw new TypeError(`saveSafetensors: metadata '${key}' must be a string`);
      Object.defineProperty(metadata, key, { value, enumerable: true, writable: true, configurable: true });
    }
    json[METADATA_KEY] = metadata;
  }
  const order: [string, Tensor, number][] = [];
  let offset = 0;
  for (const [name, tensor] of named) {
    const entry = { dtype: NAME_OF_DTYPE[tensor.dtype], shape: [...tensor.shape], data_offsets: [offset, offset + tensor.byteLength] };
    Object.defineProperty(json, name, { value: entry, enumerable: true, writable: true, configurable: true });
    order.push([name, tensor, offset]);
    offset += tensor.byteLength;
  }
  const text = new TextEncoder().encode(JSON.stringify(json));
  // Pad with spaces so the data starts on an 8-byte boundary.
  const padded = Math.ceil(text.length / 8) * 8;
  const header = new Uint8Array(8 + padded).fill(0x20);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(text, 8);
  return { header, order };
}

function* writeTensors({ header, order }: ReturnType<typeof layout>): IoSteps<void> {
  yield* writeBytes(0, header);
  for (const [, tensor, offset] of order) {
    if (tensor.byteLength > 0) yield* writeFrom(header.length + offset, storageOf(tensor), 0, tensor.byteLength);
  }
}

/** Saves named tensors as a `.safetensors` file (atomically: a failure leaves any earlier file untouched). */
export function saveSafetensors(path: string, tensors: Readonly<Record<string, Tensor>>, options: SaveSafetensorsOptions = {}): Promise<void> {
  return writeFileAsync(path, writeTensors(layout(tensors, options)));
}

/** `saveSafetensors`, blocking. */
export function saveSafetensorsSync(path: string, tensors: Readonly<Record<string, Tensor>>, options: SaveSafetensorsOptions = {}): void {
  writeFileSync(path, writeTensors(layout(tensors, options)));
}
