import { describe, expect, it } from "vitest";
import { parseThreshold } from "../../src/compare/thresholds.js";
import { ComparisonError } from "../../src/errors.js";
import { thrown } from "../helpers/thrown.js";

describe("parseThreshold", () => {
  it("reads metric, direction, amount and unit", () => {
    expect(parseThreshold("time:+5%")).toMatchObject({ metric: "time_ns", direction: "increase", limit: 0.05, relative: true });
    expect(parseThreshold("memory.native_peak_bytes:+10MiB")).toMatchObject({ metric: "memory.native_peak_bytes", limit: 10 * 1024 ** 2, relative: false });
    expect(parseThreshold("stats.p99:+2ms")).toMatchObject({ metric: "stats.p99", limit: 2e6 });
    expect(parseThreshold("value:-1.5%")).toMatchObject({ metric: "value", direction: "decrease", limit: 0.015 });
    expect(parseThreshold("time:+250us").limit).toBe(250_000);
  });
  it("rejects malformed thresholds and units that do not fit the metric", () => {
    for (const bad of ["time", "time:5%", "time:+", "time:+5 parsecs", ":+5%", "memory.native_peak_bytes:+5ms", "time:+3MiB"]) {
      expect(() => parseThreshold(bad), bad).toThrow(ComparisonError);
    }
  });
});

describe("threshold fields", () => {
  it("accepts every memory and stats field and paths into the value", () => {
    expect(parseThreshold("memory.rss_peak_bytes:+1GiB").metric).toBe("memory.rss_peak_bytes");
    expect(parseThreshold("stats.stddev:+1ms").metric).toBe("stats.stddev");
    expect(parseThreshold("value.accuracy:-1%").metric).toBe("value.accuracy");
  });

  it("refuses an unknown field and lists the valid ones, so a typo cannot make a gate that never fails", () => {
    for (const bad of ["tiem:+5%", "memory.native_peek_bytes:+1MiB", "stats.p95:+1ms", "samples_ns:+1%"]) {
      const err = thrown(() => parseThreshold(bad));
      expect(err, bad).toBeInstanceOf(ComparisonError);
      expect((err as Error).message, bad).toMatch(/unknown field .*valid fields: time, time_ns, value, value\.<key>, memory\.native_peak_bytes, .*stats\.p99/);
    }
  });
});
