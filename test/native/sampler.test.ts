/**
 * The memory sampler runs on its own thread: it sees an allocation made while JavaScript is busy,
 * keeps the peak, records phases, and its guard stops a runaway allocation in a child process.
 */
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemorySampler, residentBytes } from "nnbench";
import { addon } from "../../src/native/addon.js";
import { fullGc } from "../../src/run/gc.js";

const MiB = 1024 * 1024;

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe("MemorySampler", () => {
  it("reads RSS like the kernel does", () => {
    if (process.platform !== "linux") return;
    const rss = residentBytes();
    expect(Math.abs(rss - process.memoryUsage.rss())).toBeLessThan(8 * MiB);
  });

  it("catches a short peak while the JavaScript thread never yields", () => {
    using s = new MemorySampler({ intervalMs: 1, timeline: true });
    s.reset();
    const start = residentBytes();
    s.mark("calls");
    let a: Float64Array | undefined = new Float64Array((64 * MiB) / 8);
    a.fill(1); // touch every page
    busy(30); // the sampler must run while this thread spins
    a = undefined;
    s.mark("teardown");
    const peak = s.peaks().rssBytes;
    // 64 MiB touched; allocators (and sanitizer builds) may reuse a few resident pages for it.
    expect(peak - start).toBeGreaterThan(48 * MiB);
    const tl = s.takeTimeline();
    expect(tl.t_ms.length).toBeGreaterThan(10); // samples taken during the busy loop, not only at marks
    expect(tl.phase[0]).toBe("memo_load");
    expect(tl.phase).toContain("calls");
    expect(tl.phase.at(-1)).toBe("teardown");
    expect(Math.max(...tl.rss_bytes)).toBeGreaterThanOrEqual(peak);
    expect(Math.max(...tl.rss_bytes)).toBeLessThanOrEqual(s.peaks().rssBytes);
    for (let i = 1; i < tl.t_ms.length; i++) expect(tl.t_ms[i]!).toBeGreaterThanOrEqual(tl.t_ms[i - 1]!);
  });

  it("publishes V8 external bytes at marks", async () => {
    // Garbage of earlier tests first: the allocation below may start a collection, and buffers it
    // freed would offset the 32 MiB (by 17 MiB once, under the sanitizers).
    await fullGc();
    using s = new MemorySampler({ intervalMs: 5 });
    s.reset();
    const base = s.peaks().externalBytes;
    const buf = new ArrayBuffer(32 * MiB);
    s.mark("calls");
    // Other external memory of the process may still be released meanwhile (a few bytes, under
    // the sanitizers some KiB): the 32 MiB must show, within 1 MiB.
    expect(s.peaks().externalBytes - base).toBeGreaterThanOrEqual(31 * MiB);
    expect(buf.byteLength).toBe(32 * MiB);
  });

  it("keeps the whole span and the peak when more samples arrive than it holds", () => {
    using s = new MemorySampler({ intervalMs: 0.2, timeline: true, capacity: 16 });
    s.reset();
    let a: Uint8Array | undefined = new Uint8Array(48 * MiB).fill(1);
    busy(20);
    const peak = s.peaks().rssBytes;
    a = undefined;
    busy(20);
    const tl = s.takeTimeline();
    expect(tl.t_ms.length).toBeLessThanOrEqual(16);
    expect(tl.t_ms.at(-1)!).toBeGreaterThan(30);
    expect(Math.max(...tl.rss_bytes)).toBeGreaterThanOrEqual(peak - 4 * MiB);
    void a;
  });

  it("its native methods return or throw an Error for any arguments", () => {
    const odd = fc.oneof(
      fc.constantFrom<unknown>(undefined, null, true, "", "x", {}, [], -1, -0, 0.5, NaN, Infinity, 2 ** 53, 2 ** 64, 5n, 99, 1e12),
      fc.integer({ min: -10, max: 100_000 }),
      fc.double(),
    );
    const methods = ["start", "stop", "reset", "mark", "peaks", "takeSamples", "killAbove"] as const;
    const s = new addon.MemorySampler();
    try {
      fc.assert(
        fc.property(fc.constantFrom(...methods), fc.array(odd, { maxLength: 4 }), (name, args) => {
          // A valid positive limit would kill this process: killAbove only gets arguments it must refuse.
          if (name === "killAbove" && typeof args[0] === "number" && typeof args[1] === "string") args[1] = 7;
          try {
            (s[name] as (...a: unknown[]) => unknown).apply(s, args);
          } catch (e) {
            expect(e).toBeInstanceOf(Error);
          }
        }),
        { numRuns: 500 },
      );
    } finally {
      s.stop();
    }
  });

  it("rejects a bad interval", () => {
    expect(() => new MemorySampler({ intervalMs: 0 })).toThrow(RangeError);
    expect(() => new MemorySampler({ intervalMs: Number.NaN })).toThrow(RangeError);
  });

  it("its guard kills a child process whose allocation runs away, long before it reaches the machine's memory", () => {
    if (process.platform !== "linux") return;
    const script = `
      import { MemorySampler, residentBytes } from ${JSON.stringify(new URL("../../src/index.ts", import.meta.url).href)};
      const s = new MemorySampler({ intervalMs: 2 });
      s.reset();
      s.killAbove(residentBytes() + 128 * 1024 * 1024, "nnbench: memory limit exceeded");
      const held = [];
      for (let i = 0; i < 64; i++) held.push(new Uint8Array(64 * 1024 * 1024).fill(1)); // 4 GiB if nothing stops it
      console.log("not stopped");
    `;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000 });
    expect(r.signal).toBe("SIGKILL");
    expect(r.stdout).not.toContain("not stopped");
    const m = /nnbench: memory limit exceeded \(rss (\d+) bytes, limit (\d+) bytes\)/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    // Stopped within a few allocations past the limit.
    expect(Number(m![1]) - Number(m![2])).toBeLessThan(256 * MiB);
  });
});
