/**
 * Fuzzing the addon's boundary: every native function called with arbitrary arguments (numbers of
 * every kind, strings, arrays, typed arrays, live and disposed storages, objects) either returns
 * or throws a JavaScript Error. Nothing crashes, and the accounting of native memory stays exact.
 * File functions only ever get a scratch file's descriptor or descriptors that are not open.
 */
import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";

import { nativeMemory } from "../../src/index.js";
import { type NativeStorage, addon } from "../../src/native/addon.js";
import { FUZZ_TEST_TIMEOUT_MS, fuzzProperty, serialized } from "./fuzz-support.js";

const dir = mkdtempSync(join(tmpdir(), "nnbench-fuzz-addon-"));
const scratch = openSync(join(dir, "scratch.bin"), "w+");
afterAll(() => {
  closeSync(scratch);
  rmSync(dir, { recursive: true, force: true });
});

const FILE_FUNCTIONS = new Set(["readInto", "readIntoAsync", "readIntoChecked", "readIntoCheckedAsync", "writeFrom", "writeFromAsync"]);
const FUNCTIONS = [
  "Storage",
  "readInto",
  "readIntoAsync",
  "readIntoChecked",
  "readIntoCheckedAsync",
  "writeFrom",
  "writeFromAsync",
  "byteSwap",
  "fortranToC",
  "sum",
  "copyBytes",
  "gemm",
  "gemmAsync",
  "setGemmThreads",
  "setGemmIsa",
  "gemmInfo",
  "nativeMemory",
] as const;

/** Argument descriptions; storages are made fresh for each call from their description. */
type Arg =
  | { kind: "value"; value: unknown }
  | { kind: "storage"; bytes: number; disposed: boolean }
  | { kind: "f64"; values: number[] };

const number = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 4, 7, 8, 16, 63, 64, 65, 1023, 4096, -1, -0, 0.5, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 2 ** 62, Number.MAX_VALUE),
  fc.integer({ min: -4, max: 300 }),
  fc.double(),
);

const arg: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 6, arbitrary: number.map((value) => ({ kind: "value" as const, value })) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("storage" as const), bytes: fc.oneof(fc.constantFrom(0, 1, 8, 64, 256, 4096), fc.nat(600)), disposed: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.constantFrom<unknown>(undefined, null, true, false, "float32", "float64", "portable", "avx2", "avx512", "", {}, [], () => 1, 5n, Symbol("s")),
        fc.array(fc.oneof(fc.nat(9), number), { maxLength: 5 }),
        fc.string({ maxLength: 8 }),
      )
      .map((value) => ({ kind: "value" as const, value })),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("f64" as const), values: fc.array(number, { maxLength: 9 }) }) },
);

function materialize(a: Arg, made: NativeStorage[]): unknown {
  if (a.kind === "value") return a.value;
  if (a.kind === "f64") return Float64Array.from(a.values);
  const s = new addon.Storage(a.bytes, true);
  made.push(s);
  if (a.disposed) s.dispose();
  return s;
}

/** A descriptor that is not open in this process. */
const CLOSED_FD = 1 << 20;

/** One call of a native function with the described arguments; checks what it leaves behind. */
const call = serialized(async (name: (typeof FUNCTIONS)[number], args: Arg[], openFd: boolean): Promise<void> => {
  const before = nativeMemory();
  const made: NativeStorage[] = [];
  const values = args.map((a) => materialize(a, made));
  if (FILE_FUNCTIONS.has(name)) values[0] = openFd ? scratch : CLOSED_FD;
  // Thread counts above the machine's only slow the run down; the bounds check is what matters.
  if (name === "setGemmThreads" && typeof values[0] === "number" && values[0] > 8 && values[0] <= 1024) values[0] = 8;
  try {
    const fn = addon[name] as unknown as (...a: unknown[]) => unknown;
    const result: unknown = name === "Storage" ? Reflect.construct(fn, values) : fn(...values);
    if (result instanceof Promise) await result;
    if (name === "Storage") made.push(result as NativeStorage);
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
  }
  for (const s of made) s.dispose();
  const after = nativeMemory();
  expect(after.bytes).toBe(before.bytes);
  expect(after.tensors).toBe(before.tensors);
});

describe("fuzz: addon boundary", () => {
  it("every native function returns or throws an Error for any arguments", async () => {
    const threads = addon.getGemmThreads();
    const isa = addon.gemmInfo().isa;
    const base = nativeMemory();
    try {
      await fuzzProperty(
        "addon boundary",
        [fc.constantFrom(...FUNCTIONS), fc.array(arg, { maxLength: 9 }), fc.boolean()],
        (name, args, openFd) => call(name, args, openFd),
        10_000,
      );
    } finally {
      await call.drain();
      addon.setGemmThreads(threads);
      addon.setGemmIsa(isa);
    }
    expect(nativeMemory().bytes).toBe(base.bytes);
  }, FUZZ_TEST_TIMEOUT_MS);
});
