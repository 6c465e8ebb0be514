/**
 * The parts of the ZIP format that `.npz` archives use: reading the central directory (with ZIP64),
 * locating member data, and writing local headers, central directory and end records.
 * Every field read from a file is checked against the file's size before it is trusted.
 */
import { ZipFormatError } from "../../errors.js";
import { type IoSteps, readBytes } from "./file-io.js";

/** One member, as the central directory describes it. */
export interface ZipEntry {
  readonly name: string;
  /** 0 (stored) or 8 (deflate). */
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_BYTES = 22;
const CENTRAL_BYTES = 46;
const LOCAL_BYTES = 30;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u64(v: DataView, at: number): number {
  const value = v.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError("a ZIP64 size or offset is out of range");
  return Number(value);
}

/** Reads the central directory of the archive of `size` bytes. */
export function* readCentralDirectory(size: number): IoSteps<ZipEntry[]> {
  if (size < EOCD_BYTES) throw new ZipFormatError("not a zip archive (too short for an end-of-central-directory record)");
  const tailLength = Math.min(size, EOCD_BYTES + U16_MAX);
  const tailStart = size - tailLength;
  const tail = yield* readBytes(tailStart, tailLength);
  const tv = view(tail);
  let eocd = -1;
  for (let i = tail.length - EOCD_BYTES; i >= 0; i--) {
    if (tv.getUint32(i, true) === EOCD_SIGNATURE && i + EOCD_BYTES + tv.getUint16(i + 20, true) === tail.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipFormatError("not a zip archive, or truncated: no end-of-central-directory record");
  if (tv.getUint16(eocd + 4, true) !== 0 || tv.getUint16(eocd + 6, true) !== 0) {
    throw new ZipFormatError("multi-disk archives are not supported");
  }
  let count = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  const eocdPosition = tailStart + eocd;
  let directoryEnd = eocdPosition;
  if (count === U16_MAX || cdSize === U32_MAX || cdOffset === U32_MAX) {
    const locatorAt = eocdPosition - 20;
    if (locatorAt < 0) throw new ZipFormatError("ZIP64 locator is missing");
    const locator = view(yield* readBytes(locatorAt, 20));
    if (locator.byteLength < 20 || locator.getUint32(0, true) !== ZIP64_LOCATOR_SIGNATURE) {
      throw new ZipFormatError("ZIP64 locator is missing");
    }
    const recordAt = u64(locator, 8);
    if (recordAt + 56 > locatorAt) throw new ZipFormatError("ZIP64 end record lies outside the archive");
    const record = view(yield* readBytes(recordAt, 56));
    if (record.getUint32(0, true) !== ZIP64_EOCD_SIGNATURE) throw new ZipFormatError("ZIP64 end record is missing");
    count = u64(record, 32);
    cdSize = u64(record, 40);
    cdOffset = u64(record, 48);
    directoryEnd = recordAt;
  }
  if (cdOffset + cdSize > directoryEnd) throw new ZipFormatError("central directory lies outside the archive");
  if (count * CENTRAL_BYTES > cdSize) throw new ZipFormatError(`central directory is too small for ${count} entries`);
  const directory = yield* readBytes(cdOffset, cdSize);
  if (directory.length !== cdSize) throw new ZipFormatError("central directory is truncated");
  const entries = parseEntries(directory, count, cdOffset);
  checkNoOverlap(entries, cdOffset);
  return entries;
}

/**
 * Refuses members whose bytes overlap each other or the directory: otherwise one stretch of a
 * small file could be loaded as any number of arrays.
 */
function checkNoOverlap(entries: readonly ZipEntry[], directoryStart: number): void {
  const sorted = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (const [i, entry] of sorted.entries()) {
    const next = sorted[i + 1];
    const end = entry.localHeaderOffset + LOCAL_BYTES + entry.compressedSize;
    if (end > (next?.localHeaderOffset ?? directoryStart)) {
      throw new ZipFormatError(`member '${entry.name}' overlaps ${next ? `member '${next.name}'` : "the central directory"}`);
    }
  }
}

function parseEntries(directory: Uint8Array, count: number, limit: number): ZipEntry[] {
  const dv = view(directory);
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_BYTES > directory.length || dv.getUint32(at, true) !== CENTRAL_SIGNATURE) {
      throw new ZipFormatError(`central directory entry ${i} is malformed`);
    }
    const flags = dv.getUint16(at + 8, true);
    const method = dv.getUint16(at + 10, true);
    const nameLength = dv.getUint16(at + 28, true);
    const extraLength = dv.getUint16(at + 30, true);
    const commentLength = dv.getUint16(at + 32, true);
    const end = at + CENTRAL_BYTES + nameLength + extraLength + commentLength;
    if (end > directory.length) throw new ZipFormatError(`central directory entry ${i} runs past the directory`);
    const name = new TextDecoder("utf-8", { fatal: false }).decode(directory.subarray(at + CENTRAL_BYTES, at + CENTRAL_BYTES + nameLength));
    if ((flags & 1) !== 0) throw new ZipFormatError(`member '${name}' is encrypted`);
    if (method !== 0 && method !== 8) throw new ZipFormatError(`member '${name}' uses compression method ${method} (only stored and deflate are supported)`);
    let uncompressedSize = dv.getUint32(at + 24, true);
    let compressedSize = dv.getUint32(at + 20, true);
    let localHeaderOffset = dv.getUint32(at + 42, true);
    // ZIP64 extra field: 64-bit values for exactly the fields that hold 0xFFFFFFFF, in this order.
    let extra = at + CENTRAL_BYTES + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = dv.getUint16(extra, true);
      const length = dv.getUint16(extra + 2, true);
      if (extra + 4 + length > extraEnd) throw new ZipFormatError(`member '${name}' has a malformed extra field`);
      if (id === 0x0001) {
        let field = extra + 4;
        const take = (): number => {
          if (field + 8 > extra + 4 + length) throw new ZipFormatError(`member '${name}' has a short ZIP64 extra field`);
          const value = u64(dv, field);
          field += 8;
          return value;
        };
        if (uncompressedSize === U32_MAX) uncompressedSize = take();
        if (compressedSize === U32_MAX) compressedSize = take();
        if (localHeaderOffset === U32_MAX) localHeaderOffset = take();
      }
      extra += 4 + length;
    }
    if (localHeaderOffset + LOCAL_BYTES > limit) throw new ZipFormatError(`member '${name}' starts outside the archive`);
    entries.push({ name, method, crc32: dv.getUint32(at + 16, true), compressedSize, uncompressedSize, localHeaderOffset });
    at = end;
  }
  return entries;
}

/** Where a member's stored or compressed bytes start, read from its local header. */
export function* memberDataOffset(entry: ZipEntry, archiveSize: number): IoSteps<number> {
  const local = view(yield* readBytes(entry.localHeaderOffset, LOCAL_BYTES));
  if (local.byteLength < LOCAL_BYTES || local.getUint32(0, true) !== LOCAL_SIGNATURE) {
    throw new ZipFormatError(`member '${entry.name}' has no local header`);
  }
  const start = entry.localHeaderOffset + LOCAL_BYTES + local.getUint16(26, true) + local.getUint16(28, true);
  if (start + entry.compressedSize > archiveSize) throw new ZipFormatError(`member '${entry.name}' runs past the end of the archive`);
  return start;
}

/** A DOS date and time for `date` (ZIP headers store them). */
function dosDateTime(date: Date): { time: number; day: number } {
  const year = Math.max(1980, date.getFullYear());
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2),
    day: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

/** What the writer records about each member for the central directory. */
export interface WrittenEntry {
  readonly name: Uint8Array;
  readonly method: number;
  crc32: number;
  compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
  /** True when the local header carries a ZIP64 extra field (sizes in 64 bits). */
  readonly zip64: boolean;
}

/** Sizes from which a member's local header carries 64-bit sizes (deflate may grow data slightly). */
export const ZIP64_MEMBER_THRESHOLD = 0xf0000000;

/** A local file header; sizes and CRC may be patched later with `localSizesPatch`. */
export function localHeader(entry: WrittenEntry, now: Date): Uint8Array {
  const extraLength = entry.zip64 ? 20 : 0;
  const out = new Uint8Array(LOCAL_BYTES + entry.name.length + extraLength);
  const v = view(out);
  const { time, day } = dosDateTime(now);
  v.setUint32(0, LOCAL_SIGNATURE, true);
  v.setUint16(4, entry.zip64 ? 45 : 20, true);
  v.setUint16(6, 0x0800, true); // names are UTF-8
  v.setUint16(8, entry.method, true);
  v.setUint16(10, time, true);
  v.setUint16(12, day, true);
  v.setUint16(26, entry.name.length, true);
  v.setUint16(28, extraLength, true);
  out.set(entry.name, LOCAL_BYTES);
  out.set(localSizesPatch(entry), 14);
  return out;
}

/** The CRC and size fields of a local header (from byte 14 on), plus the ZIP64 extra when present. */
export function localSizesPatch(entry: WrittenEntry): Uint8Array {
  const out = new Uint8Array(entry.zip64 ? 12 + 2 + 2 + entry.name.length + 20 : 12);
  const v = view(out);
  v.setUint32(0, entry.crc32 >>> 0, true);
  v.setUint32(4, entry.zip64 ? U32_MAX : entry.compressedSize, true);
  v.setUint32(8, entry.zip64 ? U32_MAX : entry.uncompressedSize, true);
  if (entry.zip64) {
    v.setUint16(12, entry.name.length, true);
    v.setUint16(14, 20, true);
    out.set(entry.name, 16);
    const at = 16 + entry.name.length;
    v.setUint16(at, 0x0001, true);
    v.setUint16(at + 2, 16, true);
    v.setBigUint64(at + 4, BigInt(entry.uncompressedSize), true);
    v.setBigUint64(at + 12, BigInt(entry.compressedSize), true);
  }
  return out;
}

/** The central directory and end records for `entries`, to be written at `offset`. */
export function centralDirectory(entries: readonly WrittenEntry[], offset: number, now: Date): Uint8Array {
  const parts: Uint8Array[] = [];
  const { time, day } = dosDateTime(now);
  for (const e of entries) {
    const big = [e.uncompressedSize >= U32_MAX, e.compressedSize >= U32_MAX, e.localHeaderOffset >= U32_MAX];
    const extraLength = big.some(Boolean) ? 4 + 8 * big.filter(Boolean).length : 0;
    const out = new Uint8Array(CENTRAL_BYTES + e.name.length + extraLength);
    const v = view(out);
    v.setUint32(0, CENTRAL_SIGNATURE, true);
    v.setUint16(4, (3 << 8) | 45, true); // made by: Unix, spec 4.5
    v.setUint16(6, extraLength > 0 || e.zip64 ? 45 : 20, true);
    v.setUint16(8, 0x0800, true);
    v.setUint16(10, e.method, true);
    v.setUint16(12, time, true);
    v.setUint16(14, day, true);
    v.setUint32(16, e.crc32 >>> 0, true);
    v.setUint32(20, big[1] ? U32_MAX : e.compressedSize, true);
    v.setUint32(24, big[0] ? U32_MAX : e.uncompressedSize, true);
    v.setUint16(28, e.name.length, true);
    v.setUint16(30, extraLength, true);
    v.setUint32(38, (0o100644 << 16) >>> 0, true);
    v.setUint32(42, big[2] ? U32_MAX : e.localHeaderOffset, true);
    out.set(e.name, CENTRAL_BYTES);
    if (extraLength > 0) {
      let at = CENTRAL_BYTES + e.name.length;
      v.setUint16(at, 0x0001, true);
      v.setUint16(at + 2, extraLength - 4, true);
      at += 4;
      for (const [i, value] of [e.uncompressedSize, e.compressedSize, e.localHeaderOffset].entries()) {
        if (!big[i]) continue;
        v.setBigUint64(at, BigInt(value), true);
        at += 8;
      }
    }
    parts.push(out);
  }
  const cdSize = parts.reduce((n, p) => n + p.length, 0);
  const needZip64 = entries.length >= U16_MAX || cdSize >= U32_MAX || offset >= U32_MAX;
  if (needZip64) {
    const record = new Uint8Array(56 + 20);
    const v = view(record);
    v.setUint32(0, ZIP64_EOCD_SIGNATURE, true);
    v.setBigUint64(4, 44n, true);
    v.setUint16(12, (3 << 8) | 45, true);
    v.setUint16(14, 45, true);
    v.setBigUint64(24, BigInt(entries.length), true);
    v.setBigUint64(32, BigInt(entries.length), true);
    v.setBigUint64(40, BigInt(cdSize), true);
    v.setBigUint64(48, BigInt(offset), true);
    v.setUint32(56, ZIP64_LOCATOR_SIGNATURE, true);
    v.setBigUint64(64, BigInt(offset + cdSize), true);
    v.setUint32(72, 1, true);
    parts.push(record);
  }
  const end = new Uint8Array(EOCD_BYTES);
  const v = view(end);
  v.setUint32(0, EOCD_SIGNATURE, true);
  v.setUint16(8, needZip64 ? U16_MAX : entries.length, true);
  v.setUint16(10, needZip64 ? U16_MAX : entries.length, true);
  v.setUint32(12, needZip64 ? U32_MAX : cdSize, true);
  v.setUint32(16, needZip64 ? U32_MAX : offset, true);
  parts.push(end);
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
