/**
 * The layering of src/ (docs/architecture.md), checked on the source: each folder imports only from
 * the layers below it, and every error class lives in src/errors.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const SRC = path.resolve(__dirname, "../src");

/**
 * What each part of src/ may import from, besides itself. `errors` and `types` are src/errors.ts and
 * src/types.ts; `index` is the public entry point, src/index.ts.
 */
const ALLOWED: Record<string, readonly string[]> = {
  errors: [],
  types: [],
  text: ["types"],
  fs: ["errors", "types"],
  native: ["errors", "types", "fs"],
  define: ["errors", "types", "text"],
  stats: ["types"],
  run: ["errors", "types", "text", "define", "native", "stats"],
  reporter: ["errors", "types", "text", "fs", "stats", "compare"],
  compare: ["errors", "types", "text", "stats", "run"],
  cli: ["errors", "types", "text", "fs", "native", "define", "stats", "run", "reporter", "compare"],
  index: ["errors", "types", "native", "define", "run", "stats", "reporter", "compare"],
};

/** The framework: what src/text, src/fs and src/native must not depend on. */
const FRAMEWORK = ["define", "run", "stats", "compare", "reporter", "cli", "index"];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
  );
}

/** The part of src/ a file belongs to: its top folder, or its name for a top-level file. */
function partOf(file: string): string {
  const [first, second] = path.relative(SRC, file).split(path.sep);
  return second === undefined ? first!.replace(/\.ts$/, "") : first!;
}

/** Every module a file imports or re-exports by relative path, statically or dynamically. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)|(?:^|\n)\s*import\s*"([^"]+)"/g)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (spec.startsWith(".")) out.push(path.resolve(path.dirname(file), spec).replace(/\.js$/, ".ts"));
  }
  return out;
}

interface Edge {
  from: string;
  to: string;
  fromPart: string;
  toPart: string;
}

const edges: Edge[] = sourceFiles(SRC).flatMap((from) =>
  relativeImports(from).map((to) => ({ from: path.relative(SRC, from), to: path.relative(SRC, to), fromPart: partOf(from), toPart: partOf(to) })),
);

describe("the layers of src/", () => {
  it("reads the imports of every source file", () => {
    expect(edges.length).toBeGreaterThan(150);
    for (const e of edges) expect(e.to.startsWith(".."), `${e.from} imports ${e.to}, outside src/`).toBe(false);
    expect(new Set(sourceFiles(SRC).map(partOf))).toEqual(new Set(Object.keys(ALLOWED)));
  });

  it("imports only from the layers below (the library never the CLI, reporters never the runner, native never the framework)", () => {
    const wrong = edges.filter((e) => e.fromPart !== e.toPart && !ALLOWED[e.fromPart]!.includes(e.toPart));
    expect(wrong.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it("keeps the rules the architecture names", () => {
    const library = Object.keys(ALLOWED).filter((p) => p !== "cli");
    for (const p of library) expect(ALLOWED[p], p).not.toContain("cli");
    expect(ALLOWED.reporter).not.toContain("run");
    for (const p of ["native", "text", "fs"]) for (const f of FRAMEWORK) expect(ALLOWED[p], `${p} -> ${f}`).not.toContain(f);
    // Nothing but the entry point's users import the entry point.
    expect(edges.filter((e) => e.toPart === "index").map((e) => e.from)).toEqual([]);
  });

  it("declares every error class in src/errors.ts", () => {
    const elsewhere = sourceFiles(SRC)
      .filter((f) => partOf(f) !== "errors")
      .flatMap((f) => [...readFileSync(f, "utf8").matchAll(/\bclass\s+(\w+)\s+extends\s+(\w*Error)\b/g)].map((m) => `${path.relative(SRC, f)}: ${m[1]}`));
    expect(elsewhere).toEqual([]);
  });
});
