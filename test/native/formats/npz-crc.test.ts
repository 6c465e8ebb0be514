/**
 * Stored `.npz` members are checked against their CRC-32 as they are read, as Python's zipfile
 * does: a member whose bytes changed is refused with `NpyFormatError` naming it, and the failed
 * load leaves nothing allocated. Memory-mapped loads check only with `verify: true`. Converting
 * loads (`Model.load` with a 16-bit dtype), which stream a stored member through a bounded chunk,
 * check it the same way, and so do they a deflated one.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { Model, NpyFormatError, Tensor, loadNpz, loadNpzSync, nativeMemory, saveNpzSync } from "../../../src/index.js";
import { CONVERT_CHUNK_BYTES } from "../../../src/native/formats/read-converted.js";
import { fixture } from "../../helpers/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "nnbench-npz-crc-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Tensors and bytes the addon counts now. */
function held(): { bytes: number; tensors: number } {
  const { bytes, tensors } = nativeMemory();
  return { bytes, tensors };
}

function disposeAll(tensors: Record<string, Tensor>): void {
  for (const t of Object.values(tensors)) t.dispose();
}

/** File offset of the data of the first `.npy` member at or after `from` (format 1.0 headers). */
function dataOffset(bytes: Uint8Array, from = 0): number {
  const magic = Buffer.from("\x93NUMPY", "latin1");
  const at = Buffer.from(bytes).indexOf(magic, from);
  if (at < 0) throw new Error("no .npy member found");
  return at + 10 + (bytes[at + 8]! | (bytes[at + 9]! << 8));
}

/** A copy of `source` with the byte at `offset` inverted. */
function corrupt(source: string, name: string, offset: (bytes: Uint8Array) => number): string {
  const path = join(dir, name);
  copyFileSync(source, path);
  const bytes = new Uint8Array(readFileSync(path));
  bytes[offset(bytes)]! ^= 0xff;
  writeFileSync(path, bytes);
  return path;
}

/**
 * A copy of `source` whose first `.npy` header has a tab for its last padding space: the header pads
 * with spaces up to its newline, and a tab in their place still parses, so only the CRC-32 tells.
 */
function tabInHeaderPadding(source: string, name: string): string {
  const path = join(dir, name);
  const bytes = new Uint8Array(readFileSync(source));
  expect(bytes[dataOffset(bytes) - 2]).toBe(0x20);
  bytes[dataOffset(bytes) - 2] = 0x09;
  writeFileSync(path, bytes);
  return path;
}

/** One way to load a file, blocking and not, each returning what it loaded. */
interface Loads {
  sync(): unknown;
  async(): Promise<unknown>;
}

function npzLoads(path: string, options: { mmap?: boolean; verify?: boolean } = {}): Loads {
  return { sync: () => loadNpzSync(path, options), async: () => loadNpz(path, options) };
}

/** Loads converting to `dtype`: the member streams through a bounded chunk (when stored). */
function convertingLoads(path: string, dtype: "bfloat16" | "float16", key?: string): Loads {
  return { sync: () => Model.load(path, { dtype, key }), async: () => Model.loadAsync(path, { dtype, key }) };
}

/** Both loads fail with an `NpyFormatError` that `mentions` the member and its CRC-32, leaving nothing allocated. */
async function expectRefused(loads: Loads, mentions: RegExp): Promise<void> {
  const before = held();
  let sync: unknown;
  try {
    sync = loads.sync();
  } catch (error) {
    sync = error;
  }
  expect(sync).toBeInstanceOf(NpyFormatError);
  expect((sync as Error).message).toMatch(mentions);
  expect(held()).toEqual(before);
  const async = await loads.async().catch((error: unknown) => error);
  expect(async).toBeInstanceOf(NpyFormatError);
  expect((async as Error).message).toMatch(mentions);
  expect(held()).toEqual(before);
}

/** The message of a stored member `member` refused for its CRC-32. */
function storedCrc(member: string): RegExp {
  return new RegExp(`\\[${member.replace(".", "\\.")}\\]: stored bytes do not match the CRC-32`);
}

describe("stored .npz members with a wrong CRC-32", () => {
  const source = fixture("npz/savez_three_arrays.npz");

  it("load unchanged before the corruption", async () => {
    disposeAll(loadNpzSync(source));
    disposeAll(await loadNpz(source, { mmap: true, verify: true }));
  });

  it("are refused when a data byte changed (sync, async, and mapped with verify)", async () => {
    const path = corrupt(source, "data-byte.npz", (bytes) => dataOffset(bytes) + 100);
    await expectRefused(npzLoads(path), storedCrc("weights.npy"));
    await expectRefused(npzLoads(path, { mmap: true, verify: true }), storedCrc("weights.npy"));
  });

  it("are refused when a later member's data changed, and the members read before it are freed", async () => {
    const path = corrupt(source, "second-member.npz", (bytes) => dataOffset(bytes, dataOffset(bytes)) + 3);
    await expectRefused(npzLoads(path), storedCrc("bias.npy"));
  });

  it("are refused when the padding of a .npy header changed", async () => {
    const path = tabInHeaderPadding(source, "header-pad.npz");
    await expectRefused(npzLoads(path), storedCrc("weights.npy"));
  });

  it("load when mapped without verify: mapping reads no page until it is used", () => {
    const path = corrupt(source, "mapped.npz", (bytes) => dataOffset(bytes) + 100);
    const loaded = loadNpzSync(path, { mmap: true });
    expect(Object.keys(loaded).sort()).toEqual(["bias", "meta", "weights"]);
    disposeAll(loaded);
  });

  it("are refused in reads split over threads (64 MiB and more)", async () => {
    const path = join(dir, "large.npz");
    {
      using big = Tensor.zeros([17 << 20], "float32");
      big.data()[5] = 1;
      saveNpzSync(path, { big });
    }
    const loaded = await loadNpz(path);
    expect(loaded.big?.data()[5]).toBe(1);
    disposeAll(loaded);
    // A byte near the end lies in the last thread's share of the read.
    const bytes = new Uint8Array(readFileSync(path));
    bytes[dataOffset(bytes) + (17 << 22) - 7]! ^= 0x01;
    writeFileSync(path, bytes);
    await expectRefused(npzLoads(path), storedCrc("big.npy"));
  });
});

/** A copy of `source` whose directory records another CRC-32 for `member` (central and local headers). */
function recordOtherCrc(source: string, name: string, member: string): string {
  const path = join(dir, name);
  const bytes = Buffer.from(readFileSync(source));
  const wanted = Buffer.from(member, "latin1");
  let changed = 0;
  for (const [signature, crcAt, nameLengthAt, nameAt] of [
    [0x02014b50, 16, 28, 46], // central directory header
    [0x04034b50, 14, 26, 30], // local file header
  ] as const) {
    for (let at = 0; at + nameAt <= bytes.length; at++) {
      if (bytes.readUInt32LE(at) !== signature) continue;
      const length = bytes.readUInt16LE(at + nameLengthAt);
      if (!bytes.subarray(at + nameAt, at + nameAt + length).equals(wanted)) continue;
      bytes.writeUInt32LE((bytes.readUInt32LE(at + crcAt) ^ 0x00010000) >>> 0, at + crcAt);
      changed++;
    }
  }
  expect(changed).toBe(2);
  writeFileSync(path, bytes);
  return path;
}

describe("converting loads (Model.load with a 16-bit dtype) of members with a wrong CRC-32", () => {
  const stored = fixture("npz/model1.npz");
  const deflated = fixture("npz/savez_compressed_three_arrays.npz");
  const dtypes = ["bfloat16", "float16"] as const;

  it("convert unchanged members as a plain load followed by astype", async () => {
    for (const [path, key] of [[stored, undefined], [deflated, "weights"]] as const) {
      const plain = loadNpzSync(path);
      try {
        for (const dtype of dtypes) {
          const want = (plain[key ?? "weights"] as Tensor).astype(dtype);
          for (const model of [Model.load(path, { dtype, key }), await Model.loadAsync(path, { dtype, key })]) {
            using m = model;
            expect(m.weights.dtype).toBe(dtype);
            expect([...m.weights.data()]).toEqual([...want.data()]);
          }
          want.dispose();
        }
      } finally {
        disposeAll(plain);
      }
    }
  });

  it("refuse a stored member whose data byte changed, sync and async", async () => {
    const path = corrupt(stored, "convert-data-byte.npz", (bytes) => dataOffset(bytes) + 100);
    for (const dtype of dtypes) await expectRefused(convertingLoads(path, dtype), storedCrc("weights.npy"));
  });

  it("refuse a stored member whose .npy header changed (its bytes are in the CRC too)", async () => {
    const path = tabInHeaderPadding(stored, "convert-header-pad.npz");
    await expectRefused(convertingLoads(path, "bfloat16"), storedCrc("weights.npy"));
  });

  it("refuse a stored member changed in its last chunk, and load it unchanged across chunks", async () => {
    const path = join(dir, "convert-chunks.npz");
    const elements = (CONVERT_CHUNK_BYTES * 2 + (1 << 20)) / 4; // three chunks of float32
    {
      using weights = Tensor.zeros([elements], "float32");
      weights.data()[elements - 1] = 3;
      saveNpzSync(path, { weights });
    }
    {
      using m = await Model.loadAsync(path, { dtype: "bfloat16" });
      using back = m.weights.astype("float32");
      expect(back.data()[elements - 1]).toBe(3);
      expect(back.sum()).toBe(3);
    }
    const bytes = new Uint8Array(readFileSync(path));
    bytes[dataOffset(bytes) + elements * 4 - 7]! ^= 0x01;
    writeFileSync(path, bytes);
    await expectRefused(convertingLoads(path, "bfloat16"), storedCrc("weights.npy"));
  });

  it("refuse a member whose recorded CRC-32 differs from its bytes, stored or deflated", async () => {
    await expectRefused(convertingLoads(recordOtherCrc(stored, "convert-crc-stored.npz", "weights.npy"), "float16"), storedCrc("weights.npy"));
    const path = recordOtherCrc(deflated, "convert-crc-deflated.npz", "weights.npy");
    for (const dtype of dtypes) {
      await expectRefused(convertingLoads(path, dtype, "weights"), /member 'weights\.npy' fails its CRC-32 check/);
    }
    // The plain load refuses it alike.
    await expectRefused(npzLoads(path), /member 'weights\.npy' fails its CRC-32 check/);
  });
});
