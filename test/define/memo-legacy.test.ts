import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterEach, describe, expect, it } from "vitest";
import { clearMemoCache, evictMemo, getMemoByValue, memoCacheSize } from "nnbench";

const dir = fileURLToPath(new URL("../data/framework/legacy/", import.meta.url));

afterEach(() => clearMemoCache());

describe("@cachedMemo as a legacy (experimentalDecorators) decorator", () => {
  it("caches sync and async calls", async () => {
    const source = readFileSync(`${dir}memos.ts`, "utf8");
    const out = ts.transpileModule(source, {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, experimentalDecorators: true },
    });
    // The legacy emit calls the decorator through TypeScript's __decorate helper.
    expect(out.outputText).toContain("__decorate");
    const file = join(mkdtempSync(join(tmpdir(), "nnbench-legacy-")), "memos-legacy.mjs");
    writeFileSync(file, out.outputText);
    const mod = (await import(/* @vite-ignore */ file)) as typeof import("../data/framework/legacy/memos.js");
    rmSync(dirname(file), { recursive: true, force: true });

    const m = new mod.CountingMemo();
    const v = m.call();
    expect(m.call()).toBe(v);
    expect(mod.counts.sync).toBe(1);
    expect(memoCacheSize()).toBe(1);
    expect(getMemoByValue(v)).toBe(m);
    expect(evictMemo(m)).toBe(v);
    expect(m.call()).not.toBe(v);
    expect(mod.counts.sync).toBe(2);

    const a = new mod.AsyncCountingMemo();
    const [x, y] = await Promise.all([a.call(), a.call()]);
    expect(x).toBe(y);
    expect(mod.counts.async).toBe(1);
  });
});
