import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readResults, writeResult } from "../../src/reporter/index.js";
import { sampleResult } from "./sample.js";

const tsx = createRequire(import.meta.url).resolve("tsx");
const hooks = new URL("./fixtures/without-packages.mjs", import.meta.url).href;
const reporter = new URL("../../src/reporter/index.ts", import.meta.url).href;
const sample = new URL("./sample.ts", import.meta.url).href;

/** Writes the sample result to `target` in a process where `missing` packages are not installed. */
function writeWithout(missing: string[], target: string): { name: string; code: string; packageName: string; message: string } | "written" {
  const script = `
    const { writeResult } = await import(${JSON.stringify(reporter)});
    const { sampleResult } = await import(${JSON.stringify(sample)});
    try {
      await writeResult(sampleResult(), ${JSON.stringify(target)});
      console.log(JSON.stringify("written"));
    } catch (e) {
      console.log(JSON.stringify({ name: e.name, code: e.code, packageName: e.packageName, message: e.message }));
    }`;
  const out = execFileSync(process.execPath, ["--import", tsx, "--import", hooks, "--input-type=module", "-e", script], {
    env: { ...process.env, NNBENCH_TEST_MISSING: missing.join(",") },
    encoding: "utf8",
  });
  return JSON.parse(out.trim().split("\n").at(-1)!) as ReturnType<typeof writeWithout>;
}

describe("optional format packages", () => {
  const dir = mkdtempSync(join(tmpdir(), "nnbench-optional-"));

  it("writing Parquet without hyparquet-writer says which package to install", () => {
    const error = writeWithout(["hyparquet-writer"], join(dir, "r.parquet"));
    expect(error).toMatchObject({ name: "MissingDependencyError", code: "ERR_MISSING_DEPENDENCY", packageName: "hyparquet-writer" });
    expect((error as { message: string }).message).toContain("npm install hyparquet-writer");
  });

  it("SQLite results without better-sqlite3 say which package to install", () => {
    const error = writeWithout(["better-sqlite3"], `sqlite://${join(dir, "r.db")}`);
    expect(error).toMatchObject({ name: "MissingDependencyError", code: "ERR_MISSING_DEPENDENCY", packageName: "better-sqlite3" });
  });

  it("other formats work without the optional packages", async () => {
    expect(writeWithout(["hyparquet", "hyparquet-writer", "better-sqlite3"], join(dir, "r.yaml"))).toBe("written");
    expect(await readResults(join(dir, "r.yaml"))).toEqual([sampleResult()]);
    // With the package installed, the same write works.
    await writeResult(sampleResult(), join(dir, "ok.parquet"));
    expect(await readResults(join(dir, "ok.parquet"))).toHaveLength(1);
  });
});
