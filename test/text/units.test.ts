import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration, formatValue } from "../../src/reporter/index.js";
import { parseCsv, csvLine } from "../../src/reporter/csv.js";

describe("formatDuration", () => {
  it.each([
    [0, "0 ns"],
    [950, "950 ns"],
    [999.4, "999 ns"],
    [999.6, "1.00 µs"],
    [1234, "1.23 µs"],
    [45_600_000, "45.6 ms"],
    [999_999, "1.00 ms"],
    [2e9, "2.00 s"],
    [125e9, "125 s"],
    [-1500, "-1.50 µs"],
    [Number.NaN, "-"],
  ])("%s ns is %s", (ns, text) => expect(formatDuration(ns)).toBe(text));
});

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [512, "512 B"],
    [1536, "1.50 KiB"],
    [256 * 1024 * 1024, "256 MiB"],
    [1024 ** 3, "1.00 GiB"],
    [1023.9 * 1024 * 1024, "1.00 GiB"],
    [-10 * 1024 * 1024, "-10.0 MiB"],
  ])("%s bytes is %s", (n, text) => expect(formatBytes(n)).toBe(text));
});

describe("formatValue", () => {
  it("shows numbers compactly and other values as JSON", () => {
    expect(formatValue(20)).toBe("20");
    expect(formatValue(33.77676773071289)).toBe("33.7768");
    expect(formatValue("text")).toBe("text");
    expect(formatValue({ a: [1] })).toBe('{"a":[1]}');
    expect(formatValue(undefined)).toBe("");
  });
});

describe("CSV", () => {
  it("parses what it writes, whatever the field holds", () => {
    const rows = [
      ["plain", "with,comma", 'with "quote"', "multi\nline\r\nbreaks", "", " padded "],
      ["ünïcode", "µs", "", "", "x", "y"],
    ];
    expect(parseCsv(rows.map(csvLine).join(""))).toEqual(rows);
  });
});
