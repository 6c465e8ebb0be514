import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { Progress, progressEnabled } from "../../src/cli/progress.js";

/** A terminal-like stream that keeps what is written to it. */
function terminal(): NodeJS.WriteStream & { text: string } {
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      (stream as unknown as { text: string }).text += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WriteStream & { text: string };
  stream.text = "";
  Object.assign(stream, { isTTY: true, columns: 120 });
  return stream;
}

describe("progress line", () => {
  it("appears only on a terminal and not under CI", () => {
    expect(progressEnabled({ isTTY: true }, {})).toBe(true);
    expect(progressEnabled({ isTTY: false }, {})).toBe(false);
    expect(progressEnabled({ isTTY: true }, { CI: "true" })).toBe(false);
    expect(progressEnabled({ isTTY: true }, { CI: "false" })).toBe(true);
  });

  it("shows the running benchmark, the count done and native memory held, then clears", async () => {
    const out = terminal();
    const p = new Progress(out, true, 3);
    p.start("load_model", 0);
    expect(out.text.split("\r\u001b[2K").at(-1)).toBe("[0/3] running load_model · native 0 B");
    p.end("load_model", false, 256 * 1024 * 1024);
    p.start("infer", 256 * 1024 * 1024);
    expect(out.text.split("\r\u001b[2K").at(-1)).toBe("[1/3] running infer · native 256 MiB");
    p.end("infer", true, 0);
    expect(out.text.split("\r\u001b[2K").at(-1)).toBe("[2/3] 1 failed · native 0 B");
    p.clear();
    expect(out.text.endsWith("\r\u001b[2K")).toBe(true);
  });

  it("writes nothing when disabled", () => {
    const out = terminal();
    const p = new Progress(out, false, 1);
    p.start("x", 0);
    p.end("x", false, 0);
    p.clear();
    expect(out.text).toBe("");
  });
});
