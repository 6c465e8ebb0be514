import { describe, expect, it } from "vitest";

import { parseByteSize } from "../../src/text/byte-size.js";

describe("parseByteSize", () => {
  it("reads IEC and SI units, with or without a space, and plain byte counts", () => {
    expect(parseByteSize("512MiB", "limit")).toBe(512 * 1024 * 1024);
    expect(parseByteSize(" 2 GiB ", "limit")).toBe(2 * 1024 ** 3);
    expect(parseByteSize("500MB", "limit")).toBe(500 * 1000 * 1000);
    expect(parseByteSize("1.5KiB", "limit")).toBe(1536);
    expect(parseByteSize(4096, "limit")).toBe(4096);
  });

  it("refuses what is not a positive size, naming what it was for", () => {
    for (const bad of ["", "lots", "-1MiB", "0", 0, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => parseByteSize(bad, "memoryLimit")).toThrow(RangeError);
      expect(() => parseByteSize(bad, "memoryLimit")).toThrow(/^memoryLimit must be a positive number of bytes/);
    }
  });
});
