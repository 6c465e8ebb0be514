import { describe, expect, it } from "vitest";
import { bar, boxPlot, chartStyleFor, deltaBar, supportsUnicode } from "../../src/text/charts.js";

describe("bar", () => {
  it("fills its width in proportion, in eighths with Unicode", () => {
    expect(bar(10, 10, 8, "unicode")).toBe("████████");
    expect(bar(5, 10, 8, "unicode")).toBe("████    ");
    expect(bar(1, 16, 2, "unicode")).toBe("▏ ");
    expect(bar(3, 16, 2, "unicode")).toBe("▍ ");
    expect(bar(5, 10, 8, "ascii")).toBe("####    ");
  });

  it("always shows a sliver above zero, nothing at zero, and clamps", () => {
    expect(bar(1, 1e9, 10, "unicode")).toBe("▏".padEnd(10));
    expect(bar(0, 10, 4, "unicode")).toBe("    ");
    expect(bar(20, 10, 4, "ascii")).toBe("####");
    expect(bar(-1, 10, 4, "ascii")).toBe("    ");
    expect(bar(5, 0, 4, "unicode")).toBe("    ");
    expect(bar(Number.NaN, 10, 4, "unicode")).toBe("    ");
  });
});

describe("boxPlot", () => {
  const s = { min: 0, q1: 2, median: 5, q3: 6, max: 10 };

  it("draws whiskers, the interquartile box and the median on the scale", () => {
    expect(boxPlot(s, 0, 10, 11, "ascii")).toBe("|-===#=---|");
    expect(boxPlot(s, 0, 10, 11, "unicode")).toBe("├─░░░█░───┤");
  });

  it("places a box within a wider scale, and a constant series in the middle", () => {
    expect(boxPlot(s, 0, 20, 21, "ascii")).toBe("|-===#=---|          ");
    expect(boxPlot({ min: 3, q1: 3, median: 3, q3: 3, max: 3 }, 3, 3, 5, "ascii")).toBe("  #  ");
  });
});

describe("deltaBar", () => {
  it("grows right for increases and left for decreases, scaled to the largest change", () => {
    expect(deltaBar(0.5, 0.5, 11, "ascii")).toBe("     |+++++");
    expect(deltaBar(-0.2, 0.5, 11, "ascii")).toBe("   --|     ");
    expect(deltaBar(0, 0.5, 11, "unicode")).toBe("     │     ");
    expect(deltaBar(0.1, 0.5, 11, "unicode")).toBe("     │█    ");
    expect(deltaBar(2, 0.5, 5, "unicode")).toBe("  │██");
  });
});

describe("chart style", () => {
  it("is Unicode on a UTF-8 terminal, ASCII on a dumb or non-UTF-8 one", () => {
    expect(supportsUnicode({ LANG: "en_US.UTF-8" }, "linux")).toBe(true);
    expect(supportsUnicode({ LC_ALL: "C.utf8" }, "linux")).toBe(true);
    expect(supportsUnicode({ LANG: "C" }, "linux")).toBe(false);
    expect(supportsUnicode({ LANG: "en_US.UTF-8", TERM: "dumb" }, "linux")).toBe(false);
    expect(supportsUnicode({ WT_SESSION: "1" }, "win32")).toBe(true);
    expect(supportsUnicode({}, "win32")).toBe(false);
  });

  it("draws nothing when the output is not a terminal, unless forced", () => {
    const utf8 = { LANG: "en_US.UTF-8" };
    expect(chartStyleFor({ isTTY: false }, false, utf8, "linux")).toBeUndefined();
    expect(chartStyleFor(undefined, false, utf8, "linux")).toBeUndefined();
    expect(chartStyleFor({ isTTY: true }, false, utf8, "linux")).toBe("unicode");
    expect(chartStyleFor({ isTTY: false }, true, utf8, "linux")).toBe("unicode");
    expect(chartStyleFor({ isTTY: true }, false, { TERM: "dumb" }, "linux")).toBe("ascii");
  });
});
