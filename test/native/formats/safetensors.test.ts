import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import {
  DTYPES,
  Model,
  SafetensorsFormatError,
  Tensor,
  loadSafetensors,
  loadSafetensorsSync,
  nativeMemory,
  safetensorsInfoSync,
  saveSafetensors,
  saveSafetensorsSync,
} from "../../../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "nnbench-safetensors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file built by hand as the format specifies: u64 header length, JSON header, data. */
function build(header: unknown, data: Uint8Array, pad = 0): Uint8Array {
  const text = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header) + " ".repeat(pad));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

function write(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

function disposeAll(tensors: Record<string, Tensor>): void {
  for (const t of Object.values(tensors)) t.dispose();
}

const bytesOf = (t: Tensor): number[] => [...new Uint8Array(t.data().buffer, 0, t.byteLength)];

describe("safetensors", () => {
  it("reads a file laid out by hand, in any header order, with padding", () => {
    const f32 = new Float32Array([1, 2, 3, 4, 5, 6]);
    const bf16 = new Uint16Array([0x3f80, 0xc000]);
    const data = new Uint8Array(24 + 4 + 1);
    data.set(new Uint8Array(f32.buffer), 0);
    data.set(new Uint8Array(bf16.buffer), 24);
    data[28] = 1;
    const path = write(
      "hand.safetensors",
      build(
        {
          flag: { dtype: "BOOL", shape: [], data_offsets: [28, 29] },
          w: { dtype: "F32", shape: [2, 3], data_offsets: [0, 24] },
          __metadata__: { format: "pt" },
          empty: { dtype: "I64", shape: [0, 4], data_offsets: [28, 28] },
          b: { dtype: "BF16", shape: [2], data_offsets: [24, 28] },
        },
        data,
        5,
      ),
    );
    const info = safetensorsInfoSync(path);
    expect(info.metadata).toEqual({ format: "pt" });
    expect(info.tensors).toEqual({
      w: { dtype: "float32", shape: [2, 3] },
      b: { dtype: "bfloat16", shape: [2] },
      empty: { dtype: "int64", shape: [0, 4] },
      flag: { dtype: "bool", shape: [] },
    });
    const before = nativeMemory().bytes;
    const loaded = loadSafetensorsSync(path);
    expect([...loaded.w!.data()]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(loaded.w!.shape).toEqual([2, 3]);
    expect([...loaded.b!.data()]).toEqual([0x3f80, 0xc000]);
    expect(loaded.b!.sum()).toBe(-1);
    expect(loaded.empty!.shape).toEqual([0, 4]);
    expect([...loaded.flag!.data()]).toEqual([1]);
    disposeAll(loaded);
    expect(nativeMemory().bytes).toBe(before);
  });

  it("round-trips every dtype, sync and async, read or mapped, whole or by keys", async () => {
    const tensors: Record<string, Tensor> = {};
    for (const [i, dtype] of DTYPES.entries()) {
      const t = Tensor.zeros([i + 1, 3], dtype);
      const raw = new Uint8Array(t.data().buffer, 0, t.byteLength);
      for (let j = 0; j < raw.length; j++) raw[j] = (j * 7 + i) & (dtype === "bool" ? 1 : 0xff);
      tensors[`t_${dtype}`] = t;
    }
    const path = join(dir, "all.safetensors");
    saveSafetensorsSync(path, tensors, { metadata: { source: "test", "ключ": "значение" } });
    const asyncPath = join(dir, "all-async.safetensors");
    await saveSafetensors(asyncPath, tensors, { metadata: { source: "test", "ключ": "значение" } });
    expect(readFileSync(asyncPath)).toEqual(readFileSync(path));
    // Data starts 8-byte aligned and each tensor at a multiple of its element size.
    const length = Number(new DataView(readFileSync(path).buffer).getBigUint64(0, true));
    expect((8 + length) % 8).toBe(0);
    expect(safetensorsInfoSync(path).metadata).toEqual({ source: "test", "ключ": "значение" });
    for (const load of [
      () => loadSafetensorsSync(path),
      () => loadSafetensorsSync(path, { mmap: true }),
      () => loadSafetensors(path),
      () => loadSafetensors(path, { mmap: true }),
    ]) {
      const loaded = await load();
      expect(Object.keys(loaded).sort()).toEqual(Object.keys(tensors).sort());
      for (const [name, t] of Object.entries(tensors)) {
        expect(loaded[name]!.dtype).toBe(t.dtype);
        expect(loaded[name]!.shape).toEqual(t.shape);
        expect(bytesOf(loaded[name]!)).toEqual(bytesOf(t));
      }
      disposeAll(loaded);
    }
    const before = nativeMemory().bytes;
    const some = loadSafetensorsSync(path, { keys: ["t_bfloat16", "t_int8"] });
    expect(Object.keys(some).sort()).toEqual(["t_bfloat16", "t_int8"]);
    expect(nativeMemory().bytes - before).toBe(tensors.t_bfloat16!.byteLength + tensors.t_int8!.byteLength);
    disposeAll(some);
    expect(() => loadSafetensorsSync(path, { keys: ["nope"] })).toThrow(/no tensor 'nope'/);
    disposeAll(tensors);
  });

  it("Model.load takes the only tensor, or a key", () => {
    using w = Tensor.fromArray(new Float32Array([1, 2, 3, 4]), [2, 2]);
    using b = Tensor.fromArray(new Float32Array([1, 1]), [2]);
    const one = join(dir, "one.safetensors");
    saveSafetensorsSync(one, { weight: w });
    using m = Model.load(one);
    expect([...m.weights.data()]).toEqual([1, 2, 3, 4]);
    const two = join(dir, "two.safetensors");
    saveSafetensorsSync(two, { weight: w, bias: b });
    expect(() => Model.load(two)).toThrow(SafetensorsFormatError);
    using m2 = Model.load(two, { key: "weight" });
    expect(m2.weights.shape).toEqual([2, 2]);
  });

  const f32x2 = new Uint8Array(new Float32Array([1, 2]).buffer);
  const malformed: [string, Uint8Array, RegExp][] = [
    ["too short", new Uint8Array(5), /cannot hold the 8-byte header length/],
    ["header past the end", (() => { const b = build({}, new Uint8Array()); new DataView(b.buffer).setBigUint64(0, 1000n, true); return b; })(), /runs past the end/],
    ["header length 2^63", (() => { const b = build({}, new Uint8Array()); new DataView(b.buffer).setBigUint64(0, 1n << 63n, true); return b; })(), /runs past the end/],
    ["not JSON", build("{nope", new Uint8Array()), /not UTF-8 JSON/],
    ["not an object", build("[1, 2]", new Uint8Array()), /does not start with '\{'/],
    ["leading space", build(" {}", new Uint8Array()), /does not start with '\{'/],
    ["invalid UTF-8", (() => { const b = build('{"a\u00ff": 1}', new Uint8Array()); b[11] = 0xff; b[12] = 0xfe; return b; })(), /not UTF-8 JSON/],
    ["unknown dtype", build({ a: { dtype: "F8_E4M3", shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2)), /"F8_E4M3" is not supported/],
    ["negative dim", build({ a: { dtype: "F32", shape: [-2], data_offsets: [0, 8] } }, f32x2), /shape\[0\] must be a non-negative integer/],
    ["fractional dim", build({ a: { dtype: "F32", shape: [1.5], data_offsets: [0, 8] } }, f32x2), /shape\[0\]/],
    ["length disagrees", build({ a: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, f32x2), /takes 12 bytes, but data_offsets \[0, 8\] span 8/],
    ["offsets reversed", build({ a: { dtype: "F32", shape: [0], data_offsets: [8, 0] } }, f32x2), /end before they begin/],
    ["gap", build({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, f32x2), /leaves a gap/],
    ["overlap", build({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, f32x2), /overlaps/],
    ["trailing bytes", build({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, f32x2), /cover 4 data bytes, but the file holds 8/],
    ["past the end", build({ a: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }, f32x2), /cover 16 data bytes, but the file holds 8/],
    ["huge shape", build({ a: { dtype: "F64", shape: [2 ** 40, 2 ** 20], data_offsets: [0, 8] } }, f32x2), /too many/],
    ["extra field", build({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8], extra: 1 } }, f32x2), /exactly dtype, shape and data_offsets/],
    ["metadata not strings", build({ __metadata__: { n: 1 } }, new Uint8Array()), /__metadata__\['n'\] must be a string/],
    ["entry not an object", build({ a: [1, 2] }, new Uint8Array()), /not described by an object/],
  ];
  for (const [name, bytes, message] of malformed) {
    it(`refuses a file with ${name}, allocating nothing`, async () => {
      const path = write(`bad-${name.replace(/\W/g, "_")}.safetensors`, bytes);
      const before = nativeMemory();
      for (const load of [() => loadSafetensorsSync(path), () => loadSafetensors(path, { mmap: true }), () => safetensorsInfoSync(path)]) {
        let caught: unknown;
        try {
          await load();
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(SafetensorsFormatError);
        expect((caught as SafetensorsFormatError).code).toBe("ERR_SAFETENSORS_FORMAT");
        expect((caught as Error).message).toMatch(message);
      }
      expect(nativeMemory().tensors).toBe(before.tensors);
      expect(nativeMemory().bytes).toBe(before.bytes);
    });
  }

  it("refuses to save under the metadata key or with a disposed tensor", () => {
    const t = Tensor.zeros([2]);
    expect(() => saveSafetensorsSync(join(dir, "x.safetensors"), { __metadata__: t })).toThrow(TypeError);
    t.dispose();
    expect(() => saveSafetensorsSync(join(dir, "x.safetensors"), { t })).toThrow(/disposed/);
  });
});
