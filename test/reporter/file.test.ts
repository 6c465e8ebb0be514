import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ResultFormatError, UnsupportedTargetError } from "../../src/errors.js";
import { FileReporter, getReporter, readResults, writeResult } from "../../src/reporter/index.js";
import type { BenchmarkResult } from "../../src/types.js";
import { sampleResult } from "./sample.js";
import { FIXTURES } from "../helpers/fixtures.js";

const PY = path.join(FIXTURES, "nnbench-py");
const FORMATS = ["json", "ndjson", "yaml", "csv", "parquet"];

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), "nnbench-file-"));
}

describe("file reporters", () => {
  for (const ext of FORMATS) {
    for (const gz of [false, true]) {
      const file = `results.${ext}${gz ? ".gz" : ""}`;
      it(`round-trips every field through ${file}`, async () => {
        const target = path.join(tmp(), "nested", file);
        const result = sampleResult();
        (result.benchmarks[2] as unknown as Record<string, unknown>).custom_field = { kept: [1, 2] };
        (result.benchmarks[0]!.memory as unknown as Record<string, unknown>).mapped_bytes = 4096;
        await writeResult(result, target);
        if (gz) expect(gunzipSync(readFileSync(target)).length).toBeGreaterThan(0);
        const back = await readResults(target);
        expect(back).toEqual([result]);
      });
    }
    it(`keeps partial runs and runs without benchmarks in .${ext}`, async () => {
      const target = path.join(tmp(), `empty.${ext}`);
      const result: BenchmarkResult = { run: "r", context: { a: 1 }, benchmarks: [], timestamp: 17, partial: true };
      await writeResult(result, target);
      expect(await readResults(target)).toEqual([result]);
    });
  }

  it("writes Python nnbench's JSON shape", async () => {
    const target = path.join(tmp(), "r.json");
    const result = sampleResult();
    await writeResult(result, target);
    const doc = JSON.parse(readFileSync(target, "utf8")) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(["run", "context", "benchmarks", "timestamp"]);
    expect((doc.benchmarks as unknown[])[1]).toMatchObject({ name: "crashes", error_occurred: true, error_kind: "crash" });
  });

  it("writes NDJSON rows with context and benchmark as JSON text", async () => {
    const target = path.join(tmp(), "r.ndjson");
    await writeResult(sampleResult(), target);
    const lines = readFileSync(target, "utf8").trim().split("\n");
    expect(lines).toHaveLength(5);
    const row = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(row).sort()).toEqual(["benchmark", "context", "run", "timestamp"]);
    expect(typeof row.benchmark).toBe("string");
    expect(JSON.parse(row.context as string)).toEqual(sampleResult().context);
  });

  for (const ext of ["json", "ndjson", "yaml"]) {
    it(`reads Python nnbench 0.5 run-a.${ext}`, async () => {
      const [a, more] = await readResults(`${PY}/run-a.${ext}`);
      expect(more).toBeUndefined();
      expect(a!.run).toBe("py-run-a");
      expect(a!.context).toEqual({ host: "ci-a" });
      expect(a!.timestamp).toBe(1795779600);
      expect(a!.benchmarks.map((b) => b.name)).toEqual([
        "product",
        "power",
        "matmul_sum_n=16",
        "matmul_sum_n=64",
        "matmul_sum_n=128",
        "fails",
      ]);
      expect(a!.benchmarks[0]).toMatchObject({ value: 20, parameters: { a: 2, b: 10 }, description: "Multiplies two integers." });
      const fails = a!.benchmarks[5]!;
      expect(fails.error_occurred).toBe(true);
      expect(fails.error_message).toBe("this benchmark always fails");
      expect("value" in fails).toBe(false);
    });
  }

  it("re-writes a Python result in every format without loss", async () => {
    const [py] = await readResults(`${PY}/run-b.json`);
    for (const ext of FORMATS) {
      const target = path.join(tmp(), `py.${ext}.gz`);
      await writeResult(py!, target);
      expect(await readResults(target)).toEqual([py]);
    }
  });

  it("reads several runs from one NDJSON file", async () => {
    const dir = tmp();
    const a = readFileSync(`${PY}/run-a.ndjson`, "utf8");
    const b = readFileSync(`${PY}/run-b.ndjson`, "utf8");
    // Python writes no newline after the last record.
    writeFileSync(path.join(dir, "both.ndjson"), `${a.trimEnd()}\n${b}`);
    const runs = await readResults(path.join(dir, "both.ndjson"));
    expect(runs.map((r) => r.run)).toEqual(["py-run-a", "py-run-b"]);
  });

  it("rejects unknown targets with the supported forms", () => {
    expect(() => getReporter("results.xlsx")).toThrow(UnsupportedTargetError);
    expect(() => getReporter("results.xlsx")).toThrow(/\.json.*\.parquet\.gz.*sqlite:\/\//s);
    expect(() => getReporter("mysql://db/x")).toThrow(/unknown scheme/);
  });

  it("reports malformed files with a typed error naming the file", async () => {
    const dir = tmp();
    const cases: [string, string | Uint8Array, RegExp][] = [
      ["bad.json", "{ not json", /bad\.json: document: invalid JSON/],
      ["nobench.json", JSON.stringify({ run: "x", context: {}, benchmarks: [{ value: 1 }] }), /benchmarks\[0\]\.name/],
      ["bad.ndjson", '{"run": "x", "context": "{}", "timestamp": 1, "benchmark": "{oops"}\n', /line 1\.benchmark: invalid JSON/],
      ["bad.csv", "run,name\nx,\"unterminated\n", /invalid CSV/],
      ["nocol.csv", "a,b\n1,2\n", /lacks the column "run"/],
      ["bad.parquet", "PAR1 not really", /invalid Parquet/],
      ["bad.json.gz", "plain text", /not a valid gzip/],
      ["bad.yaml", "- run: [unclosed", /invalid YAML/],
    ];
    for (const [name, content, message] of cases) {
      writeFileSync(path.join(dir, name), content);
      const err = await readResults(path.join(dir, name)).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(ResultFormatError);
      expect((err as Error).message, name).toMatch(message);
    }
    await expect(readResults(path.join(dir, "missing.json"))).rejects.toThrow(/no such file/);
  });

  it("honours an explicit format regardless of extension", async () => {
    const target = path.join(tmp(), "results.txt");
    const r = new FileReporter("ndjson");
    await r.write(sampleResult(), target);
    expect(await r.read(target)).toEqual([sampleResult()]);
  });
});
