/**
 * Fuzzing the `.safetensors` reader with mutated files: whatever the bytes, a load either returns
 * consistent tensors or raises `SafetensorsFormatError`; it never crashes, hangs or leaks, and
 * never allocates more native memory than the file's size justifies.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";

import {
  Model,
  SafetensorsFormatError,
  Tensor,
  itemSize,
  loadSafetensors,
  loadSafetensorsSync,
  nativeMemory,
  resetNativePeak,
  safetensorsInfoSync,
  saveSafetensorsSync,
} from "../../../src/index.js";
import { FUZZ_TEST_TIMEOUT_MS, applyByteOps, byteOp, concat, expectMemoryBack, fuzzProperty, serialized } from "../fuzz-support.js";

const dir = mkdtempSync(join(tmpdir(), "nnbench-fuzz-safetensors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = join(dir, "input.safetensors");

/** Seed files written by nnbench: several dtypes, empty and scalar tensors, metadata. */
function seeds(): Uint8Array[] {
  const out: Uint8Array[] = [];
  const make = (tensors: Record<string, Tensor>, metadata?: Record<string, string>): void => {
    const file = join(dir, "seed.safetensors");
    saveSafetensorsSync(file, tensors, metadata ? { metadata } : {});
    out.push(new Uint8Array(readFileSync(file)));
    for (const t of Object.values(tensors)) t.dispose();
  };
  make({ weights: Tensor.fromArray(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]) });
  make(
    {
      w: Tensor.fromArray([1, -2, 3.5, 0.25], [2, 2], "bfloat16"),
      b: Tensor.fromArray([0.5, 1], [2], "float16"),
      n: Tensor.fromArray(new BigInt64Array([1n, -1n])),
      e: Tensor.zeros([0, 3], "float64"),
      s: Tensor.fromArray([true], [], "bool"),
    },
    { format: "pt", note: "seed" },
  );
  return out;
}
const SEEDS = seeds();

function expectFormatError(error: unknown): void {
  if (!(error instanceof SafetensorsFormatError)) {
    throw new Error(`expected SafetensorsFormatError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, { cause: error });
  }
}

const checkFile = serialized(async (bytes: Uint8Array, async: boolean): Promise<void> => {
  writeFileSync(path, bytes);
  const base = nativeMemory();
  resetNativePeak();
  const loaders: (() => Record<string, Tensor> | Promise<Record<string, Tensor>>)[] = [
    () => loadSafetensorsSync(path),
    () => loadSafetensorsSync(path, { mmap: true }),
  ];
  if (async) loaders.push(() => loadSafetensors(path), () => loadSafetensors(path, { mmap: true }));
  for (const load of loaders) {
    let tensors: Record<string, Tensor> | undefined;
    try {
      tensors = await load();
    } catch (error) {
      expectFormatError(error);
    }
    for (const t of Object.values(tensors ?? {})) {
      try {
        expect(t.byteLength).toBe(t.size * itemSize(t.dtype));
        expect(t.byteLength).toBeLessThanOrEqual(bytes.length);
        expect(t.data().length).toBe(t.size);
        t.sum();
      } finally {
        t.dispose();
      }
    }
  }
  try {
    safetensorsInfoSync(path);
  } catch (error) {
    expectFormatError(error);
  }
  try {
    Model.load(path, { key: "w", dtype: "float32" }).dispose();
  } catch (error) {
    if (!(error instanceof SafetensorsFormatError) && !(error instanceof Error && error.name === "DTypeError")) throw error;
  }
  // Never more than the file, except the float32 copy of a 16-bit tensor (twice its bytes).
  expect(expectMemoryBack(base)).toBeLessThanOrEqual(2 * bytes.length);
});

const seed = fc.nat(SEEDS.length - 1).map((i) => SEEDS[i]!);

const TOKENS = [
  "{", "}", "[", "]", ",", ":", '"', " ", "\\", "\x00", "-1", "0", "1", "8", "1e308", "9007199254740993", "18446744073709551616", "1.5",
  "null", "true", '"F32"', '"BF16"', '"F16"', '"F8_E4M3"', '"I64"', '"BOOL"', '"dtype"', '"shape"', '"data_offsets"', '"__metadata__"',
  '"__proto__"', "[0,0]", "[0, 4294967296]", "é", "\u{1F600}",
];

/** Edits the JSON text of a file; `fixLength` keeps the 8-byte length consistent, otherwise it lies. */
function editHeader(file: Uint8Array, edits: { kind: string; at: number; token: string; length: number }[], fixLength: boolean): Uint8Array {
  if (file.length < 8) return file;
  const length = Number(new DataView(file.buffer, file.byteOffset, 8).getBigUint64(0, true));
  const end = Math.min(file.length, 8 + length);
  let text = Buffer.from(file.subarray(8, end)).toString("utf8");
  for (const e of edits) {
    const at = text.length === 0 ? 0 : e.at % text.length;
    if (e.kind === "insert") text = text.slice(0, at) + e.token + text.slice(at);
    else if (e.kind === "replace") text = text.slice(0, at) + e.token + text.slice(at + e.length);
    else text = text.slice(0, at) + text.slice(at + e.length);
  }
  const encoded = new TextEncoder().encode(text);
  const prefix = file.slice(0, 8);
  if (fixLength) new DataView(prefix.buffer).setBigUint64(0, BigInt(encoded.length), true);
  return concat([prefix, encoded, file.subarray(end)]);
}

const headerEdit = fc.record({
  kind: fc.constantFrom("insert", "replace", "delete"),
  at: fc.nat(),
  token: fc.constantFrom(...TOKENS),
  length: fc.integer({ min: 1, max: 12 }),
});

describe("fuzz: .safetensors reader", () => {
  it("every seed loads", async () => {
    for (const s of SEEDS) await checkFile(s, true);
  });

  it("survives bit flips, overwrites, truncations, insertions and deletions", async () => {
    await fuzzProperty("safetensors bytes", [seed, fc.array(byteOp, { minLength: 1, maxLength: 8 }), fc.boolean()], (s, ops, async) =>
      checkFile(applyByteOps(s, ops, 200), async),
    );
    await checkFile.drain();
  }, FUZZ_TEST_TIMEOUT_MS);

  it("survives header text edits, with the length kept consistent or left lying", async () => {
    await fuzzProperty(
      "safetensors header text",
      [seed, fc.array(headerEdit, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.boolean()],
      (s, edits, fix, async) => checkFile(editHeader(s, edits, fix), async),
    );
    await checkFile.drain();
  }, FUZZ_TEST_TIMEOUT_MS);

  it("survives header length lies and random bytes", async () => {
    const lie = fc.oneof(fc.constantFrom(0n, 1n, 2n, 7n, 8n, 100_000_000n, 100_000_001n, 2n ** 63n, 2n ** 64n - 1n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
    await fuzzProperty("safetensors length", [fc.oneof(seed, fc.uint8Array({ maxLength: 256 })), lie, fc.option(fc.nat(), { nil: undefined })], (s, length, cut) => {
      let bytes = s.slice();
      if (bytes.length >= 8) new DataView(bytes.buffer).setBigUint64(0, length, true);
      if (cut !== undefined) bytes = bytes.slice(0, cut % (bytes.length + 1));
      return checkFile(bytes, true);
    });
    await checkFile.drain();
  }, FUZZ_TEST_TIMEOUT_MS);
});
