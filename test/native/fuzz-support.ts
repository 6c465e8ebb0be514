/**
 * Shared parts of the file-reader fuzz tests: seeds from the NumPy fixtures, mutation plans that
 * fast-check generates and shrinks, a lenient ZIP field map for lying about sizes and offsets, and
 * the time budget.
 *
 * Two modes. In `npm test` (NNBENCH_FUZZ_SECONDS unset) every property runs a fixed number of
 * inputs from a fixed seed, so two runs of the same tree try the same inputs. With
 * NNBENCH_FUZZ_SECONDS set (.ci/fuzz), each property runs that many seconds from a random seed,
 * as many executions as fit. NNBENCH_FUZZ_SEED sets the seed in either mode, to replay a run.
 */
import { readFileSync } from "node:fs";
import { deflateRawSync, crc32 } from "node:zlib";

import fc from "fast-check";
import { expect } from "vitest";

import { NpyFormatError, nativeMemory, type NativeMemoryStats } from "../../src/index.js";
import { entries, fixture } from "../helpers/fixtures.js";

/** Time-boxed random fuzzing (.ci/fuzz) instead of the fixed inputs of `npm test`. */
export const TIME_BOXED = process.env.NNBENCH_FUZZ_SECONDS !== undefined;

/** Milliseconds each fuzz property may run when time-boxed; the test timeout adds to it. */
export const BUDGET_MS = TIME_BOXED ? Math.max(0.5, Number(process.env.NNBENCH_FUZZ_SECONDS)) * 1000 : 30_000;

/** The seed: NNBENCH_FUZZ_SEED, else random when time-boxed, else the suite's fixed seed. */
function fuzzSeed(): number {
  const fromEnv = process.env.NNBENCH_FUZZ_SEED;
  if (fromEnv !== undefined) return Number(fromEnv);
  return TIME_BOXED ? (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0 : fc.readConfigureGlobal().seed ?? 0;
}

/**
 * fast-check parameters. In `npm test`: `runs` inputs from a fixed seed. Time-boxed: as many
 * inputs as fit in NNBENCH_FUZZ_SECONDS, from a random seed (fast-check prints it on failure).
 */
export function fuzzParameters<T>(runs = 500): fc.Parameters<T> {
  const seed = fuzzSeed();
  if (!TIME_BOXED) return { seed, numRuns: runs, endOnFailure: false, plugins: [fc.timeout(10_000)] };
  return { seed, numRuns: 1_000_000, endOnFailure: false, plugins: [fc.interruptAfterTimeLimit(BUDGET_MS), fc.timeout(10_000)] };
}

/**
 * Runs checks one after another, even across properties: when a property's time is up, fast-check
 * stops awaiting the run in progress, which must still finish before the next run measures
 * native memory. A failure of such a run still surfaces (as an unhandled rejection).
 */
export function serialized<A extends unknown[]>(check: (...args: A) => Promise<void>): ((...args: A) => Promise<void>) & { drain(): Promise<void> } {
  let chain: Promise<void> = Promise.resolve();
  const run = (...args: A): Promise<void> => {
    const next = chain.then(() => check(...args));
    chain = next.catch(() => undefined);
    return next;
  };
  /** Resolves once every check started so far has finished. */
  const drain = (): Promise<void> => chain;
  return Object.assign(run, { drain });
}

/** Fails unless `error` is an `NpyFormatError`, the one way a reader may refuse a file. */
export function expectFormatError(error: unknown): void {
  if (!(error instanceof NpyFormatError)) {
    throw new Error(`expected NpyFormatError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, { cause: error });
  }
}

/** Runs `load`: what it loaded, or undefined when it refused the file with an `NpyFormatError`. */
export async function loadOrRefuse<T>(load: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (error) {
    expectFormatError(error);
    return undefined;
  }
}

/** Checks that native bytes and tensors are back at `base`; returns the peak above it. */
export function expectMemoryBack(base: NativeMemoryStats): number {
  const after = nativeMemory();
  expect(after.bytes).toBe(base.bytes);
  expect(after.tensors).toBe(base.tensors);
  return after.peakBytes - base.bytes;
}

/** The test timeout of a fuzz property: its budget and a minute for the run in progress and cleanup. */
export const FUZZ_TEST_TIMEOUT_MS = BUDGET_MS + 60_000;

/**
 * Runs `check` on inputs drawn from `arbitraries` (`runs` of them in `npm test`, as many as fit the
 * budget when time-boxed), prints how many inputs it
 * tried (for the record of each run), and fails when a check fails or none ran.
 */
export async function fuzzProperty<Ts extends [unknown, ...unknown[]]>(
  label: string,
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  check: (...args: Ts) => Promise<void>,
  runs = 500,
): Promise<void> {
  let executions = 0;
  const started = performance.now();
  const property = fc.asyncProperty<Ts>(...arbitraries, (...args: Ts) => {
    executions++;
    return check(...args);
  });
  await fc.assert(property, fuzzParameters(runs));
  const seconds = (performance.now() - started) / 1000;
  console.log(`fuzz ${label}: ${executions} executions in ${seconds.toFixed(1)} s${TIME_BOXED ? "" : ` (seed ${fuzzSeed()})`}`);
  expect(executions).toBeGreaterThan(0);
}

/** A seed file: its name and bytes. */
export interface Seed {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** A seed that fast-check prints by name in counterexamples. */
function named(name: string, bytes: Uint8Array): Seed {
  return { name, bytes, [fc.toStringMethod]: () => `seed(${JSON.stringify(name)})` } as Seed;
}

function load(files: string[]): Seed[] {
  return files.map((file) => named(file, new Uint8Array(readFileSync(fixture(file)))));
}

/** Every `.npy` fixture, good and bad (small files only, so runs stay fast). */
export const NPY_SEEDS: Seed[] = load(
  [...entries("npy"), ...entries("bad").filter((e) => e.target === "npy")].filter((e) => e.file_bytes <= 16_384).map((e) => e.file),
);

/** Small `.npz` fixtures (stored and deflated), plus two built here with ZIP64 extras. */
export const NPZ_SEEDS: Seed[] = [
  ...load(
    [...entries("npz"), ...entries("matmul"), ...entries("bad").filter((e) => e.target === "npz")]
      .filter((e) => e.file_bytes <= 16_384)
      .map((e) => e.file),
  ),
  named("built:zip64-central-extra.npz", buildZip([{ name: "a.npy", npy: smallNpy(), method: 0, zip64: true }])),
  named(
    "built:deflate-zip64.npz",
    buildZip([
      { name: "a.npy", npy: smallNpy(), method: 8, zip64: true },
      { name: "b.npy", npy: smallNpy(), method: 0, zip64: false },
    ]),
  ),
];

/** A valid float32 (3, 4) `.npy` file. */
export function smallNpy(): Uint8Array {
  const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const out = new Uint8Array(total + 48);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, total - 10, true);
  const text = dict.padEnd(total - 11, " ") + "\n";
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  const data = new Float32Array(out.buffer, total, 12);
  for (let i = 0; i < 12; i++) data[i] = i - 5.5;
  return out;
}

interface BuildMember {
  name: string;
  npy: Uint8Array;
  method: 0 | 8;
  /** Put sizes and offset in a ZIP64 extra field of the central directory (0xFFFFFFFF in the fixed fields). */
  zip64: boolean;
}

/** Writes a small ZIP archive independently of the library's writer. */
export function buildZip(members: BuildMember[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const m of members) {
    const name = new TextEncoder().encode(m.name);
    const body = m.method === 8 ? new Uint8Array(deflateRawSync(m.npy)) : m.npy;
    const crc = crc32(m.npy);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, m.method, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, m.npy.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const extra = m.zip64 ? 4 + 24 : 0;
    const c = new Uint8Array(46 + name.length + extra);
    const cv = new DataView(c.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 45, true);
    cv.setUint16(6, 45, true);
    cv.setUint16(10, m.method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, m.zip64 ? 0xffffffff : body.length, true);
    cv.setUint32(24, m.zip64 ? 0xffffffff : m.npy.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint16(30, extra, true);
    cv.setUint32(42, m.zip64 ? 0xffffffff : offset, true);
    c.set(name, 46);
    if (m.zip64) {
      const at = 46 + name.length;
      cv.setUint16(at, 1, true);
      cv.setUint16(at + 2, 24, true);
      cv.setBigUint64(at + 4, BigInt(m.npy.length), true);
      cv.setBigUint64(at + 12, BigInt(body.length), true);
      cv.setBigUint64(at + 20, BigInt(offset), true);
    }
    parts.push(local, body);
    central.push(c);
    offset += local.length + body.length;
  }
  const cdSize = central.reduce((n, c) => n + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, members.length, true);
  ev.setUint16(10, members.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  return concat([...parts, ...central, eocd]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A field of a ZIP structure: where it is and how wide. */
export interface ZipField {
  readonly what: string;
  readonly at: number;
  readonly width: 2 | 4 | 8;
}

/** What a lenient walk of an archive finds: its fields, central entries and methods. */
export interface ZipMap {
  readonly fields: ZipField[];
  /** [start, end) of each central directory entry. */
  readonly centralEntries: [number, number][];
  readonly eocd: number;
  readonly methods: number[];
}

/** Finds the fields of the end record, central entries (with any ZIP64 extra) and local headers. */
export function mapZip(bytes: Uint8Array): ZipMap | undefined {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= 0; i--) {
    if (v.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return undefined;
  const fields: ZipField[] = [
    { what: "eocd.disk", at: eocd + 4, width: 2 },
    { what: "eocd.count", at: eocd + 10, width: 2 },
    { what: "eocd.countDisk", at: eocd + 8, width: 2 },
    { what: "eocd.cdSize", at: eocd + 12, width: 4 },
    { what: "eocd.cdOffset", at: eocd + 16, width: 4 },
    { what: "eocd.comment", at: eocd + 20, width: 2 },
  ];
  const centralEntries: [number, number][] = [];
  const methods: number[] = [];
  let at = v.getUint32(eocd + 16, true);
  const count = v.getUint16(eocd + 10, true);
  for (let i = 0; i < count && at + 46 <= eocd && v.getUint32(at, true) === 0x02014b50; i++) {
    const nameLength = v.getUint16(at + 28, true);
    const extraLength = v.getUint16(at + 30, true);
    const end = at + 46 + nameLength + extraLength + v.getUint16(at + 32, true);
    if (end > eocd) break;
    methods.push(v.getUint16(at + 10, true));
    fields.push(
      { what: `central${i}.flags`, at: at + 8, width: 2 },
      { what: `central${i}.method`, at: at + 10, width: 2 },
      { what: `central${i}.crc`, at: at + 16, width: 4 },
      { what: `central${i}.compressedSize`, at: at + 20, width: 4 },
      { what: `central${i}.uncompressedSize`, at: at + 24, width: 4 },
      { what: `central${i}.nameLength`, at: at + 28, width: 2 },
      { what: `central${i}.extraLength`, at: at + 30, width: 2 },
      { what: `central${i}.commentLength`, at: at + 32, width: 2 },
      { what: `central${i}.localOffset`, at: at + 42, width: 4 },
    );
    let x = at + 46 + nameLength;
    const extraEnd = x + extraLength;
    while (x + 4 <= extraEnd) {
      const length = v.getUint16(x + 2, true);
      fields.push({ what: `central${i}.extraId`, at: x, width: 2 }, { what: `central${i}.extraLength`, at: x + 2, width: 2 });
      for (let f = x + 4; f + 8 <= Math.min(extraEnd, x + 4 + length); f += 8) fields.push({ what: `central${i}.extra64`, at: f, width: 8 });
      x += 4 + length;
    }
    const local = v.getUint32(at + 42, true);
    if (local + 30 <= bytes.length && v.getUint32(local, true) === 0x04034b50) {
      fields.push(
        { what: `local${i}.nameLength`, at: local + 26, width: 2 },
        { what: `local${i}.extraLength`, at: local + 28, width: 2 },
        { what: `local${i}.compressedSize`, at: local + 18, width: 4 },
      );
    }
    centralEntries.push([at, end]);
    at = end;
  }
  return { fields, centralEntries, eocd, methods };
}

/** Writes `value` into a field (little-endian), truncating it to the field's width. */
export function setField(bytes: Uint8Array, field: ZipField, value: bigint): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (field.at + field.width > bytes.length) return;
  if (field.width === 2) v.setUint16(field.at, Number(value & 0xffffn), true);
  else if (field.width === 4) v.setUint32(field.at, Number(value & 0xffffffffn), true);
  else v.setBigUint64(field.at, value & 0xffffffffffffffffn, true);
}

/** Values that tend to break size and offset arithmetic. */
export const INTERESTING = [
  0n, 1n, 2n, 7n, 8n, 29n, 30n, 46n, 0x7fn, 0x80n, 0xffn, 0x100n, 0x7fffn, 0x8000n, 0xfffen, 0xffffn, 0x10000n,
  0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffffn, 0x100000000n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n,
];

/** A value to write into a field: an interesting constant, the old value nudged, or anything. */
export const fieldValue = fc.oneof(
  fc.constantFrom(...INTERESTING).map((v) => ({ kind: "constant" as const, v })),
  fc.integer({ min: -64, max: 64 }).map((d) => ({ kind: "delta" as const, d })),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => ({ kind: "constant" as const, v })),
);

export function readField(bytes: Uint8Array, field: ZipField): bigint {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (field.at + field.width > bytes.length) return 0n;
  if (field.width === 2) return BigInt(v.getUint16(field.at, true));
  if (field.width === 4) return BigInt(v.getUint32(field.at, true));
  return v.getBigUint64(field.at, true);
}

/** Byte-level mutations: flips, overwrites, truncation, insertion and deletion. */
export type ByteOp =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "set"; at: number; value: number }
  | { kind: "truncate"; at: number }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "delete"; at: number; length: number };

export const byteOp: fc.Arbitrary<ByteOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.constantFrom(0, 1, 0x7f, 0x80, 0xff, 0x20, 0x0a) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }) },
);

/**
 * Applies byte operations. Positions are taken modulo the length; `focus` > 0 confines them to
 * the first `focus` bytes (the header) for about half the operations.
 */
export function applyByteOps(input: Uint8Array, ops: readonly ByteOp[], focus = 0): Uint8Array {
  let bytes: Uint8Array = input.slice();
  for (const [i, op] of ops.entries()) {
    if (bytes.length === 0) break;
    const span = focus > 0 && i % 2 === 0 ? Math.min(focus, bytes.length) : bytes.length;
    const at = op.at % span;
    switch (op.kind) {
      case "flip":
        bytes[at] = (bytes[at] ?? 0) ^ (1 << op.bit);
        break;
      case "set":
        bytes[at] = op.value;
        break;
      case "truncate":
        bytes = bytes.slice(0, at);
        break;
      case "insert":
        bytes = concat([bytes.subarray(0, at), op.bytes, bytes.subarray(at)]);
        break;
      case "delete":
        bytes = concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + op.length))]);
        break;
    }
  }
  return bytes;
}
