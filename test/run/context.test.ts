import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ContextKeyError, cpuarch, CPUInfo, gemmInfo, NativeInfo, GitEnvironmentInfo, NodeInfo, nodeVersion, run, benchmark, system } from "nnbench";

function hasGit(): boolean {
  try {
    execFileSync("git", ["--version"]);
    return true;
  } catch {
    return false;
  }
}

describe("context providers", () => {
  it("system, cpuarch and nodeVersion describe this machine", () => {
    expect(system()).toEqual({ system: os.type() });
    expect(cpuarch()).toEqual({ cpuarch: os.machine() });
    expect(nodeVersion()).toEqual({ node_version: process.versions.node });
  });

  it("NodeInfo reports versions of named packages, null for missing ones", async () => {
    const info = (await NodeInfo("vitest", "typescript", "no-such-package-xyz")()) as { node: Record<string, unknown> };
    const ts = (await import("typescript")).version;
    expect(info.node.version).toBe(process.versions.node);
    expect(info.node.packages).toEqual({
      vitest: expect.stringMatching(/^3\./),
      typescript: ts,
      "no-such-package-xyz": null,
    });
  });

  it("CPUInfo gives architecture, model, cores, frequency and memory", async () => {
    const { cpu } = (await CPUInfo()()) as { cpu: Record<string, unknown> };
    expect(cpu.architecture).toBe(os.machine());
    expect(cpu.cores).toBe(os.availableParallelism());
    expect(cpu.total_memory).toBe(os.totalmem());
    expect(typeof cpu.model).toBe("string");
    expect(typeof cpu.frequency).toBe("number");
  });

  it("NativeInfo reports the GEMM kernel the addon runs", async () => {
    const { native } = (await NativeInfo()()) as { native: Record<string, unknown> };
    const g = gemmInfo();
    expect(native).toEqual({
      gemm_isa: g.isa,
      detected_isa: g.detectedIsa,
      available_isas: g.availableIsas,
      float32_tile: g.float32Tile,
      float64_tile: g.float64Tile,
      threads: g.threads,
      compiler: g.compiler,
    });
    expect(native.available_isas).toContain(native.gemm_isa);
  });

  it.runIf(hasGit())("GitEnvironmentInfo reads commit, tag, remote and dirtiness", async () => {
    const dir = mkdtempSync(join(os.tmpdir(), "nnbench-git-"));
    try {
      // The test's own identity and settings: none of the user's git configuration applies.
      const env = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };
      const settings = ["-c", "user.name=nnbench test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", "-c", "init.defaultBranch=main"];
      const git = (...args: string[]) => execFileSync("git", [...settings, ...args], { cwd: dir, env, encoding: "utf8" }).trim();
      git("init", "-q");
      writeFileSync(join(dir, "f.txt"), "1");
      git("add", "f.txt");
      git("commit", "-q", "-m", "one");
      git("tag", "v1.2.3");
      git("remote", "add", "origin", "git@github.com:acme/models.git");
      const commit = git("rev-parse", "HEAD");
      expect(await GitEnvironmentInfo("origin", dir)()).toEqual({
        git: { commit, tag: "v1.2.3", provider: "github.com", repository: "acme/models", dirty: false },
      });
      writeFileSync(join(dir, "f.txt"), "2");
      const dirty = (await GitEnvironmentInfo("origin", dir)()) as { git: { dirty: boolean } };
      expect(dirty.git.dirty).toBe(true);
      git("remote", "set-url", "origin", "https://gitlab.com/group/proj.git");
      const https = (await GitEnvironmentInfo("origin", dir)()) as { git: Record<string, unknown> };
      expect([https.git.provider, https.git.repository]).toEqual(["gitlab.com", "group/proj"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("GitEnvironmentInfo outside a repository gives empty fields", async () => {
    const dir = mkdtempSync(join(os.tmpdir(), "nnbench-nogit-"));
    try {
      expect(await GitEnvironmentInfo("origin", dir)()).toEqual({ git: { commit: "", tag: "", provider: "", repository: "", dirty: false } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("providers merge into a run's context; a duplicate key is an error", async () => {
    const r = await run([benchmark(() => 1)], { context: [system, cpuarch, nodeVersion, CPUInfo()] });
    expect(Object.keys(r.context)).toEqual(["system", "cpuarch", "node_version", "cpu"]);
    await expect(run([benchmark(() => 1)], { context: [system, system] })).rejects.toThrow(ContextKeyError);
  });
});
