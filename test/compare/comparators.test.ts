import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { AbsDiffLessEqual, GreaterEqual, LessEqual, loadComparisonFile } from "../../src/compare/comparators.js";
import { ComparisonError } from "../../src/errors.js";

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), "nnbench-compare-"));
}

describe("comparators", () => {
  it("compare the later value x with the baseline y", () => {
    expect(new GreaterEqual().compare(0.9, 0.8)).toBe(true);
    expect(new GreaterEqual().compare(0.7, 0.8)).toBe(false);
    expect(new LessEqual().compare(0.7, 0.8)).toBe(true);
    expect(new AbsDiffLessEqual({ thresh: 0.1 }).compare(0.75, 0.8)).toBe(true);
    expect(new AbsDiffLessEqual(0.01).compare(0.75, 0.8)).toBe(false);
    // Missing or non-numeric values never compare favourably.
    expect(new GreaterEqual().compare(undefined, 1)).toBe(false);
    expect(new LessEqual().compare("a", "b")).toBe(false);
    expect(() => new AbsDiffLessEqual({})).toThrow(ComparisonError);
  });
});

describe("comparison files", () => {
  it("load built-in and user comparators", async () => {
    const dir = tmp();
    writeFileSync(
      path.join(dir, "within.mjs"),
      `export class WithinPercent {
        constructor({ percent }) { this.percent = percent; }
        compare(x, y) { return Math.abs(x - y) <= Math.abs(y) * this.percent / 100; }
        toString() { return "within " + this.percent + "%"; }
      }`,
    );
    const file = path.join(dir, "cmp.json");
    writeFileSync(
      file,
      JSON.stringify({
        accuracy: { class: "GreaterEqual", kwargs: {} },
        latency: { class: "AbsDiffLessEqual", kwargs: { thresh: 0.5 } },
        throughput: { class: "./within.mjs:WithinPercent", kwargs: { percent: 10 } },
      }),
    );
    const cmp = await loadComparisonFile(file);
    expect(Object.keys(cmp)).toEqual(["accuracy", "latency", "throughput"]);
    expect(cmp.throughput!.compare(105, 100)).toBe(true);
    expect(cmp.throughput!.compare(120, 100)).toBe(false);
    expect(String(cmp.latency)).toBe("|x − y| ≤ 0.5");
  });

  it("report bad files clearly", async () => {
    const dir = tmp();
    const cases: [string, string, RegExp][] = [
      ["a.json", "{", /not valid JSON/],
      ["b.json", "[]", /must hold an object/],
      ["c.json", JSON.stringify({ x: { class: "Bigger" } }), /unknown comparator class "Bigger"; built in: GreaterEqual, LessEqual, AbsDiffLessEqual/],
      ["d.json", JSON.stringify({ x: { class: "./nope.mjs:X" } }), /cannot import \.\/nope\.mjs/],
      ["e.json", JSON.stringify({ x: { class: "AbsDiffLessEqual", kwargs: { thresh: "big" } } }), /AbsDiffLessEqual needs a threshold/],
    ];
    for (const [name, content, message] of cases) {
      writeFileSync(path.join(dir, name), content);
      await expect(loadComparisonFile(path.join(dir, name)), name).rejects.toThrow(message);
    }
    await expect(loadComparisonFile(path.join(dir, "missing.json"))).rejects.toThrow(ComparisonError);
  });
});
