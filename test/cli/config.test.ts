import { mkdirSync, mkdtempSync, copyFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig, validateConfig } from "../../src/cli/config.js";
import { readResults } from "../../src/reporter/index.js";
import { DATA, ensureBuilt, nnbench, ROOT } from "./helpers.js";

beforeAll(ensureBuilt, 300_000);

/** A project directory with nnbench installed (linked) and a benchmarks/ folder. */
function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "nnbench-cli-config-"));
  mkdirSync(path.join(dir, "node_modules"));
  symlinkSync(ROOT, path.join(dir, "node_modules", "nnbench"), "dir");
  mkdirSync(path.join(dir, "benchmarks"));
  copyFileSync(path.join(DATA, "basic/models.ts"), path.join(dir, "benchmarks/models.ts"));
  copyFileSync(path.join(DATA, "basic/conf.ts"), path.join(dir, "benchmarks/conf.ts"));
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "my-models", type: "module" }));
  writeFileSync(
    path.join(dir, "context.mjs"),
    "export function team(name) { return { team: { name, size: 3 } }; }\nexport const broken = () => 42;\n",
  );
  return dir;
}

describe("configuration", () => {
  it("reads the nnbench key of package.json: output, context and providers", async () => {
    const dir = project();
    writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({
        name: "my-models",
        type: "module",
        nnbench: {
          output: "results/latest.json",
          providers: [{ name: "team", module: "./context.mjs", export: "team", args: ["vision"] }],
          context: ["team", "stage=nightly"],
          logLevel: "info",
        },
      }),
    );
    const sub = path.join(dir, "benchmarks");
    // Run from a subdirectory: the nearest configuration above is used.
    const r = await nnbench(["run", ".", "-t", "fast", "--context", "system"], { cwd: sub });
    expect(r.stderr).toMatch(/wrote 1 benchmark records of run "nnbench-.*" to results\/latest\.json/);
    expect(r.code).toBe(0);
    const [res] = await readResults(path.join(sub, "results/latest.json"));
    expect(res!.context).toEqual({ team: { name: "vision", size: 3 }, stage: "nightly", system: expect.any(String) });
    expect(res!.benchmarks.map((b) => [b.name, b.value])).toEqual([["product", 20]]);
  });

  it("reads nnbench.config.json, and -o wins over its output", async () => {
    const dir = project();
    writeFileSync(path.join(dir, "nnbench.config.json"), JSON.stringify({ output: "never.json", repeat: 2 }));
    const r = await nnbench(["run", "-t", "fast", "-o", "chosen.csv"], { cwd: dir });
    expect(r.code).toBe(0);
    const [res] = await readResults(path.join(dir, "chosen.csv"));
    expect(res!.benchmarks[0]!.samples_ns).toHaveLength(2);
  });

  it("reads nnbench.config.ts", async () => {
    const dir = project();
    writeFileSync(path.join(dir, "nnbench.config.ts"), 'const config: { context: string[] } = { context: ["lang=ts"] };\nexport default config;\n');
    const r = await nnbench(["run", "-t", "fast", "-o", "r.json"], { cwd: dir });
    expect(r.code).toBe(0);
    const [res] = await readResults(path.join(dir, "r.json"));
    expect(res!.context).toEqual({ lang: "ts" });
  });

  it("rejects invalid configuration with one clear line", async () => {
    const dir = project();
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ nnbench: { outptu: "x.json" } }));
    const r = await nnbench(["run"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^nnbench: error: .*package\.json "nnbench": unknown key "outptu"; known keys: logLevel, output/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    const bad = project();
    writeFileSync(
      path.join(bad, "nnbench.config.json"),
      JSON.stringify({ providers: [{ name: "b", module: "./context.mjs", export: "broken" }], context: ["b"] }),
    );
    const r2 = await nnbench(["run"], { cwd: bad });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/context provider "b" did not return an object/);
    const r3 = await nnbench(["run", "--context", "nosuch"], { cwd: bad });
    expect(r3.stderr).toMatch(/unknown context provider "nosuch"; known: system, cpuarch/);
  });

  it("validates values and finds nothing outside a project", async () => {
    expect(() => validateConfig({ jobs: 0 }, "x")).toThrow(/"jobs" must be an integer >= 1/);
    expect(() => validateConfig({ providers: [{ name: "a b", module: "m" }] }, "x")).toThrow(/name must be a word/);
    const empty = await loadConfig(mkdtempSync(path.join(tmpdir(), "nnbench-noconfig-")));
    expect(empty.config).toEqual({});
  });
});
