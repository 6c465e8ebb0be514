/**
 * The addon's CRC-32 (the one ZIP members carry) against zlib's values: known vectors, random data
 * of odd lengths at odd alignments, on every implementation this machine runs, the
 * combination of two CRCs, and checked file reads that continue a CRC from one read to the next.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zlib from "node:zlib";

import { describe, expect, it } from "vitest";

import { addon } from "../../src/native/addon.js";

/** Bit-at-a-time CRC-32 straight from its definition (reflected 0x04C11DB7), as a reference. */
function reference(data: Uint8Array, value = 0): number {
  let c = ~value >>> 0;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/** zlib's crc32 where this Node has it (20.15+), else the reference. */
const zlibCrc32: (data: Uint8Array, value?: number) => number =
  (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32 ?? reference;

function random(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("crc32", () => {
  const implementations = addon.crc32Implementations();

  it("lists the table implementation on every machine", () => {
    expect(implementations).toContain("table");
    expect(new Set(implementations).size).toBe(implementations.length);
  });

  for (const implementation of implementations) {
    describe(implementation, () => {
      it("gives zlib's values on known vectors", () => {
        expect(addon.crc32(new Uint8Array(0), 0, implementation)).toBe(0);
        expect(addon.crc32(text("123456789"), 0, implementation)).toBe(0xcbf43926);
        expect(addon.crc32(text("The quick brown fox jumps over the lazy dog"), 0, implementation)).toBe(0x414fa339);
        expect(addon.crc32(new Uint8Array(32), 0, implementation)).toBe(0x190a55ad);
        expect(addon.crc32(new Uint8Array(32).fill(0xff), 0, implementation)).toBe(0xff6cab0b);
      });

      it("matches zlib on random data of odd lengths, alignments and start values", () => {
        const data = random(7, 1 << 16);
        for (let length = 0; length < 1200; length += length < 80 ? 1 : 37) {
          for (const offset of [0, 1, 3, 7, 13, 63]) {
            const view = data.subarray(offset, offset + length);
            const start = (length * 2654435761) >>> 0;
            const want = zlibCrc32(view, start);
            expect(addon.crc32(view, start, implementation), `length ${length} offset ${offset}`).toBe(want);
          }
        }
        for (const length of [4095, 4097, 65_521, (1 << 16) - 5]) {
          const view = data.subarray(5, 5 + length);
          expect(addon.crc32(view, 0, implementation)).toBe(zlibCrc32(view));
          expect(addon.crc32(view, 0, implementation)).toBe(reference(view));
        }
      });
    });
  }

  it("combines two CRCs into the CRC of the joined bytes", () => {
    const data = random(11, 100_003);
    for (const cut of [0, 1, 15, 16, 17, 4096, 50_000, 100_002, 100_003]) {
      const a = addon.crc32(data.subarray(0, cut));
      const b = addon.crc32(data.subarray(cut));
      expect(addon.crc32Combine(a, b, data.length - cut)).toBe(zlibCrc32(data));
    }
  });

  it("refuses what is not a CRC or bytes", () => {
    expect(() => addon.crc32([1, 2] as never)).toThrow(TypeError);
    expect(() => addon.crc32(new Uint8Array(1), -1)).toThrow(TypeError);
    expect(() => addon.crc32(new Uint8Array(1), 2 ** 32)).toThrow(TypeError);
    expect(() => addon.crc32(new Uint8Array(1), 0, "sse9" as never)).toThrow(RangeError);
    expect(() => addon.crc32Combine(1, 2, -1)).toThrow(TypeError);
  });

  it("continues a CRC through checked file reads, blocking and async", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nnbench-crc-read-"));
    const data = random(13, (3 << 20) + 17); // pieces larger and smaller than a read's CRC step
    writeFileSync(join(dir, "data.bin"), data);
    const fd = openSync(join(dir, "data.bin"), "r");
    const storage = new addon.Storage(data.length, false);
    try {
      for (const cuts of [[data.length], [1, 4096, 1 << 20, (2 << 20) + 3, data.length]]) {
        let sync = 0;
        let async = 0;
        let from = 0;
        for (const to of cuts) {
          const read = addon.readIntoChecked(fd, from, storage, from, to - from, sync);
          expect(read.bytes).toBe(to - from);
          sync = read.crc32;
          async = (await addon.readIntoCheckedAsync(fd, from, storage, from, to - from, async)).crc32;
          from = to;
        }
        expect(sync).toBe(zlibCrc32(data));
        expect(async).toBe(sync);
      }
      // Without a CRC to continue, a read starts one.
      expect(addon.readIntoChecked(fd, 5, storage, 0, 100).crc32).toBe(zlibCrc32(data.subarray(5, 105)));
      expect(() => addon.readIntoChecked(fd, 0, storage, 0, 1, 2 ** 32)).toThrow(TypeError);
      expect(() => addon.readIntoCheckedAsync(fd, 0, storage, 0, 1, -1)).toThrow(TypeError);
    } finally {
      storage.dispose();
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
