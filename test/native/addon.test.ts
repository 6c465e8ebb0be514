import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";

import { describe, expect, it } from "vitest";

import { addon, addonCandidates, ADDON_PATH_ENV } from "../../src/native/addon.js";

describe("addon loader", () => {
  it("loads the built addon", () => {
    expect(typeof addon.nativeMemory).toBe("function");
    expect(addonCandidates().some((p) => p.endsWith("nnbench.node"))).toBe(true);
  });

  it.runIf(process.platform === "linux")("looks for the prebuild of this platform, architecture and C library after a local build", () => {
    const env = process.env.LIBC;
    const override = process.env.NNBENCH_ADDON_PATH; // set by the sanitizer build; it would come first
    try {
      delete process.env.LIBC;
      delete process.env.NNBENCH_ADDON_PATH;
      const glibc = addonCandidates("/pkg");
      expect(glibc.slice(0, 2)).toEqual(["/pkg/build/Release/nnbench.node", "/pkg/build/Debug/nnbench.node"]);
      expect(glibc).toContain(`/pkg/prebuilds/linux-${process.arch}/nnbench.glibc.node`);
      process.env.LIBC = "musl";
      expect(addonCandidates("/pkg")).not.toContain(`/pkg/prebuilds/linux-${process.arch}/nnbench.glibc.node`);
    } finally {
      if (env === undefined) delete process.env.LIBC;
      else process.env.LIBC = env;
      if (override !== undefined) process.env.NNBENCH_ADDON_PATH = override;
    }
  });

  it("is loaded on first use: importing nnbench works without it, the first native call says which paths it tried", () => {
    const tsx = createRequire(import.meta.url).resolve("tsx");
    const url = new URL("../../src/index.ts", import.meta.url).href;
    const script = [
      `const nnbench = await import(${JSON.stringify(url)});`,
      'console.log("imported");',
      "try { nnbench.Tensor.zeros([2]); } catch (error) { console.log(`${error.name} ${error.code}\\n${error.message}`); }",
    ].join("\n");
    const out = execFileSync(process.execPath, ["--import", tsx, "--input-type=module", "-e", script], {
      env: { ...process.env, [ADDON_PATH_ENV]: "/nonexistent/nnbench.node" },
      encoding: "utf8",
    });
    expect(out).toMatch(/^imported\nAddonLoadError ERR_ADDON_LOAD\n/);
    expect(out).toContain("/nonexistent/nnbench.node (missing)");
    expect(out).toContain("npm run build:native");
  });

  it("is not loaded by importing nnbench", () => {
    const tsx = createRequire(import.meta.url).resolve("tsx");
    const url = new URL("../../src/index.ts", import.meta.url).href;
    const script = [
      'const { readFileSync } = await import("node:fs");',
      "const mapped = () => readFileSync(\"/proc/self/maps\", \"utf8\").includes(\"nnbench.node\");",
      `const nnbench = await import(${JSON.stringify(url)});`,
      "const before = mapped();",
      "nnbench.nativeMemory();",
      "console.log(JSON.stringify([before, mapped()]));",
    ].join("\n");
    // Without NODE_OPTIONS: the sanitizer run preloads the addon into every process.
    const out = execFileSync(process.execPath, ["--import", tsx, "--input-type=module", "-e", script], {
      env: { ...process.env, NODE_OPTIONS: "" },
      encoding: "utf8",
    });
    expect(JSON.parse(out)).toEqual([false, true]);
  });

  it("validates arguments at the native boundary", () => {
    expect(() => new addon.Storage(-1, false)).toThrow(TypeError);
    expect(() => new addon.Storage(1.5, false)).toThrow(TypeError);
    expect(() => addon.sum({} as never, 1)).toThrow(/tensor storage/);
    const s = new addon.Storage(16, true);
    expect(() => addon.readInto(0, 0, s, 8, 16)).toThrow(RangeError);
    expect(() => addon.byteSwap(s, 3)).toThrow(/itemSize/);
    s.dispose();
    expect(() => addon.sum(s, 1)).toThrow(/disposed/);
  });
});
