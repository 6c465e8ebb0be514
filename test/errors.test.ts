/**
 * One error hierarchy: every error class nnbench exports extends NnbenchError with its own stable code,
 * and a malformed NumPy file's error says which part is wrong and names the file.
 */
import { describe, expect, it } from "vitest";
import * as nnbench from "nnbench";
import { loadNpySync, loadNpzSync, NnbenchError, NpyFormatError, NpyHeaderError, ZipFormatError } from "nnbench";
import { fixture } from "./helpers/fixtures.js";
import { thrown } from "./helpers/thrown.js";

/** Builds an instance of an exported error class with placeholder arguments (a list where one is expected). */
function instantiate(cls: new (...args: never[]) => Error): Error {
  const make = cls as unknown as new (...args: unknown[]) => Error;
  return new make("x", ["y"], "z");
}

describe("the error hierarchy", () => {
  type ErrorClass = new (...args: never[]) => Error;
  const classes = (Object.entries(nnbench) as [string, unknown][]).filter(
    (e): e is [string, ErrorClass] => typeof e[1] === "function" && e[1].prototype instanceof Error && e[1] !== NnbenchError,
  );

  it("exports its error classes, each a NnbenchError with a code and its own name", () => {
    expect(classes.length).toBeGreaterThanOrEqual(20);
    for (const [name, cls] of classes) {
      const err = instantiate(cls);
      expect(err, name).toBeInstanceOf(NnbenchError);
      expect((err as NnbenchError).code, name).toMatch(/^ERR_[A-Z_]+$/);
      expect(err.name, name).toBe(name);
    }
  });

  it("gives each kind of error its own code, except the kinds of a malformed NumPy file", () => {
    const byCode = new Map<string, string[]>();
    for (const [name, cls] of classes) {
      const code = (instantiate(cls) as NnbenchError).code;
      byCode.set(code, [...(byCode.get(code) ?? []), name]);
    }
    const shared = [...byCode.values()].filter((names) => names.length > 1).map((names) => names.sort());
    expect(shared).toEqual([["NpyFormatError", "NpyHeaderError", "ZipFormatError"]]);
  });
});

describe("malformed NumPy files", () => {
  it("a bad .npy header is an NpyHeaderError naming the file", () => {
    const file = fixture("bad/npy_bad_magic.npy");
    const err = thrown(() => loadNpySync(file));
    expect(err).toBeInstanceOf(NpyHeaderError);
    expect(err).toBeInstanceOf(NpyFormatError);
    expect(err).not.toBeInstanceOf(ZipFormatError);
    expect((err as NpyFormatError).path).toBe(file);
    expect((err as Error).message).toBe(`${file}: not a .npy file (the magic string \\x93NUMPY is missing)`);
  });

  it("a broken archive is a ZipFormatError, not a kind of .npy header error", () => {
    for (const name of ["bad/npz_not_a_zip.npz", "bad/npz_truncated_central_directory.npz", "bad/npz_non_npy_member.npz"]) {
      const file = fixture(name);
      const err = thrown(() => loadNpzSync(file));
      expect(err, name).toBeInstanceOf(ZipFormatError);
      expect(err, name).not.toBeInstanceOf(NpyHeaderError);
      expect((err as NpyFormatError).path, name).toBe(file);
      expect((err as Error).message.startsWith(`${file}: `), name).toBe(true);
    }
  });
});
