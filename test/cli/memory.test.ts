/** Memory options of `nnbench run`: a child whose allocation runs away is stopped at its limit. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { classifyDeath } from "../../src/cli/workers.js";
import { readResults } from "../../src/reporter/index.js";
import { DATA, ensureBuilt, nnbench } from "./helpers.js";

beforeAll(ensureBuilt, 300_000);

describe("nnbench run --memory-limit", () => {
  it("names a child killed over its memory limit", () => {
    const d = classifyDeath(null, "SIGKILL", "...\nnnbench: memory limit exceeded by runaway (rss 400000000 bytes, limit 300000000 bytes)\n");
    expect(d).toEqual({ kind: "memory_limit", message: "memory limit exceeded by runaway (rss 400000000 bytes, limit 300000000 bytes); the child process was stopped" });
  });

  it.runIf(process.platform === "linux")("stops a runaway allocation in a child process and keeps the other results", async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), "nnbench-cli-memory-")), "r.json");
    const r = await nnbench(["run", path.join(DATA, "runaway"), "--isolate", "--memory-limit", "256MiB", "--memory-interval", "2", "-o", out]);
    expect(r.code).toBe(1);
    const [res] = await readResults(out);
    expect(res!.benchmarks.map((b) => [b.name, b.error_kind ?? "ok", b.value ?? null])).toEqual([
      ["before_runaway", "ok", 7],
      ["runaway", "memory_limit", null],
      ["after_runaway", "ok", 8],
    ]);
    const m = /rss (\d+) bytes, limit (\d+) bytes/.exec(res!.benchmarks[1]!.error_message);
    expect(m).not.toBeNull();
    // Stopped within a few 64 MiB steps of the limit, far below the 2 GiB it would have taken.
    expect(Number(m![1]) - Number(m![2])).toBeLessThan(256 * 1024 * 1024);
  }, 180_000);

  it("rejects a size it cannot read", async () => {
    const r = await nnbench(["run", path.join(DATA, "runaway"), "--memory-limit", "lots"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/memory-limit/);
  }, 60_000);
});
