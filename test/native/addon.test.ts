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

  it("says which paths it tried and how to fix it when the addon is missing", () => {
    const tsx = createRequire(import.meta.url).resolve("tsx");
    const url = new URL("../../src/native/addon.ts", import.meta.url).href;
    let message = "";
    try {
      execFileSync(process.execPath, ["--import", tsx, "-e", `await import(${JSON.stringify(url)})`], {
        env: { ...process.env, [ADDON_PATH_ENV]: "/nonexistent/nnbench.node" },
        encoding: "utf8",
        stdio: "pipe",
      });
    } catch (error) {
      message = String((error as { stderr?: string }).stderr);
    }
    expect(message).toContain("AddonLoadError");
    expect(message).toContain("/nonexistent/nnbench.node (missing)");
    expect(message).toContain("npm run build:native");
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
