/**
 * Stored `.npz` members are checked against their CRC-32 as they are read, as Python's zipfile
 * does: a member whose bytes changed is refused with `NpyFormatError` naming it, and the failed
 * load leaves nothing allocated. Memory-mapped loads check only with `verify: true`.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { NpyFormatError, Tensor, loadNpz, loadNpzSync, nativeMemory, saveNpzSync } from "../../../src/index.js";
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

async function expectRefused(path: string, member: string, options: { mmap?: boolean; verify?: boolean } = {}): Promise<void> {
  const before = held();
  let sync: unknown;
  try {
    disposeAll(loadNpzSync(path, options));
  } catch (error) {
    sync = error;
  }
  expect(sync).toBeInstanceOf(NpyFormatError);
  expect((sync as Error).message).toContain(`[${member}]`);
  expect((sync as Error).message).toMatch(/CRC-32/);
  expect(held()).toEqual(before);
  await expect(loadNpz(path, options)).rejects.toThrow(NpyFormatError);
  await expect(loadNpz(path, options)).rejects.toThrow(new RegExp(`\\[${member.replace(".", "\\.")}\\].*CRC-32`));
  expect(held()).toEqual(before);
}

describe("stored .npz members with a wrong CRC-32", () => {
  const source = fixture("npz/savez_three_arrays.npz");

  it("load unchanged before the corruption", async () => {
    disposeAll(loadNpzSync(source));
    disposeAll(await loadNpz(source, { mmap: true, verify: true }));
  });

  it("are refused when a data byte changed (sync, async, and mapped with verify)", async () => {
    const path = corrupt(source, "data-byte.npz", (bytes) => dataOffset(bytes) + 100);
    await expectRefused(path, "weights.npy");
    await expectRefused(path, "weights.npy", { mmap: true, verify: true });
  });

  it("are refused when a later member's data changed, and the members read before it are freed", async () => {
    const path = corrupt(source, "second-member.npz", (bytes) => dataOffset(bytes, dataOffset(bytes)) + 3);
    await expectRefused(path, "bias.npy");
  });

  it("are refused when the padding of a .npy header changed", async () => {
    // The header pads with spaces up to its newline; a tab in their place still parses.
    const path = join(dir, "header-pad.npz");
    const bytes = new Uint8Array(readFileSync(source));
    expect(bytes[dataOffset(bytes) - 2]).toBe(0x20);
    bytes[dataOffset(bytes) - 2] = 0x09;
    writeFileSync(path, bytes);
    await expectRefused(path, "weights.npy");
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
    await expectRefused(path, "big.npy");
  });
});
