/**
 * The `.npy` header rules of NumPy's own reader (numpy.lib.format.read_array_header_1_0 and np.load),
 * one test per rule: each file here is one NumPy refuses (checked with NumPy 2.4), written byte by
 * byte, and nnbench must refuse it with NpyFormatError. A few NumPy accepts must still load.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NpyFormatError, loadNpy, loadNpySync } from "../../../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "nnbench-npy-header-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A `.npy` file with this header text, padded as NumPy pads it, and 12 data bytes. */
function npy(header: string, version: 1 | 2 | 3 = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  let text = header + " ";
  const encoded = (s: string) => (version === 3 ? new TextEncoder().encode(s) : Uint8Array.from(s, (c) => c.charCodeAt(0)));
  text += " ".repeat((((-(prefix + encoded(text).length + 1)) % 64) + 64) % 64) + "\n";
  const body = encoded(text);
  const out = new Uint8Array(prefix + body.length + 12);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, body.length, true);
  else view.setUint32(8, body.length, true);
  out.set(body, prefix);
  return out;
}

let count = 0;
function file(bytes: Uint8Array): string {
  const path = join(dir, `case-${count++}.npy`);
  writeFileSync(path, bytes);
  return path;
}

async function expectRefused(bytes: Uint8Array, message: RegExp): Promise<void> {
  const path = file(bytes);
  expect(() => loadNpySync(path)).toThrow(NpyFormatError);
  expect(() => loadNpySync(path)).toThrow(message);
  await expect(loadNpy(path, { mmap: true })).rejects.toBeInstanceOf(NpyFormatError);
}

const d = "'descr': '<f4', ";
const f = "'fortran_order': False, ";
const s = "'shape': (3,), ";

describe(".npy headers NumPy refuses", () => {
  describe("the dict has exactly the keys descr, fortran_order and shape", () => {
    it("refuses a missing key", () => expectRefused(npy(`{${d}${f}}`), /exactly the keys/));
    it("refuses an extra key", () => expectRefused(npy(`{${d}${f}${s}'extra': 1, }`), /exactly the keys.*'extra'/));
    it("refuses a misspelled key", () => expectRefused(npy(`{${d}${f}'shapes': (3,), }`), /exactly the keys/));
    it("refuses a key that is not a string", () => expectRefused(npy(`{${d}${f}${s}1: 2}`), /key that is not a string/));
    it("refuses an empty dict", () => expectRefused(npy("{}"), /exactly the keys/));
    it("refuses a header that is not a dict", () => expectRefused(npy("['<f4', False, (3,)]"), /not a valid Python literal dict/));
  });

  describe("shape is a tuple of integers", () => {
    it("refuses a list", () => expectRefused(npy(`{${d}${f}'shape': [3], }`), /'shape' must be a tuple.*list/));
    it("refuses a bare integer", () => expectRefused(npy(`{${d}${f}'shape': 3, }`), /'shape' must be a tuple/));
    it("refuses a parenthesized integer, which Python reads as the integer", () => expectRefused(npy(`{${d}${f}'shape': (3), }`), /'shape' must be a tuple/));
    it("refuses a float dimension", () => expectRefused(npy(`{${d}${f}'shape': (3.0,), }`), /integers/));
    it("refuses a string dimension", () => expectRefused(npy(`{${d}${f}'shape': ('3',), }`), /'shape' must be a tuple of integers/));
    it("refuses a nested tuple", () => expectRefused(npy(`{${d}${f}'shape': ((3,),), }`), /'shape' must be a tuple of integers/));
    it("refuses None", () => expectRefused(npy(`{${d}${f}'shape': None, }`), /'shape' must be a tuple.*None/));
    // NumPy's header reader lets these two through; np.load then refuses the file.
    it("refuses a negative dimension", () => expectRefused(npy(`{${d}${f}'shape': (-3,), }`), /negative dimension/));
    it("refuses more than 64 dimensions", () => expectRefused(npy(`{${d}${f}'shape': (${"1, ".repeat(64)}3), }`), /65 dimensions/));
  });

  describe("fortran_order is a bool", () => {
    it("refuses an integer", () => expectRefused(npy(`{${d}'fortran_order': 0, ${s}}`), /'fortran_order' must be True or False/));
    it("refuses a string", () => expectRefused(npy(`{${d}'fortran_order': 'False', ${s}}`), /'fortran_order' must be True or False/));
    it("refuses None", () => expectRefused(npy(`{${d}'fortran_order': None, ${s}}`), /'fortran_order' must be True or False/));
  });

  describe("descr is a valid dtype", () => {
    it("refuses an unknown type code", () => expectRefused(npy(`{'descr': 'f9', ${f}${s}}`), /dtype 'f9'/));
    it("refuses trailing text in the type string", () => expectRefused(npy(`{'descr': '<f4 ', ${f}${s}}`), /dtype '<f4 '/));
    it("refuses an integer", () => expectRefused(npy(`{'descr': 4, ${f}${s}}`), /'descr' must be a dtype string/));
    it("refuses None", () => expectRefused(npy(`{'descr': None, ${f}${s}}`), /'descr' must be a dtype string/));
  });

  describe("the header is a Python literal, as ast.literal_eval reads it", () => {
    it("refuses an integer with a leading zero", () => expectRefused(npy(`{${d}${f}'shape': (03,), }`), /leading zero/));
    it("refuses a non-breaking space, which Python does not take as whitespace", () => expectRefused(npy(`{${d}${f}'shape':\xa0(3,), }`), /not a Python literal/));
    it("refuses a function call", () => expectRefused(npy(`{${d}${f}'shape': tuple([3]), }`), /not a Python literal/));
    it("refuses a Python 2 long integer in a version 3.0 header", () => expectRefused(npy(`{${d}${f}'shape': (3L,), }`, 3), /expected ','/));
    it("refuses a header longer than 10 000 characters", () => expectRefused(npy(`{${d}${f}${s}}${" ".repeat(10_100)}`), /NumPy refuses more than 10000/));
  });
});

describe(".npy headers NumPy accepts", () => {
  it.each([
    ["a one-element tuple", `{${d}${f}'shape': (3,), }`, [3]],
    ["a tuple without a trailing comma", `{${d}${f}'shape': (1, 3), }`, [1, 3]],
    ["the empty tuple of a scalar", `{${d}${f}'shape': (), }`, []],
    ["keys in another order and double quotes", `{"shape": (3,), "fortran_order": False, "descr": "<f4"}`, [3]],
    ["a Python 2 long integer in a version 1.0 header", `{${d}${f}'shape': (3L,), }`, [3]],
  ])("loads %s", (_name, header, shape) => {
    using t = loadNpySync(file(npy(header)));
    expect(t.shape).toEqual(shape);
  });
});
