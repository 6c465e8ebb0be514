/**
 * Fuzzing the `.npz` reader (ZIP directory, ZIP64 extras, stored and deflated members) with
 * mutated archives: a load either returns consistent tensors or raises `NpyFormatError`; it never
 * crashes, hangs or leaks, and never allocates more than the archive's size justifies (its size
 * for stored members, 1032 times it for deflated ones, twice either while reordering Fortran data).
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";

import { type Tensor, itemSize, loadNpz, loadNpzSync, nativeMemory, npzKeysSync, resetNativePeak } from "../../../src/index.js";
import {
  NPZ_SEEDS,
  type Seed,
  applyByteOps,
  byteOp,
  concat,
  expectMemoryBack,
  fieldValue,
  FUZZ_TEST_TIMEOUT_MS,
  fuzzProperty,
  loadOrRefuse,
  mapZip,
  readField,
  serialized,
  setField,
} from "../fuzz-support.js";

const dir = mkdtempSync(join(tmpdir(), "nnbench-fuzz-npz-"));
const path = join(dir, "input.npz");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The most native memory loading `bytes` may take, from what a lenient walk of its directory finds. */
function peakBound(bytes: Uint8Array): number {
  const map = mapZip(bytes);
  const storedOnly = map !== undefined && map.methods.length > 0 && map.methods.every((m) => m === 0);
  return 2 * bytes.length * (storedOnly ? 1 : 1032) + 2048 * (map?.methods.length ?? 64);
}

const checkNpz = serialized(async (bytes: Uint8Array, async: boolean): Promise<void> => {
  writeFileSync(path, bytes);
  const base = nativeMemory();
  resetNativePeak();
  const loaders: (() => Record<string, Tensor> | Promise<Record<string, Tensor>>)[] = [
    () => loadNpzSync(path),
    () => loadNpzSync(path, { mmap: true }),
  ];
  if (async) loaders.push(() => loadNpz(path));
  for (const load of loaders) {
    const loaded = await loadOrRefuse(load);
    for (const t of Object.values(loaded ?? {})) {
      try {
        expect(t.byteLength).toBe(t.size * itemSize(t.dtype));
        expect(t.data().length).toBe(t.size);
        t.sum();
      } finally {
        t.dispose();
      }
    }
  }
  const keys = await loadOrRefuse(() => npzKeysSync(path));
  if (keys !== undefined) expect(Array.isArray(keys)).toBe(true);
  expect(expectMemoryBack(base)).toBeLessThanOrEqual(peakBound(bytes));
  // Loading never writes beside the archive (no extraction, no temporary files).
  expect(readdirSync(dir)).toEqual(["input.npz"]);
});

const seed = fc.nat(NPZ_SEEDS.length - 1).map((i) => NPZ_SEEDS[i]!);

/** Byte mutations confined to a region: anywhere, the start (local header) or the end (directory). */
function mutateRegion(s: Seed, region: "all" | "head" | "tail", ops: Parameters<typeof applyByteOps>[1]): Uint8Array {
  if (region === "all") return applyByteOps(s.bytes, ops);
  if (region === "head") return applyByteOps(s.bytes, ops, 96);
  const cut = Math.max(0, s.bytes.length - 256);
  return concat([s.bytes.subarray(0, cut), applyByteOps(s.bytes.subarray(cut), ops)]);
}

/** Lies in directory, end-record, local-header and ZIP64 fields. */
function applyFieldLies(s: Seed, lies: { field: number; value: { kind: "constant"; v: bigint } | { kind: "delta"; d: number } }[]): Uint8Array {
  const bytes = s.bytes.slice();
  const map = mapZip(bytes);
  if (map === undefined || map.fields.length === 0) return bytes;
  for (const lie of lies) {
    const field = map.fields[lie.field % map.fields.length]!;
    const value = lie.value.kind === "constant" ? lie.value.v : readField(bytes, field) + BigInt(lie.value.d);
    setField(bytes, field, value < 0n ? 0n : value);
  }
  return bytes;
}

/**
 * Repeats central directory entries `copies` times (all pointing at the same member data), with
 * their names kept or made unique, and fixes the end record so the archive is otherwise valid.
 */
function duplicateEntries(s: Seed, entry: number, copies: number, rename: boolean): Uint8Array {
  const map = mapZip(s.bytes);
  if (map === undefined || map.centralEntries.length === 0) return s.bytes;
  const [start, end] = map.centralEntries[entry % map.centralEntries.length]!;
  const record = s.bytes.subarray(start, end);
  const extra: Uint8Array[] = [];
  for (let i = 0; i < copies; i++) {
    const copy = record.slice();
    const nameLength = new DataView(copy.buffer).getUint16(28, true);
    if (rename && nameLength >= 5) {
      // Overwrite the first name character with a distinct letter; keep ".npy".
      copy[46] = 0x41 + (i % 26);
      if (nameLength >= 6) copy[47] = 0x41 + Math.floor(i / 26);
    }
    extra.push(copy);
  }
  const lastEnd = map.centralEntries.at(-1)![1];
  const bytes = concat([s.bytes.subarray(0, lastEnd), ...extra, s.bytes.subarray(lastEnd)]);
  const v = new DataView(bytes.buffer);
  const eocd = map.eocd + extra.reduce((n, e) => n + e.length, 0);
  const count = v.getUint16(eocd + 10, true) + copies;
  v.setUint16(eocd + 8, count & 0xffff, true);
  v.setUint16(eocd + 10, count & 0xffff, true);
  v.setUint32(eocd + 12, v.getUint32(eocd + 12, true) + extra.reduce((n, e) => n + e.length, 0), true);
  return bytes;
}

/** Flips bits inside the compressed data of a member (found from its local header). */
function corruptMemberData(s: Seed, entry: number, flips: { at: number; bit: number }[]): Uint8Array {
  const bytes = s.bytes.slice();
  const map = mapZip(bytes);
  if (map === undefined || map.centralEntries.length === 0) return bytes;
  const v = new DataView(bytes.buffer);
  const [start] = map.centralEntries[entry % map.centralEntries.length]!;
  const local = v.getUint32(start + 42, true);
  const size = v.getUint32(start + 20, true);
  if (local === 0xffffffff || size === 0xffffffff || local + 30 > bytes.length) return bytes;
  const dataStart = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
  const span = Math.min(size, bytes.length - dataStart);
  if (span <= 0) return bytes;
  for (const f of flips) {
    const at = dataStart + (f.at % span);
    bytes[at] = (bytes[at] ?? 0) ^ (1 << f.bit);
  }
  return bytes;
}

describe("fuzz: .npz reader", () => {
  it("every seed archive loads or is refused with NpyFormatError, within its memory bounds", async () => {
    for (const s of NPZ_SEEDS) await checkNpz(s.bytes, true);
  });

  it("survives bit flips, overwrites, truncations, insertions and deletions", async () => {
    await fuzzProperty(
      "npz bytes",
      [seed, fc.constantFrom("all" as const, "head" as const, "tail" as const), fc.array(byteOp, { minLength: 1, maxLength: 6 }), fc.boolean()],
      (s, region, ops, async) => checkNpz(mutateRegion(s, region, ops), async),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it("survives lies in sizes, offsets, counts, lengths, methods, flags and ZIP64 extras", async () => {
    await fuzzProperty(
      "npz field lies",
      [seed, fc.array(fc.record({ field: fc.nat(), value: fieldValue }), { minLength: 1, maxLength: 4 }), fc.boolean()],
      (s, lies, async) => checkNpz(applyFieldLies(s, lies), async),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it("survives directory entries repeated to point many names at the same data", async () => {
    await fuzzProperty(
      "npz repeated entries",
      [seed, fc.nat(), fc.integer({ min: 1, max: 60 }), fc.boolean()],
      (s, entry, copies, rename) => checkNpz(duplicateEntries(s, entry, copies, rename), false),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it("survives corrupt deflate streams and member data", async () => {
    await fuzzProperty(
      "npz member data",
      [seed, fc.nat(), fc.array(fc.record({ at: fc.nat(), bit: fc.nat(7) }), { minLength: 1, maxLength: 6 }), fc.boolean()],
      (s, entry, flips, async) => checkNpz(corruptMemberData(s, entry, flips), async),
    );
  }, FUZZ_TEST_TIMEOUT_MS);
});
