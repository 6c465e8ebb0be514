/**
 * Fuzzing the `.npy` reader with mutated NumPy files: whatever the bytes, a load either returns a
 * consistent tensor or raises `NpyFormatError`; it never crashes, hangs or leaks, and never
 * allocates more native memory than the file's size justifies.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";

import { type Tensor, itemSize, loadNpy, loadNpySync, nativeMemory, readNpyInfoSync, resetNativePeak } from "../../../src/index.js";
import { NPY_SEEDS, applyByteOps, byteOp, concat, expectMemoryBack, FUZZ_TEST_TIMEOUT_MS, fuzzProperty, loadOrRefuse, serialized } from "../fuzz-support.js";

const dir = mkdtempSync(join(tmpdir(), "nnbench-fuzz-npy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = join(dir, "input.npy");

/** A loaded tensor must be self-consistent and readable end to end (a sanitizer build checks the reads). */
function checkTensor(t: Tensor, fileBytes: number): void {
  expect(t.byteLength).toBe(t.size * itemSize(t.dtype));
  expect(t.size).toBe(t.shape.reduce((p, d) => p * d, 1));
  expect(t.byteLength).toBeLessThanOrEqual(fileBytes);
  expect(t.data().length).toBe(t.size);
  t.sum();
}

/**
 * Loads `bytes` every way a user can (sync, async, memory-mapped, header only) and checks the
 * outcome, the memory left behind and the peak.
 */
const checkNpy = serialized(async (bytes: Uint8Array, async: boolean): Promise<void> => {
  writeFileSync(path, bytes);
  const base = nativeMemory();
  resetNativePeak();
  const loaders: (() => Tensor | Promise<Tensor>)[] = [() => loadNpySync(path), () => loadNpySync(path, { mmap: true })];
  if (async) loaders.push(() => loadNpy(path), () => loadNpy(path, { mmap: true }));
  for (const load of loaders) {
    const t = await loadOrRefuse(load);
    if (t === undefined) continue;
    try {
      checkTensor(t, bytes.length);
    } finally {
      t.dispose();
    }
  }
  const info = await loadOrRefuse(() => readNpyInfoSync(path));
  if (info !== undefined) expect(Array.isArray(info.shape)).toBe(true);
  // Fortran-ordered data is reordered into a second buffer, so at most twice the file.
  expect(expectMemoryBack(base)).toBeLessThanOrEqual(2 * bytes.length);
});

const seed = fc.nat(NPY_SEEDS.length - 1).map((i) => NPY_SEEDS[i]!);

/** Tokens that a header parser has to refuse or handle: Python literal syntax and near misses. */
const TOKENS = [
  "(", ")", "[", "]", "{", "}", ",", ":", "'", '"', " ", "\n", "\\", "\x00", "\xff", "L", "-", "+", "-1", "0", "1", "9999999999999999999999",
  "18446744073709551616", "1e3", "1.5", "1j", "True", "False", "None", "Tru", "'descr'", "'shape'", "'fortran_order'", "'<f4'",
  "'>i8'", "'|O'", "'<c8'", "'V8'", "[('a', '<f4')]", "'<U3'", "'|b1'", "'=f8'", "(((((", ")))))", "é", "\u{1F600}",
];

/** Header text edits: replace, insert or delete a token within the header dict. */
const headerEdit = fc.record({
  kind: fc.constantFrom("insert", "replace", "delete"),
  at: fc.nat(),
  token: fc.constantFrom(...TOKENS),
  length: fc.integer({ min: 1, max: 12 }),
});

/**
 * Rewrites the header text of a `.npy` file; `fixLength` keeps HEADER_LEN consistent so the edit
 * reaches the literal parser, otherwise the length field lies.
 */
function editHeader(file: Uint8Array, edits: { kind: string; at: number; token: string; length: number }[], fixLength: boolean): Uint8Array {
  if (file.length < 10) return file;
  const major = file[6];
  const start = major === 1 ? 10 : 12;
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const length = major === 1 ? view.getUint16(8, true) : file.length >= 12 ? view.getUint32(8, true) : 0;
  const end = Math.min(file.length, start + length);
  let text = Buffer.from(file.subarray(start, end)).toString("latin1");
  for (const e of edits) {
    const at = text.length === 0 ? 0 : e.at % text.length;
    if (e.kind === "insert") text = text.slice(0, at) + e.token + text.slice(at);
    else if (e.kind === "replace") text = text.slice(0, at) + e.token + text.slice(at + e.length);
    else text = text.slice(0, at) + text.slice(at + e.length);
  }
  const encoded = major === 3 ? new TextEncoder().encode(text) : Uint8Array.from(Buffer.from(text, "latin1"));
  const prefix = file.slice(0, start);
  if (fixLength) {
    const pv = new DataView(prefix.buffer);
    if (major === 1) pv.setUint16(8, Math.min(0xffff, encoded.length), true);
    else if (prefix.length >= 12) pv.setUint32(8, encoded.length, true);
  }
  return concat([prefix, encoded, file.subarray(end)]);
}

/** HEADER_LEN and version lies. */
const preambleLie = fc.record({
  version: fc.option(fc.tuple(fc.constantFrom(0, 1, 2, 3, 4, 9, 255), fc.constantFrom(0, 1, 255)), { nil: undefined }),
  headerLength: fc.option(fc.oneof(fc.constantFrom(0, 1, 9, 10, 64, 118, 0xffff, 0x10000, 0xffffffff, 1 << 20, (1 << 20) + 1), fc.nat()), {
    nil: undefined,
  }),
});

function applyPreambleLie(file: Uint8Array, lie: { version?: [number, number]; headerLength?: number }): Uint8Array {
  const out = file.slice();
  if (out.length < 12) return out;
  if (lie.version) [out[6], out[7]] = lie.version;
  if (lie.headerLength !== undefined) {
    const v = new DataView(out.buffer);
    if (out[6] === 1) v.setUint16(8, lie.headerLength & 0xffff, true);
    else v.setUint32(8, lie.headerLength >>> 0, true);
  }
  return out;
}

describe("fuzz: .npy reader", () => {
  it("every fixture loads or is refused with NpyFormatError, within its memory bounds", async () => {
    for (const s of NPY_SEEDS) await checkNpy(s.bytes, true);
  });

  it("survives bit flips, overwrites, truncations, insertions and deletions", async () => {
    await fuzzProperty(
      "npy bytes",
      [seed, fc.array(byteOp, { minLength: 1, maxLength: 8 }), fc.boolean()],
      (s, ops, async) => checkNpy(applyByteOps(s.bytes, ops, 160), async),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it("survives header text edits, with HEADER_LEN kept consistent or left lying", async () => {
    await fuzzProperty(
      "npy header text",
      [seed, fc.array(headerEdit, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.boolean()],
      (s, edits, fix, async) => checkNpy(editHeader(s.bytes, edits, fix), async),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it("survives version and HEADER_LEN lies combined with truncation", async () => {
    await fuzzProperty("npy preamble", [seed, preambleLie, fc.option(fc.nat(), { nil: undefined })], async (s, lie, cut) => {
      let bytes = applyPreambleLie(s.bytes, lie);
      if (cut !== undefined) bytes = bytes.slice(0, cut % (bytes.length + 1));
      await checkNpy(bytes, true);
    });
  }, FUZZ_TEST_TIMEOUT_MS);

  it("survives random bytes behind a valid magic string", async () => {
    const magic = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59);
    await fuzzProperty("npy random", [fc.uint8Array({ maxLength: 512 }), fc.constantFrom(1, 2, 3)], async (rest, major) => {
      const bytes = concat([magic, Uint8Array.of(major, 0), rest]);
      await checkNpy(bytes, false);
    });
  }, FUZZ_TEST_TIMEOUT_MS);
});
