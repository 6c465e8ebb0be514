import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { writeFileAtomic } from "../../src/fs/atomic-file.js";
import { writeResult } from "../../src/reporter/index.js";
import { sampleResult } from "./sample.js";

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), "nnbench-atomic-"));
}

const OLD = JSON.stringify({ run: "old", context: {}, benchmarks: [], timestamp: 1 });

describe("atomic writes", () => {
  it("keeps the old file when producing the bytes fails midway", async () => {
    const dir = tmp();
    const target = path.join(dir, "results.json");
    writeFileSync(target, OLD);
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode('{"run": "new", "bench');
      throw new Error("disk on fire");
    }
    await expect(writeFileAtomic(target, failing())).rejects.toThrow("disk on fire");
    expect(readFileSync(target, "utf8")).toBe(OLD);
    expect(readdirSync(dir)).toEqual(["results.json"]);
  });

  it("keeps the old file when the process is killed mid-write", async () => {
    const dir = tmp();
    const target = path.join(dir, "results.json");
    writeFileSync(target, OLD);
    const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "fixtures/slow-writer.ts"), target], {
      stdio: "inherit",
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, sig) => resolve(sig)));
    // Wait until the child has written a good part of its temporary file, then kill it hard.
    let tmpFile: string | undefined;
    for (let i = 0; i < 600 && !tmpFile; i++) {
      tmpFile = readdirSync(dir).find((f) => f.endsWith(".tmp") && statSync(path.join(dir, f)).size > 256 * 1024);
      if (!tmpFile) await sleep(50);
    }
    expect(tmpFile, "the child never started writing").toBeDefined();
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    expect(readFileSync(target, "utf8")).toBe(OLD);
  });

  it("replaces the file in full when the write succeeds", async () => {
    const dir = tmp();
    const target = path.join(dir, "results.json");
    writeFileSync(target, OLD);
    await writeResult(sampleResult(), target);
    expect(JSON.parse(readFileSync(target, "utf8"))).toMatchObject({ run: "sample-run" });
    expect(readdirSync(dir)).toEqual(["results.json"]);
  });
});
