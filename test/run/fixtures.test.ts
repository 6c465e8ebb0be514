import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FixtureResolver, fixtureDirectories } from "../../src/run/fixtures.js";

const root = fileURLToPath(new URL("../data/framework/collect", import.meta.url));

describe("fixture lookup", () => {
  it("searches the benchmark's directory, then its parents up to the collected root", () => {
    expect(fixtureDirectories({ file: `${root}/sub/deeper/needs.mts`, root })).toEqual([`${root}/sub/deeper`, `${root}/sub`, root]);
    expect(fixtureDirectories({ file: `${root}/models.ts`, root: `${root}/models.ts` })).toEqual([root]);
    // A file outside the root looks only beside itself.
    expect(fixtureDirectories({ file: "/elsewhere/x.ts", root })).toEqual(["/elsewhere"]);
  });

  it("resolves the nearest definition, run parameters first for a fixture's own inputs", async () => {
    const r = new FixtureResolver({ a: 5 });
    const origin = { file: `${root}/sub/nested.mjs`, root };
    expect(await r.resolve("c", origin)).toEqual({ found: true, value: 15 });
    expect(await r.resolve("b", origin)).toEqual({ found: true, value: 11 });
    expect(await r.resolve("b", { file: `${root}/models.ts`, root })).toEqual({ found: true, value: 10 });
    expect(await r.resolve("zzz", origin)).toEqual({ found: false });
    expect(await r.resolve("a", undefined)).toEqual({ found: false });
    expect(await r.has("c", origin)).toBe(true);
    expect(await r.has("c", { file: `${root}/models.ts`, root })).toBe(false);
  });
});
